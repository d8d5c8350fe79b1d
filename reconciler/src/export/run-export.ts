/**
 * The export pipeline: one attempt of a run, stage by stage (DESIGN §4.2, ADR 0005) — resolve
 * the list → read the segments (map, validate, de-duplicate) while the opt-outs are read → plan
 * against the current snapshot (guards and the profile limit: nothing is written when one fails)
 * → write adds, updates and removals (`write-stage.ts`) → record the next snapshot
 * (`snapshot-stage.ts`) → verify the list (`verify-list.ts`). A run whose definition, list and
 * segment versions did not change since the last one takes the shortcut in
 * `unchanged-shortcut.ts`.
 *
 * It has the {@link ReconcileRun} shape: the run worker claims the run, watches for a cancel and
 * finishes the run with the outcome returned here, or retries, fails or resumes it by what is
 * thrown.
 */
import type { Membership } from "../core/diff.ts";
import { AppError } from "../core/errors.ts";
import { sortedKeyMatcher } from "../core/sorted-key-set.ts";
import type { ReconcileRun } from "../runs/reconcile-run.ts";
import { openSegmentSource } from "../sources/open-source.ts";
import type { RunOutcome } from "../store/run-store.ts";
import { createConnectionClient, requestsSent } from "./connection-client.ts";
import { collectDesiredContacts } from "./desired-contacts.ts";
import type { DesiredContacts } from "./desired-contacts.ts";
import { readOptOuts } from "./opt-out-set.ts";
import { blockedOutcome, planRun } from "./plan-stage.ts";
import { resolveExportList } from "./resolve-list.ts";
import { RunState, type ExportRunDependencies } from "./run-state.ts";
import {
  pruneSnapshots,
  withImportedIds,
  writeNextSnapshot,
  type SnapshotWritten,
} from "./snapshot-stage.ts";
import { segmentVersions, unchangedSinceLastRun } from "./unchanged-shortcut.ts";
import { verifyListMembers } from "./verify-list.ts";
import { writeChanges } from "./write-stage.ts";

/** Rows read between two progress updates. */
const PROGRESS_EVERY_ROWS = 10_000;

/** The export pipeline as the run worker calls it. */
export function createExportReconciler(deps: ExportRunDependencies): ReconcileRun {
  return async (context) => {
    const client = createConnectionClient(
      deps.store,
      deps.secretBox,
      context.connection,
      deps.ctct,
    );
    // A resumed attempt adds its requests to those of the attempts before it.
    const requestsBefore =
      context.run.progress === null ? 0 : (context.run.counts["requests"] ?? 0);
    const state = new RunState(deps, context, client);
    try {
      const outcome = await reconcileExport(state);
      if (outcome.snapshot !== undefined) {
        // Pruned before the run is finished, so whoever sees it finished sees the snapshots it
        // leaves; the current one and the new one are both kept, so a crash here loses nothing.
        const current = await deps.store.runs.currentSnapshot(context.export.id);
        await pruneSnapshots(state, [
          outcome.snapshot.snapshotId,
          outcome.snapshot.idsId,
          current?.snapshotId,
          current?.idsId,
        ]);
      }
      return outcome;
    } finally {
      state.counts["requests"] = requestsBefore + requestsSent(client);
      await client.close();
    }
  };
}

async function reconcileExport(state: RunState): Promise<RunOutcome> {
  const { deps } = state;
  const definition = state.export.definition;
  // What this attempt executes: the stored definition now, for the next run's shortcut.
  state.progress.update({ definitionHash: state.export.definitionHash });
  // A list the export may create is created only once the guards passed: a blocked run
  // writes nothing at all.
  state.phase("resolving-list");
  const list = await state.waiting(
    resolveExportList(state.client, definition, { mayCreate: false }),
  );
  state.throwIfStopped();

  state.phase("reading-segments");
  const source = await openSegmentSource(
    { store: deps.store, secretBox: deps.secretBox, environment: deps.sources },
    definition.source,
  );
  let desired: DesiredContacts;
  let unsubscribedRead: Promise<Set<string>>;
  try {
    const versions = await segmentVersions(source, definition.segments);
    state.progress.update({ sourceVersions: versions });
    const unchanged = await unchangedSinceLastRun(state, list, versions);
    if (unchanged !== undefined) return unchanged;
    // The opt-outs are read while the segments are (CONTRACT §2.5: unsubscribed contacts are
    // never added or updated).
    unsubscribedRead = readOptOuts(state.client, {
      snapshots: deps.snapshots,
      connectionId: state.export.attachedConnectionId ?? state.export.id,
    }).then((optOuts) => {
      state.counts["optOutRequests"] = optOuts.requests;
      return optOuts.emails;
    });
    unsubscribedRead.catch(() => undefined);
    desired = await collectDesiredContacts({
      source,
      segments: definition.segments,
      mappings: definition.mappings,
      tempDirectory: deps.tempDirectory,
      progressEvery: PROGRESS_EVERY_ROWS,
      onProgress: () => {
        state.progress.update({ rowsRead: state.progress.progress.rowsRead + PROGRESS_EVERY_ROWS });
      },
    });
  } finally {
    await source.close();
  }
  try {
    state.phase("reading-opt-outs");
    const unsubscribed = await state.waiting(unsubscribedRead);
    state.throwIfStopped();
    return await syncDesired(
      state,
      desired,
      list?.listId,
      definition.membership,
      sortedKeyMatcher(unsubscribed),
    );
  } finally {
    await desired.dispose();
  }
}

