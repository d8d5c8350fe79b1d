/**
 * The first half of the export pipeline: read every segment → map → validate → sort by e-mail →
 * de-duplicate. The result is a spool file of unique contacts sorted by key, which the plan and
 * the write pass each stream (and which becomes the next snapshot), so the sources are read once
 * per run and memory stays flat (ADR 0003).
 *
 * Conflict rule (see `core/dedupe.ts`): the first segment in declaration order wins, then the
 * first row within it; later rows with the same e-mail are counted as duplicates.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { AppError } from "../core/errors.ts";
import { createDeduplicator } from "../core/dedupe.ts";
import type { DedupeCounts, RowOrigin } from "../core/dedupe.ts";
import { checkMappings, mapRow } from "../core/mapping.ts";
import type { FieldMappings, MappedContact, RowError } from "../core/mapping.ts";
import { toImportItem } from "../ctct/import-chunker.ts";
import type { SegmentSource } from "../sources/segment-source.ts";
import { splitLineBatches } from "../core/text-lines.ts";
import { sortLinesExternally } from "./external-sort.ts";
import type { ExternalSortOptions, SortedLines } from "./external-sort.ts";

/** A unique desired contact as stored in the spool; `fields` is parsed only when sent. */
export interface DesiredRow {
  /** The e-mail key. */
  key: string;
  /** Hash of the mapped fields. */
  hash: string;
  /** JSON of the mapped fields other than the e-mail; see {@link contactOf}. */
  fields: string;
}

/** The contact of a spooled row. */
export function contactOf(row: DesiredRow): MappedContact {
  return { ...(JSON.parse(row.fields) as Omit<MappedContact, "email">), email: row.key };
}

/** Options of {@link collectDesiredContacts}. */
export interface CollectOptions extends ExternalSortOptions {
  source: SegmentSource;
  /** The export's segments, in declaration order (the order the conflict rule uses). */
  segments: readonly string[];
  mappings: FieldMappings;
  /** Row errors kept for run history; the rest are only counted. @default 1_000 */
  maxRowErrorsKept?: number | undefined;
  /** Called for every rejected row (e.g. to stream them into run history). */
  onRowError?: ((error: RowError) => void) | undefined;
  /** Called every `progressEvery` rows read. */
  onProgress?: ((progress: { segment: string; rowsRead: number }) => void) | undefined;
  /** @default 100_000 */
  progressEvery?: number | undefined;
}

/** What one segment contributed. */
export interface SegmentRead {
  segment: string;
  version: string;
  location: string;
  rows: number;
  invalid: number;
}

/** The sorted, de-duplicated contacts of an export; `dispose()` deletes the spool. */
export interface DesiredContacts extends AsyncDisposable {
  segments: SegmentRead[];
  counts: {
    /** Rows read from all segments. */
    rows: number;
    /** Rows rejected by mapping and validation. */
    invalid: number;
    /** Valid rows dropped by the conflict rule. */
    duplicates: number;
    /** Distinct valid contacts. */
    profiles: number;
  };
  /** The first rejected rows (up to `maxRowErrorsKept`). */
  rowErrors: RowError[];
  /** Mean UTF-8 bytes of one `import_data` item, for the request estimate. */
  averageImportItemBytes: number;
  /** Streams the unique contacts sorted by key; may be called more than once. */
  rows(): AsyncIterable<DesiredRow>;
  dispose(): Promise<void>;
}

/** Every how many valid rows the import item size is measured. */
const IMPORT_BYTES_SAMPLE = 16;

/** Sorting key width: up to 10,000 segments and 10^10 rows per segment. */
const SEGMENT_DIGITS = 4;
const ORDINAL_DIGITS = 10;

/**
 * Reads, maps, validates, sorts and de-duplicates all segments of an export.
 * @throws AppError `VALIDATION_FAILED` for an unusable mapping, `SOURCE_*` from the source, and
 * `SOURCE_MALFORMED` when a segment with rows never has the e-mail column.
 */
