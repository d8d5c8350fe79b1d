/**
 * The last step of a run: write the next snapshot of an export from the desired contacts and the
 * previous snapshot (the same diff the run wrote from, replayed in one streaming pass). The
 * returned ref is what the reconciler's database then points to, in the transaction that
 * completes the run.
 */
import { diffSorted } from "../core/diff.ts";
import type { Membership } from "../core/diff.ts";
import { nextSnapshotEntries } from "../core/next-snapshot.ts";
import type { NextSnapshotOptions } from "../core/next-snapshot.ts";
import type { SnapshotRef, SnapshotStore } from "../snapshots/snapshot-store.ts";
import type { DesiredContacts } from "./desired-contacts.ts";
import { previousEntries } from "./plan-export-run.ts";
import type { PreviousSnapshot } from "./plan-export-run.ts";

/** Options of {@link recordNextSnapshot}. */
export interface RecordSnapshotOptions extends NextSnapshotOptions {
  exportName: string;
  membership: Membership;
  isSuppressed?: ((key: string) => boolean) | undefined;
  /** Where to write; usually the store the previous snapshot is in. */
  store: SnapshotStore;
}

/** Writes the snapshot that follows a completed run. */
export async function recordNextSnapshot(
  desired: DesiredContacts,
  previous: PreviousSnapshot,
  options: RecordSnapshotOptions,
): Promise<SnapshotRef> {
  const changes = diffSorted(desired.rows(), previousEntries(previous), {
    membership: options.membership,
    isSuppressed: options.isSuppressed,
  });
  return options.store.write(options.exportName, nextSnapshotEntries(changes, options));
}
