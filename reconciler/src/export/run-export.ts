/**
 * One run of an export, start to end (DESIGN §4.2, ADR 0005): resolve the list → read opt-outs →
 * read, map, validate and de-duplicate the segments → diff against the current snapshot → check
 * the guards and the profile limit (nothing is written when one fails) → import adds and updates
 * → remove leavers (`mirror` only; never delete or unsubscribe) → verify the list's membership
 * count → write the next snapshot and make it current in the transaction that ends the run.
 *
 * Every chunk is checkpointed, so a run whose process died resumes where it stopped: chunks
 * confirmed before are skipped, chunks the service accepted are waited for, and only the one
 * POST in flight at the crash can be sent twice. {@link executeRun} is the whole contract: the
 * in-process executor and the scheduler both call it with a run id.
 */
import type { Logger } from "pino";
import { AppError, isRetryable } from "../core/errors.ts";
import { diffSorted } from "../core/diff.ts";
import type { DiffChange, Membership, SnapshotEntry } from "../core/diff.ts";
import { DEFAULT_PROFILE_LIMIT } from "../core/guards.ts";
import type { ExportPlan } from "../core/plan.ts";
import type { CtctClient } from "../ctct/client.ts";
import type { SnapshotStore } from "../snapshots/snapshot-store.ts";
import { openSegmentSource } from "../sources/open-source.ts";
import type { SegmentSource } from "../sources/segment-source.ts";
import type { SourceEnvironment } from "../sources/open-source.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import {
  claimRun,
  finishRun,
  getCurrentSnapshot,
  isCancelRequested,
  listCheckpoints,
  recordChunkConfirmed,
  recordChunkSent,
} from "../store/run-store.ts";
import type { RunOutcome } from "../store/run-store.ts";
import type { ExportRecord, RunRecord, Store } from "../store/store.ts";
import { checkpointKey, sendChunks } from "./activity-window.ts";
import type { ConfirmedChunk } from "./activity-window.ts";
import { createConnectionClient } from "./connection-client.ts";
import type { CtctSettings } from "./connection-client.ts";
import { collectDesiredContacts } from "./desired-contacts.ts";
import type { DesiredContacts, DesiredRow } from "./desired-contacts.ts";
import { resolveLeaverIds } from "./leaver-contact-ids.ts";
import { fetchImportedContactIds, withContactIds } from "./imported-contact-ids.ts";
import { planFromDesired, previousEntries } from "./plan-export-run.ts";
import type { PreviousSnapshot } from "./plan-export-run.ts";
import { recordNextSnapshot } from "./record-snapshot.ts";
import { rejectedRows } from "./rejected-rows.ts";
import type { RejectedSample } from "./rejected-rows.ts";
import { ProgressReporter } from "./run-progress.ts";
import type { RunPhases } from "./run-progress.ts";
import { WaitClock } from "./wait-clock.ts";
import { resolveExportList } from "./resolve-list.ts";
import { readOptOuts } from "./opt-out-set.ts";
import { importChunks, removalChunks } from "./write-chunks.ts";
import type { Leaver, WriteChunk } from "./write-chunks.ts";

/** What a run needs from the process. */
export interface ExportRunDependencies {
  store: Store;
  secretBox: SecretBox;
  ctct: CtctSettings;
  snapshots: SnapshotStore;
  sources: SourceEnvironment;
  logger: Logger;
  /** Parent of the run's temporary files (sort runs, spool). @default os.tmpdir() */
  tempDirectory?: string | undefined;
  /** Most distinct profiles per export. @default 1,000,000 */
  profileLimit?: number | undefined;
  /** Activities in flight per run. @default 30 */
  maxActivitiesInFlight?: number | undefined;
  /** Longest wait between two activity polls, in ms. @default 5_000 */
  maxPollDelayMs?: number | undefined;
  /** How often progress is written, at most, in ms. @default 500 */
  progressIntervalMs?: number | undefined;
  /**
   * When true, a retryable failure (Constant Contact unreachable, a source down) rejects and
   * leaves the run `running` for the caller to retry with backoff (the scheduler's contract);
   * when false it fails the run. @default false
   */
  rethrowRetryable?: boolean | undefined;
}

