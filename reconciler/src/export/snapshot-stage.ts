/**
 * The snapshot a run ends with (DESIGN §4.2): what is on the list because of this export, written
 * as a sorted file and made current in the transaction that ends the run. Rows Constant Contact
 * rejected are left out (or kept as they were) so the next run tries them again; with `mirror`,
 * the ids of the contacts imported are written beside it, so later removals need no read of the
 * list.
 */
import type { Membership } from "../core/diff.ts";
import type { ExportPlan } from "../core/plan.ts";
import { contactIdEntries, fetchImportedContactIds } from "./imported-contact-ids.ts";
import type { DesiredContacts } from "./desired-contacts.ts";
import type { PreviousSnapshot } from "./plan-export-run.ts";
import { recordNextSnapshot } from "./record-snapshot.ts";
import type { RunState } from "./run-state.ts";

/** The snapshot a run ends with; `written` is false when it is the previous one, unchanged. */
export interface SnapshotWritten {
  id: string;
  /** The contact ids learnt after it was written, stored beside it ({@link withImportedIds}). */
  idsId: string | null;
  entries: number;
  bytes: number;
  written: boolean;
}

/** What the next snapshot follows from. */
export interface SnapshotInput {
  desired: DesiredContacts;
  previous: PreviousSnapshot;
  previousBytes: number | undefined;
  plan: ExportPlan;
  membership: Membership;
  isSuppressed: (key: string) => boolean;
}

/**
 * Writes the snapshot that follows this run; when nothing changed it is the previous one.
 * Rows rejected so far are left out (or kept as they were) so the next run tries them again.
 */
export async function writeNextSnapshot(
  state: RunState,
  input: SnapshotInput,
): Promise<SnapshotWritten> {
  const counts = input.plan.counts;
  const previous = input.previous;
  if (
    previous.ref !== undefined &&
    counts.adds + counts.updates + counts.removals + counts.suppressed === 0
  ) {
    return {
      id: previous.ref.id,
      idsId: previous.idsId ?? null,
      entries: previous.ref.entries,
      bytes: input.previousBytes ?? 0,
      written: false,
    };
  }
  const rejected = new Set(state.rejectedKeys);
  const ref = await recordNextSnapshot(input.desired, previous, {
    exportName: state.export.name,
    membership: input.membership,
    isSuppressed: input.isSuppressed,
    store: state.deps.snapshots,
    isConfirmed: (key) => !rejected.has(key),
  });
  return { id: ref.id, idsId: null, entries: ref.entries, bytes: ref.bytes, written: true };
}

/**
 * Learns the ids of the contacts the run imported and writes them beside the snapshot just
 * written, which stays as it is: the next run's snapshot, written while that run waits on its
 * activities, carries them. Rewriting this one with the ids took a read and a write of every
 * entry after the last activity completed (ADR 0010).
 */
export async function withImportedIds(
  state: RunState,
  written: SnapshotWritten,
  options: { listId: string; imported: number; added: number; since: string | undefined },
): Promise<SnapshotWritten> {
  const ids = await fetchImportedContactIds(state.client, {
    ...options,
    tempDirectory: state.deps.tempDirectory,
    waiting: (work) => state.waiting(work),
  });
  try {
    const ref = await state.deps.snapshots.write(state.export.name, contactIdEntries(ids.lines()));
    return { ...written, idsId: ref.id };
  } finally {
    await ids.dispose();
  }
}

/**
 * Deletes an export's snapshots other than `keep` — the current one and the one the run ends
 * with (a plan or a run that started earlier may still read the current one): failed, cancelled
 * and superseded runs leave theirs behind. Best effort: a failure is logged, the run stands.
 */
export async function pruneSnapshots(
  state: RunState,
  keep: ReadonlyArray<string | null | undefined>,
): Promise<void> {
  try {
    for (const id of await state.deps.snapshots.list(state.export.name)) {
      if (!keep.includes(id)) await state.deps.snapshots.delete(id);
    }
  } catch (error) {
    state.logger.warn(
      { message: error instanceof Error ? error.message : String(error) },
      "old snapshots could not be deleted; they are deleted after the next run",
    );
  }
}
