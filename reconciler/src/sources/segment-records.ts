/**
 * Rows as records, for sources that read them that way (CSV files): each row's values by column
 * position with the column names once per batch, so that a million rows need no object each and
 * the pipeline reads a field by index rather than by name (ADR 0010). A source offers it beside
 * the rows of `ResolvedSegment`; the same rows either way.
 */
import type { ResolvedSegment, SegmentRow } from "./segment-source.ts";

/** Rows of one header: `records[i][j]` is the value of column `columns[j]` in row `i`. */
export interface RecordBatch {
  columns: readonly string[];
  records: ReadonlyArray<readonly string[]>;
}

/** A batch as a source hands it over: records (CSV) or row objects (JSON Lines). */
export type SegmentBatch = RecordBatch | SegmentRow[];

/** A resolved segment that can also hand over its rows as {@link SegmentBatch}es. */
export interface RecordSegment extends ResolvedSegment {
  /** The rows of `rows()`, in the same order, in batches of records where the format allows. */
  recordBatches(): AsyncIterable<SegmentBatch>;
}

/** The segment's batches, as records where it offers them. */
export function segmentBatches(resolved: ResolvedSegment): AsyncIterable<SegmentBatch> {
  if ("recordBatches" in resolved && typeof resolved.recordBatches === "function") {
    return (resolved as RecordSegment).recordBatches();
  }
  return resolved.rowBatches?.() ?? inBatches(resolved.rows());
}

/** True for a batch of records (else row objects). */
export function isRecordBatch(batch: SegmentBatch): batch is RecordBatch {
  return !Array.isArray(batch);
}

/** The rows of a batch of records. */
export function rowsOfRecords(batch: RecordBatch): SegmentRow[] {
  const { columns } = batch;
  return batch.records.map((record) => {
    const row: SegmentRow = {};
    for (let i = 0; i < columns.length; i += 1) row[columns[i] as string] = record[i] as string;
    return row;
  });
}

/** Rows of a source that hands them over one by one, in batches of up to 1,024. */
async function* inBatches(rows: AsyncIterable<SegmentRow>): AsyncGenerator<SegmentRow[]> {
  let batch: SegmentRow[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length === 1_024) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
