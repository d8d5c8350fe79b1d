/**
 * The one interface every segment source implements: find a segment's current data and report
 * its version (for change detection) without reading it, then stream its rows.
 */

/** One row of a segment: column name to text. Missing and null values are left out. */
export type SegmentRow = Record<string, string>;

/** A segment's current data, found but not yet read. */
export interface ResolvedSegment {
  segment: string;
  /**
   * Changes whenever the segment's data changes (a hash of file names, sizes and times, of blob
   * names and ETags, or of the query result). Opaque; compare for equality only.
   */
  version: string;
  /** Where the rows come from, for logs and errors (file names, blob folder; never secrets). */
  location: string;
  /** Streams the rows of exactly this version; may be called more than once. */
  rows(): AsyncIterable<SegmentRow>;
  /**
   * The same rows in batches, where the source reads them that way: a million rows then cost a
   * few hundred awaits instead of a million (ADR 0010).
   */
  rowBatches?(): AsyncIterable<SegmentRow[]>;
}

/** A place segments are read from. */
export interface SegmentSource {
  readonly kind: "files" | "azure-blob" | "postgres";
  /**
   * Finds a segment's current data.
   * @throws AppError `SOURCE_NOT_FOUND` when the segment does not exist, `SOURCE_UNAVAILABLE`
   * (retryable) when the source cannot be reached.
   */
  resolve(segment: string): Promise<ResolvedSegment>;
  /** Releases connections. */
  close(): Promise<void>;
}
