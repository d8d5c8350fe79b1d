/**
 * Works one queued job: checks that the run may run (export attached and enabled, connection
 * authorised, today's request budget), runs it through the executor with a cancel watch, and
 * decides what follows: done, retry with backoff, deferral to tomorrow, or a permanent failure
 * that notifies admins.
 */
import type { Logger } from "pino";
import { isRetryable } from "../core/errors.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import type { RunRecord, Store } from "../store/store.ts";
import { failureNoticeOf, type FailureNotifier } from "./failure-notice.ts";
import { applicationKeyOf, estimateRunRequests, nextUtcMidnight } from "./request-budget.ts";
import { retryDelayMs } from "./retry-delay.ts";
import type { RunExecutor } from "./run-executor.ts";
import {
  deferredForBudget,
  exportNotRunnable,
  needsReauthorisation,
  RUN_CANCELLED,
  runErrorOf,
} from "./run-errors.ts";
import { runJobId, type RunJob, type RunQueue } from "./run-queue.ts";
import type { SchedulerConfig } from "./scheduler-config.ts";
import { utcDay, type RunDispatch, type SchedulerStore } from "./scheduler-store.ts";

export interface RunWorkerDependencies {
  store: Store;
  schedulerStore: SchedulerStore;
  secretBox: SecretBox;
  execute: RunExecutor;
  notifier: FailureNotifier;
  queue: RunQueue;
  config: Pick<SchedulerConfig, "retry" | "budget" | "cancelPollMs">;
  logger: Logger;
  now: () => Date;
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

export function createRunWorker(deps: RunWorkerDependencies) {
  const { store, schedulerStore, logger } = deps;

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
    const failed = (await store.getRun(run.id)) ?? run;
    logger.warn(
      { runId: run.id, export: run.exportName, code: failed.error?.code, attempts },
      "run failed permanently",
    );
    await store.appendAudit({
      actorName: "scheduler",
      actorRole: "system",
      action: "run.failed",
      targetType: "run",
      targetName: run.id,
      generation: run.generation,
      details: { export: run.exportName, code: failed.error?.code ?? null, attempts },
    });
    await deps.notifier.notify(failureNoticeOf(failed, attempts));
  }

  /** Runs the executor, aborting it when the run is cancelled or this process stops. */
  async function executeWatched(
    runId: string,
    stopping: AbortSignal,
  ): Promise<{ result?: RunRecord; error?: unknown; cancelled: boolean }> {
    const controller = new AbortController();
    let cancelled = false;
    const onStop = () => controller.abort(stopping.reason);
    stopping.addEventListener("abort", onStop, { once: true });
    const watch = setInterval(() => {
      schedulerStore.cancelRequestedAt(runId).then(
        (at) => {
          if (at !== null && !controller.signal.aborted) {
            cancelled = true;
            controller.abort(new Error(`run ${runId} was cancelled`));
          }
        },
        (error: unknown) => logger.warn({ err: error, runId }, "cancel check failed"),
      );
    }, deps.config.cancelPollMs);
    try {
      if ((await schedulerStore.cancelRequestedAt(runId)) !== null) {
        cancelled = true;
        controller.abort(new Error(`run ${runId} was cancelled`));
      }
      return { result: await deps.execute(runId, controller.signal), cancelled };
    } catch (error) {
      return { error, cancelled };
    } finally {
      clearInterval(watch);
      stopping.removeEventListener("abort", onStop);
    }
  }

  /** The job handler given to the queue. */
  return async function workRunJob(job: RunJob, stopping: AbortSignal): Promise<void> {
    // The first job may arrive before its sender recorded the dispatch: record it here too.
    if (job.sequence === 1) await schedulerStore.recordDispatch(job.runId);
    const dispatch = await schedulerStore.dispatchOf(job.runId);
    // A job from before a retry or deferral was superseded by a newer one.
    if (dispatch === undefined || dispatch.sequence !== job.sequence) return;
    const run = await store.getRun(job.runId);
    if (run === undefined || !isActive(run)) return;

    const exported = await store.getExport(run.exportName);
    if (exported === undefined || exported.attachedConnectionId === null) {
      await schedulerStore.finishRun(
        run.id,
        "cancelled",
        exportNotRunnable(run.exportName, exported === undefined ? "deleted" : "detached"),
      );
      return;
    }
    if (!exported.definition.enabled) {
      await schedulerStore.finishRun(
        run.id,
        "cancelled",
        exportNotRunnable(run.exportName, "disabled"),
      );
      return;
    }
    const connection = await store.getConnectionById(exported.attachedConnectionId);
    if (connection === undefined || connection.status === "needs-reauthorisation") {
      await schedulerStore.finishRun(
        run.id,
        "failed",
        needsReauthorisation(exported.connectionName),
      );
      await failForGood(run, dispatch.attempt);
      return;
    }

    const now = deps.now();
    const appKey = applicationKeyOf(deps.secretBox, connection);
    const needed = await estimateRunRequests(
      schedulerStore,
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
      await schedulerStore.requeueRun(
        run.id,
        deferredForBudget({ needed, remaining, resetsAt: resetsAt.toISOString() }),
      );
      logger.info({ runId: run.id, export: run.exportName, needed, remaining }, "run deferred");
      await sendNext(dispatch, { attempt: dispatch.attempt, notBefore: resetsAt });
      return;
    }

    if (!(await schedulerStore.markRunning(run.id))) return;
    logger.info(
      { runId: run.id, export: run.exportName, attempt: dispatch.attempt, trigger: run.trigger },
      "run started",
    );
    const outcome = await executeWatched(run.id, stopping);
    const after = (await store.getRun(run.id)) ?? run;

    if (stopping.aborted && isActive(after)) throw new RunInterruptedError(run.id);
    if (outcome.error !== undefined) {
      if (outcome.cancelled) {
        await schedulerStore.finishRun(run.id, "cancelled", RUN_CANCELLED);
        await schedulerStore.settleBudget(run.id, needed);
        return;
      }
      const delay = isRetryable(outcome.error)
        ? retryDelayMs(deps.config.retry, dispatch.attempt)
        : undefined;
      if (delay !== undefined && isActive(after)) {
        const nextAttemptAt = new Date(deps.now().getTime() + delay);
        await schedulerStore.requeueRun(
          run.id,
          runErrorOf(outcome.error, {
            attempt: dispatch.attempt,
            nextAttemptAt: nextAttemptAt.toISOString(),
          }),
        );
        logger.warn(
          { runId: run.id, export: run.exportName, attempt: dispatch.attempt, delayMs: delay },
          "run failed; retrying",
        );
        await sendNext(dispatch, { attempt: dispatch.attempt + 1, notBefore: nextAttemptAt });
        return;
      }
      await schedulerStore.finishRun(
        run.id,
        "failed",
        runErrorOf(outcome.error, { attempts: dispatch.attempt }),
      );
      await schedulerStore.settleBudget(run.id, needed);
      await failForGood(run, dispatch.attempt);
      return;
    }
    const finished = outcome.result ?? after;
    // Still active without an error: the executor stopped early; hand the job back to resume.
    if (isActive(finished)) throw new RunInterruptedError(run.id);
    await schedulerStore.settleBudget(run.id, finished.counts["requests"] ?? needed);
    logger.info({ runId: run.id, export: run.exportName, status: finished.status }, "run finished");
    if (finished.status === "failed") await failForGood(finished, dispatch.attempt);
  };
}
