/**
 * The run worker: owns a run's whole lifecycle, in one place. For one queued job it loads the run,
 * its export and connection once and checks that the run may run (export attached and enabled,
 * connection authorised, today's request budget), claims it, watches for a cancel, hands it to
 * the pipeline ({@link ReconcileRun}) and decides what follows from the outcome or the error:
 * finished, retried with backoff, deferred to tomorrow, resumed after shutdown, or failed for
 * good (admins are notified).
 */
import type { Logger } from "pino";
import { AppError, isRetryable } from "../core/errors.ts";
import { whyNotRunnable } from "../core/export-runnable.ts";
import { RunStopped, type ReconcileRun, type RunContext } from "../runs/reconcile-run.ts";
import { ProgressReporter } from "../runs/run-progress.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import type { RunOutcome, RunRecord } from "../store/run-store.ts";
import type { ConnectionRecord, ExportRecord, Store } from "../store/store.ts";
import { failureNoticeOf, type FailureNotifier } from "./failure-notice.ts";
import { applicationKeyOf, estimateRunRequests, nextUtcMidnight } from "./request-budget.ts";
import { retryDelayMs } from "./retry-delay.ts";
import {
  deferredForBudget,
  exportNotRunnable,
  needsReauthorisation,
  runErrorOf,
} from "./run-errors.ts";
import { runJobId, type RunJob, type RunQueue } from "./run-queue.ts";
import type { SchedulerConfig } from "./scheduler-config.ts";
import { utcDay, type RunDispatch, type SchedulerStore } from "./scheduler-store.ts";

export interface RunWorkerDependencies {
  store: Store;
  schedulerStore: SchedulerStore;
  secretBox: SecretBox;
  /** The pipeline: the export pipeline, or a test's stand-in. */
  reconcile: ReconcileRun;
  notifier: FailureNotifier;
  queue: RunQueue;
  config: Pick<SchedulerConfig, "retry" | "budget" | "cancelPollMs">;
  logger: Logger;
  now: () => Date;
  /** How often a run's progress is written, at most, in ms. @default 500 */
  progressIntervalMs?: number | undefined;
}

function isActive(run: RunRecord): boolean {
  return run.status === "queued" || run.status === "running";
}

/** Thrown to hand a job back to the queue when this process stops in the middle of it. */
class RunInterruptedError extends Error {
  constructor(runId: string) {
    super(`run ${runId} was interrupted by shutdown; another attempt resumes it`);
  }
}

/** Why a watched run's signal aborted. */
type StopReason = "cancelled" | "shutdown";

