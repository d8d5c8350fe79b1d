/**
 * The writing stage of a run: imports of adds and updates at the largest size the limits allow,
 * then removals of membership (`mirror` only; never of the contact, CONTRACT §2.6), all through
 * one window of activities. Every chunk is checkpointed when Constant Contact accepts it and when
 * it completes, so a resumed run skips confirmed chunks, waits for accepted ones, and sends again
 * only the one POST in flight at a crash (ADR 0005).
 */
import type { DiffChange, Membership, SnapshotEntry } from "../core/diff.ts";
import { batchesOf } from "../core/batched.ts";
import { diffSorted } from "../core/diff.ts";
import { RunStopped } from "../runs/reconcile-run.ts";
import { checkpointKey, sendChunks } from "./activity-window.ts";
import type { ConfirmedChunk } from "./activity-window.ts";
import type { DesiredContacts, DesiredRow } from "./desired-contacts.ts";
import { withContactIds } from "./imported-contact-ids.ts";
import { resolveLeaverIds } from "./leaver-contact-ids.ts";
import { previousEntries } from "./plan-export-run.ts";
import type { PreviousSnapshot } from "./plan-export-run.ts";
import type { RunPlan } from "./plan-stage.ts";
import { rejectedRows } from "./rejected-rows.ts";
import type { RejectedSample } from "./rejected-rows.ts";
import { MAX_SAMPLES, type RunState } from "./run-state.ts";
import { importChunks, removalChunks } from "./write-chunks.ts";
import type { Leaver, WriteChunk } from "./write-chunks.ts";

/** Rejected keys remembered per chunk so the next run retries them. */
const MAX_REJECTED_KEYS_PER_CHUNK = 10_000;

export interface WriteInput {
  desired: DesiredContacts;
  planned: RunPlan;
  listId: string;
  membership: Membership;
  isSuppressed: (key: string) => boolean;
  /** Called once every chunk was sent, while the last activities are processed. */
  onAllSent: () => void;
}

/** What the write stage learnt for the stages after it. */
export interface Written {
  /** The service's time of the first import: contacts it touched are updated after it. */
  firstImportAt: string | undefined;
  /** True when an earlier attempt of the run had sent chunks already. */
  resumedChunks: boolean;
}

/**
 * Sends every chunk and waits for its activity.
 * @throws RunStopped when the run's signal aborted; the chunks in flight completed first.
 */
export async function writeChanges(state: RunState, input: WriteInput): Promise<Written> {
  const { plan, previous, kept } = input.planned;
  const { desired, listId, membership, isSuppressed } = input;
  const checkpoints = await state.deps.store.runs.checkpoints(state.run.id);
  const previousChunks = new Map(
    checkpoints.map((checkpoint) => [
      checkpointKey(checkpoint.phase, checkpoint.chunkIndex),
      checkpoint,
    ]),
  );
  state.progress.update({
    chunksTotal: plan.estimate.imports + plan.estimate.removals,
    chunksSent: checkpoints.length,
  });
  Object.assign(state.counts, { added: 0, updated: 0, removed: 0, rejected: 0 });

  // A diff again (more changes than the plan kept) needs no contact ids: the leavers take theirs
  // from beside the snapshot, one read of the ids for them alone (`leaversOf`).
  const changes = (): AsyncIterable<DiffChange<DesiredRow>> =>
    kept === undefined
      ? diffSorted(desired.rows(), previousEntries({ ...previous, idsId: undefined }), {
          membership,
          isSuppressed,
        })
      : iterate(kept);

  // Leavers (`mirror` only) are found while the imports are sent and processed: their contact
  // ids may need one read of the list, which takes a while on a large list.
  state.phase("writing");
  const findLeavers =
    membership === "mirror" && plan.counts.removals > 0
      ? leaversOf(state, changes(), previous, listId)
      : Promise.resolve<Leaver[]>([]);
  findLeavers.catch(() => undefined);
  const imports = plan.counts.adds + plan.counts.updates;
  async function* writeChunks(): AsyncGenerator<WriteChunk> {
    if (imports > 0) yield* importChunks(changes(), [listId]);
    yield* removalChunks(await state.waiting(findLeavers), [listId]);
  }
  let firstImportAt: string | undefined;
  const sent = await sendChunks({
    client: state.client,
    chunks: writeChunks(),
    previous: previousChunks,
    maxInFlight: state.deps.maxActivitiesInFlight,
    maxPollDelayMs: state.deps.maxPollDelayMs,
    onSent: async (chunk, activityId, createdAt) => {
      if (chunk.phase === "import" && chunk.index === 0) firstImportAt = createdAt;
      await state.deps.store.runs.recordChunkSent(state.run.id, {
        phase: chunk.phase,
        chunkIndex: chunk.index,
        chunkHash: chunk.hash,
        itemCount: chunk.itemCount,
        activityId,
      });
      state.progress.update({ chunksSent: state.progress.progress.chunksSent + 1 });
    },
    onConfirmed: (confirmed, resumedChunk) =>
      confirmed.chunk.phase === "import"
        ? onImportConfirmed(state, confirmed, resumedChunk)
        : onRemovalConfirmed(state, confirmed, resumedChunk),
    onAllSent: input.onAllSent,
    shouldStop: () => Promise.resolve(state.signal.aborted),
    waiting: (work) => state.waiting(work),
  });
  if (!sent.finished) {
    state.logger.info("run stopped after the chunks in flight completed");
    throw new RunStopped(state.samplesForOutcome());
  }
  return { firstImportAt, resumedChunks: previousChunks.size > 0 };
}