/** Plans, writes, records the next snapshot and verifies the list. */
async function syncDesired(
  state: RunState,
  desired: DesiredContacts,
  existingListId: string | undefined,
  membership: Membership,
  isSuppressed: (key: string) => boolean,
): Promise<RunOutcome> {
  const counts = state.counts;
  counts["read"] = desired.counts.rows;
  counts["invalid"] = desired.counts.invalid;
  counts["duplicate"] = desired.counts.duplicates;
  counts["profiles"] = desired.counts.profiles;
  state.progress.update({ rowsRead: desired.counts.rows });
  state.throwIfStopped();

  const planned = await planRun(state, desired, existingListId, membership, isSuppressed);
  const { plan } = planned;
  const blocked = blockedOutcome(plan, counts);
  if (blocked !== undefined) return blocked;
  const listId = existingListId ?? (await createList(state));

  // The next snapshot is written while the last activities are processed; should one of them
  // reject rows, it is written again without them.
  let snapshotWrite: Promise<SnapshotWritten> | undefined;
  let rejectedWhenWritten = 0;
  const writeSnapshot = (): Promise<SnapshotWritten> => {
    rejectedWhenWritten = state.rejectedKeys.size;
    return writeNextSnapshot(state, {
      desired,
      previous: planned.previous,
      previousBytes: planned.current?.bytes,
      plan,
      membership,
      isSuppressed,
    });
  };
  const written = await writeChanges(state, {
    desired,
    planned,
    listId,
    membership,
    isSuppressed,
    onAllSent: () => {
      snapshotWrite = writeSnapshot();
      snapshotWrite.catch(() => undefined);
    },
  });

  state.phase("recording-snapshot");
  let next = await (snapshotWrite ?? writeSnapshot());
  if (state.rejectedKeys.size > rejectedWhenWritten) {
    if (next.written) await state.deps.snapshots.delete(next.id);
    next = await writeSnapshot();
  }
  // With `mirror`, the ids of the contacts a run added are learnt once the imports completed and
  // stored beside the snapshot, so that later removals need no read of the list. Updated
  // contacts keep the ids the previous snapshot holds: a run that only updates reads no ids.
  const imports = plan.counts.adds + plan.counts.updates;
  if (membership === "mirror" && plan.counts.adds > 0 && next.written) {
    // The desired contacts are no longer needed: free them before the ids are held.
    await desired.dispose();
    next = await withImportedIds(state, next, {
      listId,
      imported: imports,
      added: counts["added"] ?? 0,
      // A resumed run may have sent its first imports in an earlier attempt.
      since: written.resumedChunks ? undefined : written.firstImportAt,
    });
  }

  await verifyListMembers(state, listId, next.entries);
  return {
    status: "succeeded",
    counts,
    error: null,
    rejectedSamples: state.samplesForOutcome(),
    snapshot: {
      exportId: state.export.id,
      snapshotId: next.id,
      idsId: next.idsId,
      entries: next.entries,
      bytes: next.bytes,
      runId: state.run.id,
      listId,
    },
  };
}

/**
 * Creates the export's list (`list: { name, create: true }`), which the run found missing when
 * it started. Should another writer create it meanwhile (409), that list is adopted.
 */
async function createList(state: RunState): Promise<string> {
  const wanted = state.export.definition.list;
  if (wanted === undefined) throw new Error("only an export that names its list creates it");
  try {
    const created = await state.waiting(state.client.createList({ name: wanted.name }));
    state.logger.info({ listId: created.listId }, "list created");
    return created.listId;
  } catch (error) {
    if (!(error instanceof AppError && error.code === "CTCT_CONFLICT")) throw error;
    const adopted = await state.waiting(
      resolveExportList(state.client, state.export.definition, { mayCreate: false }),
    );
    if (adopted === undefined) throw error;
    return adopted.listId;
  }
}
