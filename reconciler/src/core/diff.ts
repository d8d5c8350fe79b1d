/**
 * The streaming diff of an export: the desired contacts (sorted, de-duplicated) merged against
 * the snapshot of what the last completed run synced (sorted). One pass, one item of each side
 * in memory, so memory stays flat however large the segments grow.
 *
 * - key only desired → `add` (or `suppressed` when the contact unsubscribed);
 * - key on both sides, field hash differs → `update` (or `suppressed`);
 * - key on both sides, same hash → `unchanged` (or `suppressed`); an entry hashed with the
 *   SHA-256 scheme of older snapshots is compared by that scheme when the desired item carries
 *   its stored `fields` text (`legacy-fields-hash.ts`), so an upgrade updates nobody;
 * - key only in the snapshot → `remove` with `membership: "mirror"`, `retain` with `"add-only"`.
 */
import { batched, BatchCursor, batchesOf } from "./batched.ts";
import type { Batched } from "./batched.ts";
import { AppError } from "./errors.ts";
import { sameFieldsHash } from "./legacy-fields-hash.ts";

/** One line of a snapshot: what a run synced for one contact. */
export interface SnapshotEntry {
  /** The e-mail key (trimmed, lower-cased). */
  key: string;
  /** Hash of the mapped fields as last sent. */
  hash: string;
  /** The Constant Contact contact id, when known. */
  contactId?: string | undefined;
}

/** `mirror`: the list holds exactly the segments' contacts; `add-only`: never remove. */
export type Membership = "mirror" | "add-only";

/** One classified key. `D` is the desired item type (it carries the fields to send). */
export type DiffChange<D extends { key: string; hash: string }> =
  | { kind: "add"; desired: D }
  | { kind: "update"; desired: D; previous: SnapshotEntry }
  | { kind: "unchanged"; desired: D; previous: SnapshotEntry }
  | { kind: "suppressed"; desired: D; previous?: SnapshotEntry | undefined }
  | { kind: "remove"; previous: SnapshotEntry }
  | { kind: "retain"; previous: SnapshotEntry };

export type DiffKind = DiffChange<{ key: string; hash: string }>["kind"];

/** Options of {@link diffSorted}. */
export interface DiffOptions {
  membership: Membership;
  /**
   * True for keys known to be unsubscribed in Constant Contact (CONTRACT §2.5): such contacts are
   * never added or updated, whatever the segments say. @default none
   */
  isSuppressed?: ((key: string) => boolean) | undefined;
}

/**
 * Classifies every key of `desired` ∪ `previous`, in key order. Both inputs must be strictly
 * sorted by key (code-unit order); otherwise it fails with `UNSORTED_INPUT` rather than produce a
 * wrong diff. Inputs that are {@link Batched} are read a batch at a time, and the changes come
 * in batches too: a million keys cost a few thousand awaits rather than several per key.
 */
export function diffSorted<D extends { key: string; hash: string }>(
  desired: AsyncIterable<D>,
  previous: AsyncIterable<SnapshotEntry>,
  options: DiffOptions,
): Batched<DiffChange<D>> {
  return batched(() => diffBatches(desired, previous, options));
}

/** Changes handed over per batch, about. */
const CHANGES_PER_BATCH = 256;

async function* diffBatches<D extends { key: string; hash: string }>(
  desired: AsyncIterable<D>,
  previous: AsyncIterable<SnapshotEntry>,
  options: DiffOptions,
): AsyncGenerator<Array<DiffChange<D>>> {
  const isSuppressed = options.isSuppressed ?? ((): boolean => false);
  const mirror = options.membership === "mirror";
  const left = new BatchCursor(desired);
  const right = new BatchCursor(previous);
  // Keys last taken from each side: each item is checked against the one before it when taken.
  let leftKey: string | undefined;
  let rightKey: string | undefined;
  const takeLeft = (item: D): void => {
    if (leftKey !== undefined && !(leftKey < item.key))
      throw unsorted("the desired contact stream");
    leftKey = item.key;
    left.advance();
  };
  const takeRight = (entry: SnapshotEntry): void => {
    if (rightKey !== undefined && !(rightKey < entry.key)) throw unsorted("the previous snapshot");
    rightKey = entry.key;
    right.advance();
  };
  let out: Array<DiffChange<D>> = [];
  try {
    for (;;) {
      if (left.needsFill) await left.fill();
      if (right.needsFill) await right.fill();
      const a = left.peek();
      const b = right.peek();
      if (a === undefined && b === undefined) break;
      if (b === undefined || (a !== undefined && a.key < b.key)) {
        const item = a as D;
        takeLeft(item);
        out.push(
          isSuppressed(item.key)
            ? { kind: "suppressed", desired: item }
            : { kind: "add", desired: item },
        );
      } else if (a === undefined || b.key < a.key) {
        takeRight(b);
        out.push(mirror ? { kind: "remove", previous: b } : { kind: "retain", previous: b });
      } else {
        takeLeft(a);
        takeRight(b);
        if (isSuppressed(a.key)) out.push({ kind: "suppressed", desired: a, previous: b });
        else if (sameFieldsHash(a, b.hash))
          out.push({ kind: "unchanged", desired: a, previous: b });
        else out.push({ kind: "update", desired: a, previous: b });
      }
      if (out.length >= CHANGES_PER_BATCH) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    await left.close();
    await right.close();
  }
}

function unsorted(what: string): AppError {
  return new AppError(
    "UNSORTED_INPUT",
    `${what} is not strictly sorted by e-mail; it must be sorted and free of repeats`,
  );
}

/** Counts of a diff by kind. */
export type DiffCounts = Record<DiffKind, number>;

/** Zeroed {@link DiffCounts}. */
export function emptyDiffCounts(): DiffCounts {
  return { add: 0, update: 0, unchanged: 0, suppressed: 0, remove: 0, retain: 0 };
}

/**
 * Passes `changes` through while counting them into `counts`: lets one pass both plan and feed
 * a spool. Counted a batch at a time.
 */
export function countChanges<D extends { key: string; hash: string }>(
  changes: AsyncIterable<DiffChange<D>>,
  counts: DiffCounts,
): Batched<DiffChange<D>> {
  return batched(async function* () {
    for await (const batch of batchesOf(changes)) {
      for (const change of batch) counts[change.kind] += 1;
      yield batch;
    }
  });
}