/** Changes kept in memory from the plan's pass (about 30 MB at most). */
const MAX_KEPT_CHANGES = 100_000;

/** Rejected-row samples kept per run. */
const MAX_SAMPLES = 100;
/** Rejected keys remembered per chunk so the next run retries them. */
const MAX_REJECTED_KEYS_PER_CHUNK = 10_000;

/** The snapshot a run ends with; `written` is false when it is the previous one, unchanged. */
interface SnapshotWritten {
  id: string;
  entries: number;
  bytes: number;
  written: boolean;
}

/** Thrown inside a run when the process is shutting down: the run stays `running` to resume. */
class RunInterrupted extends Error {}

/**
 * Executes one queued run, or resumes one left `running` by a process that died, and returns
 * its final record (still `running` only when `signal` aborted it to be resumed later). A run
 * that already finished is returned as it is.
 * @throws NotFound AppError when the run does not exist.
 */
export async function executeRun(
  deps: ExportRunDependencies,
  runId: string,
  signal: AbortSignal,
): Promise<RunRecord> {
  const claimed = await claimRun(deps.store, runId);
  if (claimed === undefined) {
    const existing = await deps.store.getRun(runId);
    if (existing === undefined) throw new AppError("NOT_FOUND", `run ${runId} does not exist`);
    return existing;
  }
  const logger = deps.logger.child({ runId, export: claimed.exportName });
  const resumed = claimed.progress !== null;
  const reporter = new ProgressReporter(deps.store, runId, {
    intervalMs: deps.progressIntervalMs,
    resumed,
    counts: {},
  });
  const requestsBefore = resumed ? (claimed.counts["requests"] ?? 0) : 0;
  let client: CtctClient | undefined;
  const finish = async (outcome: RunOutcome): Promise<RunRecord> => {
    await reporter.settle();
    if (client !== undefined) outcome.counts["requests"] = requestsBefore + requestsOf(client);
    const before =
      outcome.snapshot === undefined
        ? undefined
        : await getCurrentSnapshot(deps.store, claimed.exportId);
    // Pruned before the run is marked finished, so whoever sees it finished sees the snapshots
    // it leaves; both the current one and the new one are kept, so a crash here loses nothing.
    if (outcome.snapshot !== undefined) {
      await pruneSnapshots(
        deps,
        claimed.exportName,
        [outcome.snapshot.snapshotId, before?.snapshotId],
        logger,
      );
    }
    const record = await finishRun(deps.store, runId, {
      ...outcome,
      progress: { ...reporter.progress, updatedAt: new Date().toISOString() },
    });
    logger.info({ status: outcome.status, counts: outcome.counts }, "run finished");
    return record ?? claimed;
  };
  try {
    if (claimed.cancelRequestedAt !== null) {
      return await finish({ status: "cancelled", counts: claimed.counts });
    }
    logger.info({ resumed }, resumed ? "run resumed" : "run started");
    const record = await deps.store.getExport(claimed.exportName);
    if (record === undefined || record.id !== claimed.exportId) {
      throw new AppError("NOT_FOUND", `export '${claimed.exportName}' no longer exists`);
    }
    if (record.attachedConnectionId === null) {
      throw new AppError(
        "EXPORT_DETACHED",
        `export '${record.name}' is detached and never runs; attach it first`,
      );
    }
    const connection = await deps.store.getConnectionById(record.attachedConnectionId);
    if (connection === undefined) {
      throw new AppError("NOT_FOUND", `the connection of export '${record.name}' is gone`);
    }
    client = createConnectionClient(deps.store, deps.secretBox, connection, deps.ctct);
    const execution = new RunExecution(deps, claimed, record, client, reporter, logger, signal);
    return await finish(await execution.execute());
  } catch (error) {
    if (error instanceof RunInterrupted || signal.aborted) {
      if (await isCancelRequested(deps.store, runId)) {
        return finish({ status: "cancelled", counts: reporter.counts });
      }
      await reporter.flush();
      logger.info("run interrupted by shutdown; it resumes from its checkpoint on the next start");
      return (await deps.store.getRun(runId)) ?? claimed;
    }
    const failure =
      error instanceof AppError
        ? {
            code: error.code,
            message: error.message,
            ...(error.details === undefined ? {} : { details: error.details }),
          }
        : { code: "RUN_FAILED", message: "the run failed unexpectedly; see the reconciler log" };
    if (deps.rethrowRetryable === true && isRetryable(error)) {
      await reporter.flush();
      logger.warn({ code: failure.code }, "run hit a transient failure; it will be retried");
      throw error;
    }
    logger.error({ code: failure.code, err: redactable(error) }, "run failed");
    return finish({ status: "failed", counts: reporter.counts, error: failure });
  } finally {
    await client?.close();
  }
}