export function createRunWorker(deps: RunWorkerDependencies) {
  const { store, schedulerStore, logger } = deps;
  const runs = store.runs;

  async function sendNext(
    dispatch: RunDispatch,
    next: { attempt: number; notBefore: Date },
  ): Promise<void> {
    const moved = await schedulerStore.advanceDispatch(dispatch.runId, dispatch.sequence, next);
    if (moved === undefined) return;
    const job: RunJob = {
      id: runJobId(moved.runId, moved.sequence),
      runId: moved.runId,
      exportId: moved.exportId,
      sequence: moved.sequence,
      startAfter: next.notBefore,
    };
    await deps.queue.send(job);
  }

  async function failForGood(run: RunRecord, attempts: number): Promise<void> {
    logger.warn(
      { runId: run.id, export: run.exportName, code: run.error?.code, attempts },
      "run failed permanently",
    );
    await store.appendAudit({
      actorName: "scheduler",
      actorRole: "system",
      action: "run.failed",
      targetType: "run",
      targetName: run.id,
      generation: run.generation,
      details: { export: run.exportName, code: run.error?.code ?? null, attempts },
    });
    await deps.notifier.notify(failureNoticeOf(run, attempts));
  }

  /**
   * Aborts the returned signal when the run is cancelled (one watch, every `cancelPollMs`) or
   * this process stops; `reason()` tells which.
   */
  function watchRun(runId: string, stopping: AbortSignal) {
    const controller = new AbortController();
    let reason: StopReason | undefined;
    const stop = (why: StopReason) => {
      if (controller.signal.aborted) return;
      reason = why;
      controller.abort(new Error(`run ${runId}: ${why}`));
    };
    const onStop = () => stop("shutdown");
    stopping.addEventListener("abort", onStop, { once: true });
    if (stopping.aborted) onStop();
    const timer = setInterval(() => {
      runs.cancelRequestedAt(runId).then(
        (at) => {
          if (at !== null) stop("cancelled");
        },
        (error: unknown) => logger.warn({ err: error, runId }, "cancel check failed"),
      );
    }, deps.config.cancelPollMs);
    return {
      signal: controller.signal,
      reason: () => reason,
      close() {
        clearInterval(timer);
        stopping.removeEventListener("abort", onStop);
      },
    };
  }

  /** Ends the run with `outcome`, its progress and counts as they stand. */
  async function finish(context: RunContext, outcome: RunOutcome): Promise<RunRecord | undefined> {
    await context.progress.settle();
    const finished = await runs.finish(context.run.id, {
      ...outcome,
      progress: { ...context.progress.progress, updatedAt: new Date().toISOString() },
    });
    context.logger.info({ status: outcome.status, counts: outcome.counts }, "run finished");
    return finished;
  }

  /**
   * Executes a claimed run through the pipeline and records how it ended. Returns the finished
   * run, or undefined when it went back to the queue for a retry.
   * @throws RunInterruptedError when this process stops first: the run resumes later.
   */
  async function execute(
    claimed: RunRecord,
    exported: ExportRecord,
    connection: ConnectionRecord,
    dispatch: RunDispatch,
    stopping: AbortSignal,
  ): Promise<RunRecord | undefined> {
    const runLogger = logger.child({ runId: claimed.id, export: claimed.exportName });
    const resumed = claimed.progress !== null;
    const watch = watchRun(claimed.id, stopping);
    const context: RunContext = {
      run: claimed,
      export: exported,
      connection,
      progress: new ProgressReporter(runs, claimed.id, {
        intervalMs: deps.progressIntervalMs,
        resumed,
        counts: {},
      }),
      signal: watch.signal,
      logger: runLogger,
    };
    try {
      if (claimed.cancelRequestedAt !== null) {
        return await finish(context, { status: "cancelled", counts: claimed.counts });
      }
      runLogger.info(
        { attempt: dispatch.attempt, trigger: claimed.trigger, resumed },
        resumed ? "run resumed" : "run started",
      );
      return await finish(context, await deps.reconcile(context));
    } catch (error) {
      const stopped = watch.reason();
      if (stopped === "cancelled") {
        runLogger.info("run cancelled after the chunks in flight completed");
        return await finish(context, {
          status: "cancelled",
          counts: context.progress.counts,
          error: null,
          rejectedSamples: error instanceof RunStopped ? error.rejectedSamples : [],
        });
      }
      if (stopped === "shutdown") {
        await context.progress.flush();
        runLogger.info("run interrupted by shutdown; it resumes from its checkpoint");
        throw new RunInterruptedError(claimed.id);
      }
      const delay = isRetryable(error)
        ? retryDelayMs(deps.config.retry, dispatch.attempt)
        : undefined;
      if (delay !== undefined) {
        await context.progress.flush();
        const nextAttemptAt = new Date(deps.now().getTime() + delay);
        const requeued = await runs.requeue(
          claimed.id,
          runErrorOf(error, {
            attempt: dispatch.attempt,
            nextAttemptAt: nextAttemptAt.toISOString(),
          }),
        );
        if (requeued) {
          runLogger.warn(
            { code: codeOf(error), attempt: dispatch.attempt, delayMs: delay },
            "run hit a transient failure; retrying",
          );
          await sendNext(dispatch, { attempt: dispatch.attempt + 1, notBefore: nextAttemptAt });
          return undefined;
        }
      }
      runLogger.error({ code: codeOf(error), err: redactable(error) }, "run failed");
      return await finish(context, {
        status: "failed",
        counts: context.progress.counts,
        error: runErrorOf(error, { attempts: dispatch.attempt }),
      });
    } finally {
      watch.close();
    }
  }

  /** The job handler given to the queue. */
  return async function workRunJob(job: RunJob, stopping: AbortSignal): Promise<void> {
    // The first job may arrive before its sender recorded the dispatch: record it here too.
    if (job.sequence === 1) await schedulerStore.recordDispatch(job.runId);
    const dispatch = await schedulerStore.dispatchOf(job.runId);
    // A job from before a retry or deferral was superseded by a newer one.
    if (dispatch === undefined || dispatch.sequence !== job.sequence) return;
    const run = await runs.get(job.runId);
    if (run === undefined || !isActive(run)) return;

    const exported = await store.getExport(run.exportName);
    const notRunnable =
      exported === undefined || exported.id !== run.exportId ? "deleted" : whyNotRunnable(exported);
    if (exported === undefined || notRunnable !== undefined) {
      await runs.finish(run.id, {
        status: "cancelled",
        counts: run.counts,
        error: exportNotRunnable(run.exportName, notRunnable ?? "deleted"),
      });
      return;
    }
    const connection =
      exported.attachedConnectionId === null
        ? undefined
        : await store.getConnectionById(exported.attachedConnectionId);
    if (connection === undefined || connection.status === "needs-reauthorisation") {
      const failed = await runs.finish(run.id, {
        status: "failed",
        counts: run.counts,
        error: needsReauthorisation(exported.connectionName),
      });
      if (failed !== undefined) await failForGood(failed, dispatch.attempt);
      return;
    }

    const now = deps.now();
    const appKey = applicationKeyOf(deps.secretBox, connection);
    const needed = await estimateRunRequests(
      runs,
      exported.id,
      deps.config.budget.defaultRunRequests,
    );
    const reservation = await schedulerStore.reserveBudget({
      runId: run.id,
      appKey,
      day: utcDay(now),
      requests: needed,
      dailyLimit: deps.config.budget.dailyRequests,
    });
    if (!reservation.reserved) {
      const resetsAt = nextUtcMidnight(now);
      const remaining = Math.max(
        0,
        deps.config.budget.dailyRequests - reservation.used - reservation.otherReserved,
      );
      await runs.requeue(
        run.id,
        deferredForBudget({ needed, remaining, resetsAt: resetsAt.toISOString() }),
      );
      logger.info({ runId: run.id, export: run.exportName, needed, remaining }, "run deferred");
      await sendNext(dispatch, { attempt: dispatch.attempt, notBefore: resetsAt });
      return;
    }

    const claimed = await runs.claim(run.id);
    if (claimed === undefined) return;
    const finished = await execute(claimed, exported, connection, dispatch, stopping);
    if (finished === undefined) return;
    await schedulerStore.settleBudget(run.id, finished.counts["requests"] ?? needed);
    if (finished.status === "failed") await failForGood(finished, dispatch.attempt);
  };
}

function codeOf(error: unknown): string | undefined {
  return error instanceof AppError ? error.code : undefined;
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
