/**
 * De-duplication of an export's segments by e-mail key.
 *
 * **Conflict rule: the first occurrence wins, in segment declaration order, then row order.** An
 * export names its segments in order; when one e-mail appears several times (in several segments
 * or twice in one), the row from the earliest segment in that list — and within it the earliest
 * row — supplies the contact's fields. Every later row with that key is counted as a duplicate
 * and not sent. The rule is deterministic whatever order the rows arrive in, because it works on
 * a stream sorted by (key, segment index, row ordinal), and it needs no memory beyond one row.
 * See docs/adr/0003-snapshots-and-diff.md.
 */
import { AppError } from "./errors.ts";
import type { MappedContact } from "./mapping.ts";

/** Where a row came from: what the conflict rule looks at. */
export interface RowOrigin {
  /** The e-mail key (trimmed, lower-cased). */
  key: string;
  /** Position of the row's segment in the export's `segments` list (0-based). */
  segmentIndex: number;
  /** Position of the row within its segment (1-based). */
  ordinal: number;
}

/** A valid, mapped row with its origin, as it flows through sorting and de-duplication. */
export interface DesiredContact extends RowOrigin {
  /** `hashMappedFields` of `contact`. */
  hash: string;
  contact: MappedContact;
}

/** Counters filled while {@link dedupeSortedContacts} runs. */
export interface DedupeCounts {
  /** Distinct keys passed on. */
  unique: number;
  /** Rows dropped because an earlier row had the same key. */
  duplicates: number;
}

/** Order of (key, segment index, ordinal): the order {@link dedupeSortedContacts} needs. */
export function compareDesired(a: RowOrigin, b: RowOrigin): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.segmentIndex !== b.segmentIndex) return a.segmentIndex - b.segmentIndex;
  return a.ordinal - b.ordinal;
}

/**
 * The conflict rule as a synchronous step, for loops that must not pay an `await` per row: call
 * it with each item of a stream sorted by {@link compareDesired}; it returns true for the first
 * item of each key (keep) and false for later ones (duplicates), and throws `UNSORTED_INPUT` on
 * an out-of-order item.
 */
export function createDeduplicator(
  counts: DedupeCounts = { unique: 0, duplicates: 0 },
): (item: RowOrigin) => boolean {
  let previous: RowOrigin | undefined;
  return (item) => {
    if (previous !== undefined) {
      if (compareDesired(previous, item) >= 0) {
        throw new AppError(
          "UNSORTED_INPUT",
          "de-duplication needs rows sorted by e-mail, segment and row; the input is out of order",
        );
      }
      if (previous.key === item.key) {
        previous = item;
        counts.duplicates += 1;
        return false;
      }
    }
    previous = item;
    counts.unique += 1;
    return true;
  };
}

/**
 * Keeps the first row of each key from a stream sorted by {@link compareDesired}; fails with
 * `UNSORTED_INPUT` when the stream is out of order.
 */
export async function* dedupeSortedContacts<T extends RowOrigin>(
  sorted: AsyncIterable<T>,
  counts: DedupeCounts = { unique: 0, duplicates: 0 },
): AsyncGenerator<T> {
  const keep = createDeduplicator(counts);
  for await (const item of sorted) if (keep(item)) yield item;
}