/** The steps of one run, sharing its state. */
class RunExecution {
  readonly #deps: ExportRunDependencies;
  readonly #run: RunRecord;
  readonly #export: ExportRecord;
  readonly #client: CtctClient;
  readonly #reporter: ProgressReporter;
  readonly #logger: Logger;
  readonly #signal: AbortSignal;
  readonly #samples: RejectedSample[] = [];
  readonly #rejectedKeys = new Set<string>();
  #lastCancelCheck = 0;
  #cancelled = false;
  #phaseStarted = performance.now();
  readonly #started = performance.now();
  readonly #waits = new WaitClock();
  #waitedAtPhaseStart = 0;
  readonly #own: Omit<RunPhases, "waitingMs" | "ownMs" | "wallMs"> = {
    readingMs: 0,
    planningMs: 0,
    writingMs: 0,
    verifyingMs: 0,
  };

  constructor(
    deps: ExportRunDependencies,
    run: RunRecord,
    record: ExportRecord,
    client: CtctClient,
    reporter: ProgressReporter,
    logger: Logger,
    signal: AbortSignal,
  ) {
    this.#deps = deps;
    this.#run = run;
    this.#export = record;
    this.#client = client;
    this.#reporter = reporter;
    this.#logger = logger;
    this.#signal = signal;
  }

  get #counts(): Record<string, number> {
    return this.#reporter.counts;
  }

  async execute(): Promise<RunOutcome> {
    const definition = this.#export.definition;
    const membership: Membership = definition.membership;
    // A list the export may create is created only once the guards passed: a blocked run
    // writes nothing at all.
    this.#phase("resolving-list");
    const list = await this.#waiting(
      resolveExportList(this.#client, definition, { mayCreate: false }),
    );
    this.#interruptIfShuttingDown();

    this.#phase("reading-segments");
    const source = await openSegmentSource(
      { store: this.#deps.store, secretBox: this.#deps.secretBox, environment: this.#deps.sources },
      definition.source,
    );
    let desired: DesiredContacts;
    let unsubscribedRead: Promise<Set<string>>;
    try {
      // Nothing changed since the last completed run (same definition, list and segment
      // versions, nothing left to retry): the diff is empty, so the rows are not read again.
      const versions = await segmentVersions(source, definition.segments);
      this.#reporter.update({ sourceVersions: versions });
      const unchanged = await this.#unchangedSinceLastRun(list?.listId, versions);
      if (unchanged !== undefined) return unchanged;
      // The opt-outs are read while the segments are (CONTRACT §2.5: unsubscribed contacts are
      // never added or updated).
      unsubscribedRead = readOptOuts(this.#client, {
        snapshots: this.#deps.snapshots,
        connectionId: this.#export.attachedConnectionId ?? this.#export.id,
      }).then((optOuts) => {
        this.#counts["optOutRequests"] = optOuts.requests;
        return optOuts.emails;
      });
      unsubscribedRead.catch(() => undefined);
      desired = await collectDesiredContacts({
        source,
        segments: definition.segments,
        mappings: definition.mappings,
        tempDirectory: this.#deps.tempDirectory,
        progressEvery: 10_000,
        onProgress: () => {
          this.#reporter.update({ rowsRead: this.#reporter.progress.rowsRead + 10_000 });
        },
      });
    } finally {
      await source.close();
    }
    try {
      this.#phase("reading-opt-outs");
      const unsubscribed = await this.#waiting(unsubscribedRead);
      const isSuppressed = (key: string): boolean => unsubscribed.has(key);
      this.#interruptIfShuttingDown();
      return await this.#afterCollect(desired, list?.listId, membership, isSuppressed);
    } finally {
      await desired.dispose();
    }
  }

  async #afterCollect(
    desired: DesiredContacts,
    existingListId: string | undefined,
    membership: Membership,
    isSuppressed: (key: string) => boolean,
  ): Promise<RunOutcome> {
    const counts = this.#counts;
    counts["read"] = desired.counts.rows;
    counts["invalid"] = desired.counts.invalid;
    counts["duplicate"] = desired.counts.duplicates;
    counts["profiles"] = desired.counts.profiles;
    this.#reporter.update({ rowsRead: desired.counts.rows });
    this.#interruptIfShuttingDown();

    this.#phase("planning");
    const current = await getCurrentSnapshot(this.#deps.store, this.#export.id);
    const previous: PreviousSnapshot = {
      store: this.#deps.snapshots,
      ...(current !== undefined && existingListId !== undefined && current.listId === existingListId
        ? {
            ref: {
              id: current.snapshotId,
              exportName: this.#export.name,
              entries: current.entries,
              bytes: current.bytes,
              createdAt: "",
            },
          }
        : {}),
    };
    // Up to MAX_KEPT_CHANGES adds, updates and removals are kept from the plan's pass, so
    // that sending them needs no second diff of every row (a 1 % re-run); more are diffed again.
    let kept: Array<DiffChange<DesiredRow>> | undefined = [];
    const plan = await planFromDesired(
      desired,
      previous,
      {
        membership,
        guards: this.#export.definition.guards,
        profileLimit: this.#deps.profileLimit ?? DEFAULT_PROFILE_LIMIT,
        isSuppressed,
      },
      (change) => {
        if (kept === undefined) return;
        if (change.kind !== "add" && change.kind !== "update" && change.kind !== "remove") return;
        if (kept.length >= MAX_KEPT_CHANGES) kept = undefined;
        else kept.push(change);
      },
    );
    counts["suppressed"] = plan.counts.suppressed;
    counts["unchanged"] = plan.counts.unchanged;
    counts["retained"] = plan.counts.retained;
    counts["plannedAdds"] = plan.counts.adds;
    counts["plannedUpdates"] = plan.counts.updates;
    counts["plannedRemovals"] = plan.counts.removals;
    const blocked = blockedOutcome(plan, counts);
    if (blocked !== undefined) return blocked;
    const listId = existingListId ?? (await this.#createList());

    const checkpoints = await listCheckpoints(this.#deps.store, this.#run.id);
    const previousChunks = new Map(
      checkpoints.map((checkpoint) => [
        checkpointKey(checkpoint.phase, checkpoint.chunkIndex),
        checkpoint,
      ]),
    );
    this.#reporter.update({
      chunksTotal: plan.estimate.imports + plan.estimate.removals,
      chunksSent: checkpoints.length,
    });
    counts["added"] = 0;
    counts["updated"] = 0;
    counts["removed"] = 0;
    counts["rejected"] = 0;

    const keptChanges = kept;
    const changes = (): AsyncIterable<DiffChange<DesiredRow>> =>
      keptChanges === undefined
        ? diffSorted(desired.rows(), previousEntries(previous), { membership, isSuppressed })
        : iterate(keptChanges);

    // Leavers (`mirror` only) are found while the imports are sent and processed: their contact
    // ids may need one read of the list, which takes a while on a large list.
    this.#phase("writing");
    const findLeavers =
      membership === "mirror" && plan.counts.removals > 0
        ? this.#findLeavers(changes(), listId)
        : Promise.resolve<Leaver[]>([]);
    findLeavers.catch(() => undefined);
    const imports = plan.counts.adds + plan.counts.updates;
    // Imports of adds and updates at the largest size the limits allow, then removals of
    // membership (never of the contact, CONTRACT §2.6), all through one window of activities.
    const waiting = <T>(work: Promise<T>): Promise<T> => this.#waiting(work);
    async function* writeChunks(): AsyncGenerator<WriteChunk> {
      if (imports > 0) yield* importChunks(changes(), [listId]);
      yield* removalChunks(await waiting(findLeavers), [listId]);
    }
    // The next snapshot is written while the last activities are processed; should one of
    // them reject rows, it is written again without them.
    // With `mirror`, the ids of the contacts imported are learnt once the imports completed and
    // merged into the next snapshot, so that later removals need no read of the list.
    const learnIds = membership === "mirror" && imports > 0;
    let snapshotWrite: Promise<SnapshotWritten> | undefined;
    let rejectedWhenWritten = 0;
    const writeSnapshot = (): Promise<SnapshotWritten> => {
      rejectedWhenWritten = this.#rejectedKeys.size;
      return this.#recordSnapshot(
        desired,
        previous,
        current?.bytes,
        plan,
        membership,
        isSuppressed,
      );
    };
    // The service's time of the first import: contacts it touched are updated after it.
    let firstImportAt: string | undefined;
    const resumedChunks = previousChunks.size > 0;
    const written = await sendChunks({
      client: this.#client,
      chunks: writeChunks(),
      previous: previousChunks,
      maxInFlight: this.#deps.maxActivitiesInFlight,
      maxPollDelayMs: this.#deps.maxPollDelayMs,
      onSent: (chunk, activityId, createdAt) => {
        if (chunk.phase === "import" && chunk.index === 0) firstImportAt = createdAt;
        return this.#onSent(chunk, activityId);
      },
      onConfirmed: (confirmed, resumedChunk) =>
        confirmed.chunk.phase === "import"
          ? this.#onImportConfirmed(confirmed, resumedChunk)
          : this.#onRemovalConfirmed(confirmed, resumedChunk),
      onAllSent: () => {
        snapshotWrite = writeSnapshot();
        snapshotWrite.catch(() => undefined);
      },
      shouldStop: () => this.#shouldStop(),
      waiting,
    });
    if (!written.finished) return this.#stopped();

    // The next snapshot: what is on the list because of this export. Rejected rows are left
    // out (or kept as they were) so the next run tries them again.
    this.#phase("recording-snapshot");
    let next = await (snapshotWrite ?? writeSnapshot());
    if (this.#rejectedKeys.size > rejectedWhenWritten) {
      if (next.written) await this.#deps.snapshots.delete(next.id);
      next = await writeSnapshot();
    }
    if (learnIds && next.written) {
      // The desired contacts are no longer needed: free them before the ids are held.
      await desired.dispose();
      next = await this.#withImportedIds(next, {
        listId,
        imported: imports,
        // A resumed run may have sent its first imports in an earlier attempt.
        since: resumedChunks ? undefined : firstImportAt,
      });
    }

    this.#phase("verifying");
    const after = await this.#waiting(this.#client.getList(listId));
    this.#recordDrift(after.membershipCount, next.entries);
    this.#phase("done");
    return {
      status: "succeeded",
      counts,
      error: null,
      rejectedSamples: this.#samples.map((sample) => ({ ...sample })),
      snapshot: {
        exportId: this.#export.id,
        snapshotId: next.id,
        entries: next.entries,
        bytes: next.bytes,
        runId: this.#run.id,
        listId,
      },
    };
  }

  /**
   * The outcome of a run with nothing to do, when the last completed run synced this very
   * definition and these segment versions to this list and had no row rejected; else undefined.
   */
  async #unchangedSinceLastRun(
    listId: string | undefined,
    versions: Record<string, string>,
  ): Promise<RunOutcome | undefined> {
    if (listId === undefined) return undefined;
    const current = await getCurrentSnapshot(this.#deps.store, this.#export.id);
    if (current?.runId === null || current === undefined || current.listId !== listId) {
      return undefined;
    }
    const last = await this.#deps.store.getRun(current.runId);
    const lastVersions = last?.progress?.["sourceVersions"];
    if (
      last === undefined ||
      last.status !== "succeeded" ||
      last.definitionHash !== this.#run.definitionHash ||
      (last.counts["rejected"] ?? 0) > 0 ||
      !sameVersions(lastVersions, versions)
    ) {
      return undefined;
    }
    const counts = this.#counts;
    for (const key of ["read", "invalid", "duplicate", "profiles", "suppressed", "retained"]) {
      counts[key] = last.counts[key] ?? 0;
    }
    Object.assign(counts, { added: 0, updated: 0, removed: 0, rejected: 0 });
    counts["unchanged"] = current.entries;
    counts["sourcesUnchanged"] = 1;
    this.#phase("verifying");
    const after = await this.#waiting(this.#client.getList(listId));
    this.#recordDrift(after.membershipCount, current.entries);
    this.#phase("done");
    return {
      status: "succeeded",
      counts,
      error: null,
      rejectedSamples: [],
      snapshot: { exportId: this.#export.id, ...current, runId: this.#run.id },
    };
  }

  /** Records the list's membership count and any difference from what the export synced. */
  #recordDrift(membershipCount: number | undefined, expected: number): void {
    const counts = this.#counts;
    counts["listMembers"] = membershipCount ?? -1;
    counts["expectedMembers"] = expected;
    if (membershipCount !== undefined && membershipCount !== expected) {
      // Drift: members added or removed by hand, or contacts that opted out meanwhile. Reported,
      // not fought (DESIGN §3.5).
      counts["listDrift"] = membershipCount - expected;
      this.#logger.warn(
        { listMembers: membershipCount, expected },
        "the list's membership count differs from what this export synced",
      );
    }
  }

  /** Creates the export's list (`list: { name, create: true }` and no such list yet). */
  async #createList(): Promise<string> {
    const created = await this.#waiting(
      resolveExportList(this.#client, this.#export.definition, { mayCreate: true }),
    );
    if (created === undefined) throw new Error("a list that may be created always resolves");
    this.#logger.info({ listId: created.listId }, "list created");
    return created.listId;
  }

  /** The leavers of the diff with their contact ids. */
  async #findLeavers(
    changes: AsyncIterable<DiffChange<DesiredRow>>,
    listId: string,
  ): Promise<Leaver[]> {
    const leaving: SnapshotEntry[] = [];
    for await (const change of changes) {
      if (change.kind === "remove") leaving.push(change.previous);
    }
    const resolved = await resolveLeaverIds(this.#client, listId, leaving);
    // Already off the list (by hand, or by an earlier attempt of this run): nothing to send.
    this.#counts["removed"] = (this.#counts["removed"] ?? 0) + resolved.notOnList;
    return resolved.leavers;
  }

  /**
   * Writes the snapshot that follows this run; when nothing changed it is the previous one.
   * Rows rejected so far are left out (or kept as they were) so the next run tries them again.
   */
  async #recordSnapshot(
    desired: DesiredContacts,
    previous: PreviousSnapshot,
    previousBytes: number | undefined,
    plan: ExportPlan,
    membership: Membership,
    isSuppressed: (key: string) => boolean,
  ): Promise<SnapshotWritten> {
    const counts = plan.counts;
    if (
      previous.ref !== undefined &&
      counts.adds + counts.updates + counts.removals + counts.suppressed === 0
    ) {
      return {
        id: previous.ref.id,
        entries: previous.ref.entries,
        bytes: previousBytes ?? 0,
        written: false,
      };
    }
    const rejected = new Set(this.#rejectedKeys);
    const ref = await recordNextSnapshot(desired, previous, {
      exportName: this.#export.name,
      membership,
      isSuppressed,
      store: this.#deps.snapshots,
      isConfirmed: (key) => !rejected.has(key),
    });
    return { id: ref.id, entries: ref.entries, bytes: ref.bytes, written: true };
  }

  /** Rewrites a snapshot just written with the ids of the contacts the run imported. */
  async #withImportedIds(
    written: SnapshotWritten,
    options: { listId: string; imported: number; since: string | undefined },
  ): Promise<SnapshotWritten> {
    const ids = await this.#waiting(
      fetchImportedContactIds(this.#client, {
        ...options,
        tempDirectory: this.#deps.tempDirectory,
      }),
    );
    try {
      const snapshots = this.#deps.snapshots;
      const ref = await snapshots.write(
        this.#export.name,
        withContactIds(snapshots.read(written.id), ids.lines()),
      );
      await snapshots.delete(written.id);
      return { id: ref.id, entries: ref.entries, bytes: ref.bytes, written: true };
    } finally {
      await ids.dispose();
    }
  }

  async #onRemovalConfirmed(confirmed: ConfirmedChunk, resumedChunk: boolean): Promise<void> {
    this.#counts["removed"] = (this.#counts["removed"] ?? 0) + confirmed.chunk.itemCount;
    this.#reporter.update({ activitiesDone: this.#reporter.progress.activitiesDone + 1 });
    if (!resumedChunk) {
      await recordChunkConfirmed(this.#deps.store, this.#run.id, {
        phase: "remove",
        chunkIndex: confirmed.chunk.index,
        result: { status: confirmed.status },
      });
    }
  }

  async #onSent(chunk: WriteChunk, activityId: string): Promise<void> {
    await recordChunkSent(this.#deps.store, this.#run.id, {
      phase: chunk.phase,
      chunkIndex: chunk.index,
      chunkHash: chunk.hash,
      itemCount: chunk.itemCount,
      activityId,
    });
    this.#reporter.update({ chunksSent: this.#reporter.progress.chunksSent + 1 });
  }

  async #onImportConfirmed(confirmed: ConfirmedChunk, resumedChunk: boolean): Promise<void> {
    const counts = this.#counts;
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
      await recordChunkConfirmed(this.#deps.store, this.#run.id, {
        phase: "import",
        chunkIndex: confirmed.chunk.index,
        result: { status, rejectedKeys, samples, rejectedAdds },
      });
    }
    for (const key of rejectedKeys) this.#rejectedKeys.add(key);
    for (const sample of samples)
      if (this.#samples.length < MAX_SAMPLES) this.#samples.push(sample);
    const rejected = (status["error_count"] ?? 0) + (status["correctable_count"] ?? 0);
    // CONTRACT §2.3: a contact that unsubscribed since the opt-outs were read is not added.
    const cannotAdd = status["cannot_add_to_list_count"] ?? 0;
    const addsKept = Math.max(0, confirmed.chunk.adds - rejectedAdds - cannotAdd);
    counts["added"] = (counts["added"] ?? 0) + addsKept;
    counts["updated"] =
      (counts["updated"] ?? 0) +
      Math.max(0, confirmed.chunk.itemCount - rejected - cannotAdd - addsKept);
    counts["rejected"] = (counts["rejected"] ?? 0) + rejected;
    counts["suppressed"] = (counts["suppressed"] ?? 0) + cannotAdd;
    this.#reporter.update({ activitiesDone: this.#reporter.progress.activitiesDone + 1 });
  }

  /** True once a cancel was asked for (checked at most every 500 ms) or the process stops. */
  async #shouldStop(): Promise<boolean> {
    if (this.#signal.aborted) return true;
    if (this.#cancelled) return true;
    if (Date.now() - this.#lastCancelCheck < 500) return false;
    this.#lastCancelCheck = Date.now();
    this.#cancelled = await isCancelRequested(this.#deps.store, this.#run.id);
    return this.#cancelled;
  }

  /** The outcome once sending stopped early: a cancel, or shutdown (resume later). */
  async #stopped(): Promise<RunOutcome> {
    if (!(await isCancelRequested(this.#deps.store, this.#run.id))) {
      throw new RunInterrupted("shutting down");
    }
    this.#logger.info("run cancelled after the chunks in flight completed");
    return {
      status: "cancelled",
      counts: this.#counts,
      error: null,
      rejectedSamples: this.#samples.map((sample) => ({ ...sample })),
    };
  }

  #interruptIfShuttingDown(): void {
    if (this.#signal.aborted) throw new RunInterrupted("shutting down");
  }

  /** Awaits a call to Constant Contact, timing it as waiting. */
  #waiting<T>(work: Promise<T>): Promise<T> {
    return this.#waits.during(work);
  }

  /**
   * Enters a phase; the time spent in the previous one goes to `progress.timingsMs`, and its own
   * work (its waits left out) to `progress.phases`.
   */
  #phase(phase: ProgressReporter["progress"]["phase"]): void {
    const now = performance.now();
    const previous = this.#reporter.progress.phase;
    const timings = { ...this.#reporter.progress.timingsMs };
    timings[previous] = Math.round((timings[previous] ?? 0) + now - this.#phaseStarted);
    const waited = this.#waits.totalMs;
    const own = Math.max(0, now - this.#phaseStarted - (waited - this.#waitedAtPhaseStart));
    this.#own[PHASE_GROUP[previous]] += own;
    this.#waitedAtPhaseStart = waited;
    this.#phaseStarted = now;
    const wallMs = now - this.#started;
    const phases: RunPhases = {
      readingMs: Math.round(this.#own.readingMs),
      planningMs: Math.round(this.#own.planningMs),
      writingMs: Math.round(this.#own.writingMs),
      verifyingMs: Math.round(this.#own.verifyingMs),
      waitingMs: Math.round(waited),
      ownMs: Math.round(wallMs - waited),
      wallMs: Math.round(wallMs),
    };
    this.#logger.debug(
      {
        phase: previous,
        ms: timings[previous],
        rssMB: Math.round(process.memoryUsage.rss() / 1e6),
      },
      "run phase done",
    );
    this.#reporter.update({ phase, timingsMs: timings, phases });
  }
}

/** Which step of {@link RunPhases} each progress phase's own work belongs to. */
const PHASE_GROUP: Readonly<
  Record<
    ProgressReporter["progress"]["phase"],
    keyof Omit<RunPhases, "waitingMs" | "ownMs" | "wallMs">
  >
> = {
  starting: "readingMs",
  "resolving-list": "readingMs",
  "reading-segments": "readingMs",
  "reading-opt-outs": "readingMs",
  planning: "planningMs",
  "finding-leavers": "writingMs",
  writing: "writingMs",
  "recording-snapshot": "writingMs",
  verifying: "verifyingMs",
  done: "verifyingMs",
};

/**
 * Deletes an export's snapshots other than the current one and the one before it (which a plan
 * or a run that started earlier may still be reading): failed, cancelled and superseded runs
 * leave theirs behind. Best effort: a failure is logged, the run's outcome stands.
 */
async function pruneSnapshots(
  deps: ExportRunDependencies,
  exportName: string,
  keep: ReadonlyArray<string | undefined>,
  logger: Logger,
): Promise<void> {
  try {
    for (const id of await deps.snapshots.list(exportName)) {
      if (!keep.includes(id)) await deps.snapshots.delete(id);
    }
  } catch (error) {
    logger.warn(
      { message: error instanceof Error ? error.message : String(error) },
      "old snapshots could not be deleted; they are deleted after the next run",
    );
  }
}

async function* iterate<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** The current version of each segment (cheap: file stats, blob listings, a query hash). */
async function segmentVersions(
  source: SegmentSource,
  segments: readonly string[],
): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const segment of segments) versions[segment] = (await source.resolve(segment)).version;
  return versions;
}

/** True when `stored` (read back from jsonb, keys in any order) holds exactly `versions`. */
function sameVersions(stored: unknown, versions: Record<string, string>): boolean {
  if (typeof stored !== "object" || stored === null) return false;
  const entries = Object.entries(stored as Record<string, unknown>);
  return (
    entries.length === Object.keys(versions).length &&
    entries.every(([segment, version]) => versions[segment] === version)
  );
}

/** The outcome of a plan that must not write: `failed` over the profile limit, else `paused`. */
function blockedOutcome(plan: ExportPlan, counts: Record<string, number>): RunOutcome | undefined {
  const failed = plan.verdicts.filter((verdict) => !verdict.passed);
  if (failed.length === 0) return undefined;
  const details = { verdicts: plan.verdicts, plan: plan.counts };
  const overLimit = failed.find((verdict) => verdict.guard === "profileLimit");
  if (overLimit !== undefined) {
    return {
      status: "failed",
      counts,
      error: {
        code: "EXPORT_PROFILE_LIMIT",
        message: `${overLimit.reason}; nothing was written`,
        details,
      },
    };
  }
  return {
    status: "paused",
    counts,
    error: {
      code: "EXPORT_GUARD_TRIPPED",
      message: `${failed.map((verdict) => verdict.reason).join("; ")}; nothing was written`,
      details,
    },
  };
}

function requestsOf(client: CtctClient): number {
  return Object.values(client.requestCounts()).reduce((sum, count) => sum + count, 0);
}

/** Error facts safe to log: name, code and message (our messages never hold personal data). */
function redactable(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      ...(error instanceof AppError ? { code: error.code } : {}),
      stack: error.stack,
    };
  }
  return { message: String(error) };
}
