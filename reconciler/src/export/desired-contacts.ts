/**
 * The first half of the export pipeline: read every segment → map → validate → sort by e-mail →
 * de-duplicate. The result is the unique contacts sorted by key, held compactly in memory or, past
 * the sorter's budget, in a spool file, which the plan and the write pass each stream (and which
 * becomes the next snapshot), so the sources are read once per run and memory stays flat (ADR
 * 0003, ADR 0010).
 *
 * Conflict rule (see `core/dedupe.ts`): the first segment in declaration order wins, then the
 * first row within it; later rows with the same e-mail are counted as duplicates. Segments are
 * read in declaration order and rows in file order, so "first added wins" in the sorter is
 * exactly that rule.
 */
import { batched } from "../core/batched.ts";
import type { Batched } from "../core/batched.ts";
import { AppError } from "../core/errors.ts";
import { decodeFields, encodeFields } from "../core/contact-fields.ts";
import type { MappedContact } from "../core/contact-fields.ts";
import { checkMappings } from "../core/mapping.ts";
import type { FieldMappings, RowError } from "../core/mapping.ts";
import { createRowEncoder } from "../core/row-encoder.ts";
import type { EncodedRow, RecordEncoder } from "../core/row-encoder.ts";
import { toImportItem } from "../ctct/import-chunker.ts";
import { isRecordBatch, segmentBatches } from "../sources/segment-records.ts";
import type { SegmentRow, SegmentSource } from "../sources/segment-source.ts";
import { RecordSorter } from "./record-sorter.ts";
import type { RecordSorterOptions } from "./record-sorter.ts";

/** A unique desired contact as stored in the spool; `fields` is parsed only when sent. */
export interface DesiredRow {
  /** The e-mail key. */
  key: string;
  /** Hash of the mapped fields (`core/row-hash.ts`). */
  hash: string;
  /** The mapped fields other than the e-mail, encoded by {@link encodeFields}; see {@link contactOf}. */
  fields: string;
}

/** Encodes a contact's fields as {@link DesiredRow.fields} holds them (`core/contact-fields.ts`). */
export { encodeFields };

/** The contact of a spooled row. */
export function contactOf(row: Pick<DesiredRow, "key" | "fields">): MappedContact {
  return decodeFields(row.key, row.fields);
}

/** Options of {@link collectDesiredContacts}. */
export interface CollectOptions extends RecordSorterOptions {
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
  /** Streams the unique contacts sorted by key (also batch by batch); may be called again. */
  rows(): Batched<DesiredRow>;
  dispose(): Promise<void>;
}

/** Every how many valid rows the import item size is measured. */
const IMPORT_BYTES_SAMPLE = 16;

/** Most segments an export may name. */
const MAX_SEGMENTS = 9_999;

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
  if (options.segments.length > MAX_SEGMENTS) {
    throw new AppError("VALIDATION_FAILED", `an export may name at most ${MAX_SEGMENTS} segments`);
  }
  const maxKept = options.maxRowErrorsKept ?? 1_000;
  const progressEvery = options.progressEvery ?? 100_000;
  const segments: SegmentRead[] = [];
  const rowErrors: RowError[] = [];
  let rowsRead = 0;
  let invalid = 0;
  let importBytes = 0;
  let sampled = 0;
  let valid = 0;

  const encode = createRowEncoder(options.mappings);
  const encoded: EncodedRow = { key: "", fields: "", hash: "" };
  const sorter = new RecordSorter(options);
  try {
    for (const segment of options.segments) {
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
      let recordColumns: readonly string[] | undefined;
      let recordEncoder: RecordEncoder | undefined;
      for await (const batch of segmentBatches(resolved)) {
        // Records are read by column position, rows by name; the checks are the same.
        let encodeRecord: RecordEncoder | undefined;
        let records: ReadonlyArray<readonly string[]> | undefined;
        let rows: readonly SegmentRow[] = [];
        if (isRecordBatch(batch)) {
          records = batch.records;
          // The batches of one file share their columns: one encoder for all of them.
          if (batch.columns !== recordColumns) {
            recordColumns = batch.columns;
            recordEncoder = encode.forColumns(batch.columns);
          }
          encodeRecord = recordEncoder;
          if (records.length > 0 && batch.columns.includes(options.mappings.email)) {
            sawEmailColumn = true;
          }
        } else {
          rows = batch;
        }
        const count = records?.length ?? rows.length;
        for (let i = 0; i < count; i += 1) {
          read.rows += 1;
          rowsRead += 1;
          if (options.onProgress !== undefined && read.rows % progressEvery === 0) {
            options.onProgress({ segment, rowsRead: read.rows });
          }
          let error: RowError | undefined;
          if (encodeRecord !== undefined) {
            error = encodeRecord(records?.[i] as readonly string[], segment, read.rows, encoded);
          } else {
            const row = rows[i] as SegmentRow;
            if (!sawEmailColumn && row[options.mappings.email] !== undefined) sawEmailColumn = true;
            error = encode.row(row, segment, read.rows, encoded);
          }
          if (error !== undefined) {
            read.invalid += 1;
            invalid += 1;
            if (rowErrors.length < maxKept) rowErrors.push(error);
            options.onRowError?.(error);
            continue;
          }
          valid += 1;
          // The mean item size only sizes the request estimate: one row in 16 measures it well
          // enough, at a sixteenth of the cost of a second serialisation per row.
          if (valid % IMPORT_BYTES_SAMPLE === 1) {
            importBytes += Buffer.byteLength(JSON.stringify(toImportItem(contactOf(encoded))));
            sampled += 1;
          }
          if (sorter.add(encoded.key, encoded.hash, encoded.fields)) {
            await sorter.spill();
          }
        }
      }
      if (read.rows > 0 && !sawEmailColumn) {
        throw new AppError(
          "SOURCE_MALFORMED",
          `segment '${segment}' (${resolved.location}) has no column '${options.mappings.email}', which mappings.email names; fix the mapping or the source`,
          { details: { segment, column: options.mappings.email } },
        );
      }
    }
  } catch (error) {
    await sorter.abandon();
    throw error;
  }
  const sorted = await sorter.finish();
  const dispose = (): Promise<void> => sorted.dispose();
  return {
    segments,
    counts: { rows: rowsRead, invalid, duplicates: sorted.duplicates, profiles: sorted.unique },
    rowErrors,
    averageImportItemBytes: sampled === 0 ? 0 : importBytes / sampled,
    rows: () => batched(() => rowBatchesOf(sorted.lines())),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/** Desired rows of sorted `key\thash\tfields` lines, batch by batch. */
async function* rowBatchesOf(lines: AsyncIterable<string[]>): AsyncGenerator<DesiredRow[]> {
  for await (const batch of lines) {
    const rows = new Array<DesiredRow>(batch.length);
    for (let i = 0; i < batch.length; i += 1) {
      const line = batch[i] as string;
      const first = line.indexOf("\t");
      const second = line.indexOf("\t", first + 1);
      rows[i] = {
        key: line.slice(0, first),
        hash: line.slice(first + 1, second),
        fields: line.slice(second + 1),
      };
    }
    yield rows;
  }
}