/**
 * The leavers of the diff with their contact ids: from the snapshot, from the ids stored beside
 * it, else from one read of the list.
 */
async function leaversOf(
  state: RunState,
  changes: AsyncIterable<DiffChange<DesiredRow>>,
  previous: PreviousSnapshot,
  listId: string,
): Promise<Leaver[]> {
  let leaving: SnapshotEntry[] = [];
  for await (const change of changes) {
    // A copy: an entry as read is slices of its chunk of snapshot text, and leavers spread over
    // a large snapshot would keep nearly all of it alive (ADR 0010, as for the plan's changes).
    if (change.kind === "remove") leaving.push(structuredClone(change.previous));
  }
  if (previous.idsId !== undefined && leaving.some((entry) => entry.contactId === undefined)) {
    const known: SnapshotEntry[] = [];
    for await (const batch of batchesOf(
      withContactIds(leaving, previous.store.read(previous.idsId)),
    )) {
      // Copies again: an id as read is a slice of its chunk of the ids file's text.
      known.push(...structuredClone(batch));
    }
    leaving = known;
  }
  const resolved = await resolveLeaverIds(state.client, listId, leaving);
  // Already off the list (by hand, or by an earlier attempt of this run): nothing to send.
  state.count("removed", resolved.notOnList);
  return resolved.leavers;
}

async function onRemovalConfirmed(
  state: RunState,
  confirmed: ConfirmedChunk,
  resumedChunk: boolean,
): Promise<void> {
  state.count("removed", confirmed.chunk.itemCount);
  state.progress.update({ activitiesDone: state.progress.progress.activitiesDone + 1 });
  if (!resumedChunk) {
    await state.deps.store.runs.recordChunkConfirmed(state.run.id, {
      phase: "remove",
      chunkIndex: confirmed.chunk.index,
      result: { status: confirmed.status },
    });
  }
}

async function onImportConfirmed(
  state: RunState,
  confirmed: ConfirmedChunk,
  resumedChunk: boolean,
): Promise<void> {
  let rejectedKeys: string[];
  let samples: RejectedSample[];
  let status: Record<string, number>;
  let rejectedAdds: number;
  if (resumedChunk) {
    const stored = confirmed.stored ?? {};
    status = (stored["status"] ?? {}) as Record<string, number>;
    rejectedKeys = (stored["rejectedKeys"] ?? []) as string[];
    samples = (stored["samples"] ?? []) as RejectedSample[];
    rejectedAdds = Number(stored["rejectedAdds"] ?? 0);
  } else {
    status = confirmed.status;
    const rows = rejectedRows(confirmed.chunk, confirmed.activityErrors);
    rejectedKeys = rows.keys.slice(0, MAX_REJECTED_KEYS_PER_CHUNK);
    samples = rows.samples.slice(0, MAX_SAMPLES);
    rejectedAdds = rows.rejectedAdds;
    await state.deps.store.runs.recordChunkConfirmed(state.run.id, {
      phase: "import",
      chunkIndex: confirmed.chunk.index,
      result: { status, rejectedKeys, samples, rejectedAdds },
    });
  }
  for (const key of rejectedKeys) state.rejectedKeys.add(key);
  for (const sample of samples) {
    if (state.samples.length < MAX_SAMPLES) state.samples.push(sample);
  }
  const rejected = (status["error_count"] ?? 0) + (status["correctable_count"] ?? 0);
  // CONTRACT §2.3: a contact that unsubscribed since the opt-outs were read is not added.
  const cannotAdd = status["cannot_add_to_list_count"] ?? 0;
  const addsKept = Math.max(0, confirmed.chunk.adds - rejectedAdds - cannotAdd);
  state.count("added", addsKept);
  state.count("updated", Math.max(0, confirmed.chunk.itemCount - rejected - cannotAdd - addsKept));
  state.count("rejected", rejected);
  state.count("suppressed", cannotAdd);
  state.progress.update({ activitiesDone: state.progress.progress.activitiesDone + 1 });
}

async function* iterate<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
