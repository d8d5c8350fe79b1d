/**
 * Streaming parsers for segment files: CSV through {@link CsvRecordParser} (quoted commas and
 * line breaks, a UTF-8 BOM, LF or CRLF), and JSON Lines, handed over in batches. Errors name the file and line, never a value: rows are
 * personal data.
 */
import type { Readable } from "node:stream";
import { AppError } from "../core/errors.ts";
import { splitLineBatches } from "../core/text-lines.ts";
import { CsvRecordParser, CsvSyntaxError } from "../core/csv-records.ts";
import { rowsOfRecords } from "./segment-records.ts";
import type { RecordBatch } from "./segment-records.ts";
import type { SegmentRow } from "./segment-source.ts";

/** How the column names of a CSV file are known. */
export type CsvHeader =
  /** The first record is the header. */
  | { kind: "row" }
  /** The file has no header; these are its columns. */
  | { kind: "names"; names: readonly string[] }
  /** A header row may or may not be there: it is one when it equals `names` (ignoring case). */
  | { kind: "detect"; names: readonly string[] };

/** Characters of text parsed into one batch, about. */
const PIECE_CHARS = 4 * 1024;

/** Options of {@link parseCsvRows}. */
export interface CsvOptions {
  header: CsvHeader;
  /** @default "," */
  delimiter?: string | undefined;
  /** Name of the file, for errors. */
  location: string;
}

/**
 * Streams the rows of one CSV file in batches (one per chunk read): handing rows over a batch at a
 * time avoids an `await` per row, which costs seconds on a million rows (ADR 0003).
 */
export async function* parseCsvRowBatches(
  input: Readable,
  options: CsvOptions,
): AsyncGenerator<SegmentRow[]> {
  for await (const batch of parseCsvRecordBatches(input, options)) yield rowsOfRecords(batch);
}

/**
 * The same rows as records (values by column position) with their column names: no object per
 * row (see `segment-records.ts`).
 */
export async function* parseCsvRecordBatches(
  input: Readable,
  options: CsvOptions,
): AsyncGenerator<RecordBatch> {
  const parser = new CsvRecordParser(options.delimiter ?? ",");
  let names: readonly string[] | undefined =
    options.header.kind === "names" ? options.header.names : undefined;
  let first = true;
  let records: string[][] = [];
  // Runs synchronously inside `push`: the records of one chunk become one batch.
  const onRecord = (record: string[], line: number): void => {
    if (first) {
      first = false;
      if (options.header.kind === "row") {
        names = record.map((name) => name.trim());
        return;
      }
      if (options.header.kind === "detect") {
        const expected = options.header.names;
        const isHeader =
          record.length === expected.length &&
          record.every((name, i) => name.trim().toLowerCase() === expected[i]?.toLowerCase());
        names = expected;
        if (isHeader) return;
      }
    }
    const columns = names ?? [];
    if (record.length !== columns.length) {
      throw new AppError(
        "SOURCE_MALFORMED",
        `${options.location}: line ${line} has ${record.length} fields but the header names ${columns.length} columns; fix the file or its model.json`,
        { details: { location: options.location, line } },
      );
    }
    records.push(record);
  };
  const utf8 = strictUtf8(options.location, () => parser.line + 1);
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const text = utf8.check(chunk);
      // Handed over in pieces of about 4 KB ending at a line break (slices share the chunk's
      // text): the records a batch holds are alive when the young generation is collected, and
      // V8 grows it by what survives: 4 KB batches keep it at half the size 64 KB ones grew it to.
      for (let from = 0; from < text.length;) {
        const cut = from + PIECE_CHARS >= text.length ? -1 : text.indexOf("\n", from + PIECE_CHARS);
        const to = cut === -1 ? text.length : cut + 1;
        try {
          parser.push(from === 0 && to === text.length ? text : text.slice(from, to), onRecord);
        } catch (error) {
          throw malformed(options.location, error);
        }
        if (records.length > 0) {
          yield { columns: names ?? [], records };
          records = [];
        }
        from = to;
      }
    }
    utf8.end();
    try {
      parser.end(onRecord);
    } catch (error) {
      throw malformed(options.location, error);
    }
    if (records.length > 0) yield { columns: names ?? [], records };
  } finally {
    input.destroy();
  }
}

/** Streams the rows of one CSV file. */
export async function* parseCsvRows(
  input: Readable,
  options: CsvOptions,
): AsyncGenerator<SegmentRow> {
  for await (const batch of parseCsvRowBatches(input, options)) yield* batch;
}

/** Streams the rows of one JSON Lines file in batches: one object per line; scalars become strings. */
export async function* parseJsonLineBatches(
  input: Readable,
  location: string,
): AsyncGenerator<SegmentRow[]> {
  let line = 0;
  const utf8 = strictUtf8(location, () => line + 1);
  async function* text(): AsyncGenerator<string> {
    for await (const chunk of input as AsyncIterable<Buffer>) yield utf8.check(chunk);
    utf8.end();
  }
  try {
    for await (const lines of splitLineBatches(text())) {
      const rows: SegmentRow[] = [];
      for (const rawLine of lines) {
        line += 1;
        const text = line === 1 ? rawLine.replace(/^\uFEFF/, "") : rawLine;
        if (text.trim() === "") continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw new AppError("SOURCE_MALFORMED", `${location}: line ${line} is not valid JSON`, {
            details: { location, line },
          });
        }
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
          throw new AppError("SOURCE_MALFORMED", `${location}: line ${line} is not a JSON object`, {
            details: { location, line },
          });
        }
        const row: SegmentRow = {};
        for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
          if (member === null || member === undefined) continue;
          row[key] = typeof member === "string" ? member : JSON.stringify(member);
        }
        rows.push(row);
      }
      if (rows.length > 0) yield rows;
    }
  } finally {
    input.destroy();
  }
}

/** Streams the rows of one JSON Lines file. */
export async function* parseJsonLines(
  input: Readable,
  location: string,
): AsyncGenerator<SegmentRow> {
  for await (const batch of parseJsonLineBatches(input, location)) yield* batch;
}

function malformed(location: string, error: unknown): unknown {
  if (!(error instanceof CsvSyntaxError)) return error;
  return new AppError(
    "SOURCE_MALFORMED",
    `${location}: CSV is malformed near line ${error.line} (${error.code}); fix the file`,
    { details: { location, line: error.line, parserCode: error.code } },
  );
}

/**
 * Checks that a file's bytes are UTF-8 as they stream by. Decoding leniently would turn a Latin-1
 * "é" into "�" and send the mangled name to Constant Contact; a clear error is better.
 */
function strictUtf8(location: string, line: () => number) {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const fail = (): never => {
    throw new AppError(
      "SOURCE_MALFORMED",
      `${location}: not UTF-8 text near line ${line()}; save the file as UTF-8`,
      { details: { location, line: line(), encoding: "not UTF-8" } },
    );
  };
  return {
    /** The chunk's text; throws at the first byte sequence that is not UTF-8. */
    check(chunk: Buffer): string {
      try {
        return decoder.decode(chunk, { stream: true });
      } catch {
        return fail();
      }
    },
    /** Throws when the file ends inside a multi-byte character. */
    end(): void {
      try {
        decoder.decode();
      } catch {
        fail();
      }
    },
  };
}
