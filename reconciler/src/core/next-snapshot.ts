/**
 * What the next snapshot holds after a completed run, derived from the run's diff: every contact
 * that is on the list because of this export, with the field hash last sent and the contact id
 * when known.
 *
 * - `add`, `update`, `unchanged` → the desired key and hash (contact id kept from the previous
 *   snapshot, or supplied by `contactIdOf` when the run learnt it);
 * - `retain` (add-only leavers) → kept as they were: they are still on the list;
 * - `remove` → dropped; `suppressed` → dropped (never sent, so not synced; when the contact opts
 *   in again, the next run adds it).
 */
import { batched, batchesOf } from "./batched.ts";
import type { Batched } from "./batched.ts";
import type { DiffChange, SnapshotEntry } from "./diff.ts";

/** Options of {@link nextSnapshotEntries}. */
export interface NextSnapshotOptions {
  /** The contact id a run learnt for a key (e.g. from reading the list back). @default none */
  contactIdOf?: ((key: string) => string | undefined) | undefined;
  /**
   * False for a key whose add or update the service did not confirm: it is then recorded as it
   * was before (or left out when it was not there), so the next run tries again. @default all confirmed
   */
  isConfirmed?: ((key: string) => boolean) | undefined;
}

/** Maps a diff, in key order, to the entries of the next snapshot, in key order (in batches). */
export function nextSnapshotEntries<D extends { key: string; hash: string }>(
  changes: AsyncIterable<DiffChange<D>>,
  options: NextSnapshotOptions = {},
): Batched<SnapshotEntry> {
  return batched(() => nextEntryBatches(changes, options));
}

async function* nextEntryBatches<D extends { key: string; hash: string }>(
  changes: AsyncIterable<DiffChange<D>>,
  options: NextSnapshotOptions,
): AsyncGenerator<SnapshotEntry[]> {
  const confirmed = options.isConfirmed ?? ((): boolean => true);
  for await (const batch of batchesOf(changes)) {
    const entries: SnapshotEntry[] = [];
    for (const change of batch) {
      switch (change.kind) {
        case "add":
        case "update":
        case "unchanged": {
          const key = change.desired.key;
          const previous = change.kind === "add" ? undefined : change.previous;
          if (change.kind !== "unchanged" && !confirmed(key)) {
            if (previous !== undefined) entries.push(previous);
            break;
          }
          const contactId = options.contactIdOf?.(key) ?? previous?.contactId;
          entries.push(
            contactId === undefined
              ? { key, hash: change.desired.hash }
              : { key, hash: change.desired.hash, contactId },
          );
          break;
        }
        case "retain":
          entries.push(change.previous);
          break;
        case "remove":
        case "suppressed":
          break;
      }
    }
    if (entries.length > 0) yield entries;
  }
}