export async function collectDesiredContacts(options: CollectOptions): Promise<DesiredContacts> {
  const problems = checkMappings(options.mappings);
  if (problems.length > 0) {
    throw new AppError(
      "VALIDATION_FAILED",
      problems.map((p) => `${p.field}: ${p.message}`).join("; "),
      {
        details: { problems },
      },
    );
  }
  if (options.segments.length >= 10 ** SEGMENT_DIGITS) {
    throw new AppError(
      "VALIDATION_FAILED",
      `an export may name at most ${10 ** SEGMENT_DIGITS - 1} segments`,
    );
  }
  const maxKept = options.maxRowErrorsKept ?? 1_000;
  const progressEvery = options.progressEvery ?? 100_000;
  const segments: SegmentRead[] = [];
  const rowErrors: RowError[] = [];
  let rows = 0;
  let invalid = 0;
  let importBytes = 0;
  let sampled = 0;
  let valid = 0;

  async function* mappedLines(): AsyncGenerator<string> {
    for (const [segmentIndex, segment] of options.segments.entries()) {
      const resolved = await options.source.resolve(segment);
      const read: SegmentRead = {
        segment,
        version: resolved.version,
        location: resolved.location,
        rows: 0,
        invalid: 0,
      };
      segments.push(read);
      let sawEmailColumn = false;
      for await (const row of resolved.rows()) {
        read.rows += 1;
        rows += 1;
        if (!sawEmailColumn && row[options.mappings.email] !== undefined) sawEmailColumn = true;
        if (options.onProgress !== undefined && read.rows % progressEvery === 0) {
          options.onProgress({ segment, rowsRead: read.rows });
        }
        const mapped = mapRow(row, options.mappings, { segment, row: read.rows });
        if (!mapped.ok) {
          read.invalid += 1;
          invalid += 1;
          if (rowErrors.length < maxKept) rowErrors.push(mapped.error);
          options.onRowError?.(mapped.error);
          continue;
        }
        valid += 1;
        const { email: _email, ...fields } = mapped.contact;
        // The mean item size only sizes the request estimate: one row in 16 measures it well
        // enough, at a sixteenth of the cost of a second serialisation per row.
        if (valid % IMPORT_BYTES_SAMPLE === 1) {
          importBytes += Buffer.byteLength(JSON.stringify(toImportItem(mapped.contact)));
          sampled += 1;
        }
        yield `${mapped.contact.email}\t${String(segmentIndex).padStart(SEGMENT_DIGITS, "0")}\t${String(read.rows).padStart(ORDINAL_DIGITS, "0")}\t${mapped.hash}\t${JSON.stringify(fields)}`;
      }
      if (read.rows > 0 && !sawEmailColumn) {
        throw new AppError(
          "SOURCE_MALFORMED",
          `segment '${segment}' (${resolved.location}) has no column '${options.mappings.email}', which mappings.email names; fix the mapping or the source`,
          { details: { segment, column: options.mappings.email } },
        );
      }
    }
  }

  const sorted = await sortLinesExternally(mappedLines(), options);
  const counts: DedupeCounts = { unique: 0, duplicates: 0 };
  const folder = await mkdtemp(join(options.tempDirectory ?? tmpdir(), "ccx-desired-"));
  const spool = join(folder, "desired.tsv");
  try {
    await writeSpool(sorted, spool, createDeduplicator(counts));
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  } finally {
    await sorted.dispose();
  }
  const dispose = (): Promise<void> => rm(folder, { recursive: true, force: true });
  return {
    segments,
    counts: { rows, invalid, duplicates: counts.duplicates, profiles: counts.unique },
    rowErrors,
    averageImportItemBytes: sampled === 0 ? 0 : importBytes / sampled,
    rows: () => readSpool(spool),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * Writes the unique rows of the sorted stream to the spool, as `key\thash\tfields` lines. One
 * plain loop with no generator layers between the merge and the file (ADR 0003).
 */
async function writeSpool(
  sorted: SortedLines,
  file: string,
  keep: (item: RowOrigin) => boolean,
): Promise<void> {
  const out = createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  failed.catch(() => undefined);
  const origin = { key: "", segmentIndex: 0, ordinal: 0 };
  let chunk = "";
  for await (const batch of sorted.batches()) {
    for (const line of batch) {
      const first = line.indexOf("\t");
      const second = first + 1 + SEGMENT_DIGITS;
      const third = second + 1 + ORDINAL_DIGITS;
      origin.key = line.slice(0, first);
      origin.segmentIndex = Number(line.slice(first + 1, second));
      origin.ordinal = Number(line.slice(second + 1, third));
      if (!keep({ ...origin })) continue;
      chunk += `${origin.key}\t${line.slice(third + 1)}\n`;
    }
    if (chunk.length >= 256 * 1024) {
      if (!out.write(chunk)) await Promise.race([once(out, "drain"), failed]);
      chunk = "";
    }
  }
  out.end(chunk);
  await Promise.race([finished(out), failed]);
}

async function* readSpool(file: string): AsyncGenerator<DesiredRow> {
  const input = createReadStream(file, { highWaterMark: 256 * 1024, encoding: "utf8" });
  try {
    for await (const lines of splitLineBatches(input as AsyncIterable<string>)) {
      for (const line of lines) {
        const first = line.indexOf("\t");
        const second = line.indexOf("\t", first + 1);
        yield {
          key: line.slice(0, first),
          hash: line.slice(first + 1, second),
          fields: line.slice(second + 1),
        };
      }
    }
  } finally {
    input.destroy();
  }
}
