/**
 * The scheduler of one reconciler process: a tick that hands queued runs to the run queue and
 * checks cron and stack-change triggers, a slower poll of source versions, and the queue's
 * workers that run exports. Several processes may run it against one PostgreSQL; see the ADR
 * on queueing and locking for why that never runs one export twice at once.
 */
import type { Logger } from "pino";
import type { ReconcileRun } from "../runs/reconcile-run.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import type { Store } from "../store/store.ts";
import type { FailureNotifier } from "./failure-notice.ts";
import { runJobId, type RunQueue } from "./run-queue.ts";
import { createRunWorker } from "./run-worker.ts";
import type { SchedulerConfig } from "./scheduler-config.ts";
import { SchedulerStore } from "./scheduler-store.ts";
import {
  checkCronTrigger,
  checkSourceChangeTrigger,
  checkStackChangeTrigger,
  type SourceVersionReader,
  type TriggerDependencies,
} from "./triggers.ts";

export interface SchedulerDependencies {
  store: Store;
  secretBox: SecretBox;
  queue: RunQueue;
  /** Does the work of a run: the export pipeline (tests use a stand-in). */
  reconcile: ReconcileRun;
  notifier: FailureNotifier;
  readSourceVersion: SourceVersionReader;
  config: SchedulerConfig;
  logger: Logger;
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

export interface RunningScheduler {
  /** Hands queued runs to the queue and checks triggers now, instead of at the next tick. */
  tick(): Promise<void>;
  /** Checks source versions now. */
  pollSources(): Promise<void>;
  /** Stops triggers and workers; unfinished runs are resumed by another process or a restart. */
  close(): Promise<void>;
}

/** A repeating task that never overlaps itself and can be stopped. */
function repeat(
  intervalMs: number,
  task: () => Promise<void>,
  logger: Logger,
  what: string,
): { runNow(): Promise<void>; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const runOnce = (): Promise<void> => {
    current = current
      .then(task)
      .catch((error: unknown) => logger.warn({ err: error }, `${what} failed`));
    return current;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().then(schedule);
    }, intervalMs);
  };
  schedule();
  return {
    runNow: runOnce,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await current;
    },
  };
}

export async function startScheduler(deps: SchedulerDependencies): Promise<RunningScheduler> {
  const now = deps.now ?? (() => new Date());
  const schedulerStore = new SchedulerStore(deps.store.db);
  const logger = deps.logger.child({ component: "scheduler" });
  const triggerDeps: TriggerDependencies = { store: deps.store, schedulerStore, logger, now };

  async function dispatchQueuedRuns(): Promise<void> {
    for (const { runId, exportId } of await schedulerStore.undispatchedRuns()) {
      // Send first, then record: a crash in between re-sends the same job id, which the queue
      // keeps once.
      await deps.queue.send({ id: runJobId(runId, 1), runId, exportId, sequence: 1 });
      await schedulerStore.recordDispatch(runId);
    }
  }

  async function checkTriggers(): Promise<void> {
    for (const record of await deps.store.listExports()) {
      await checkCronTrigger(triggerDeps, record);
      await checkStackChangeTrigger(triggerDeps, record);
    }
  }

  async function pollSources(): Promise<void> {
    for (const record of await deps.store.listExports()) {
      await checkSourceChangeTrigger(triggerDeps, deps.readSourceVersion, record);
    }
  }

  const worker = createRunWorker({
    store: deps.store,
    schedulerStore,
    secretBox: deps.secretBox,
    reconcile: deps.reconcile,
    notifier: deps.notifier,
    queue: deps.queue,
    config: deps.config,
    logger,
    now,
  });
  await deps.queue.start(worker);
  if (!deps.queue.durable) {
    // The in-process queue forgot its jobs with the last process: re-send every unfinished run
    // as its current dispatch says (running ones resume from their checkpoint).
    for (const dispatch of await schedulerStore.activeDispatches()) {
      await deps.queue.send({
        id: runJobId(dispatch.runId, dispatch.sequence),
        runId: dispatch.runId,
        exportId: dispatch.exportId,
        sequence: dispatch.sequence,
        startAfter: dispatch.notBefore ?? undefined,
      });
    }
  }

  const tick = async () => {
    await dispatchQueuedRuns();
    await checkTriggers();
    await dispatchQueuedRuns();
  };
  const ticks = repeat(deps.config.tickSeconds * 1000, tick, logger, "scheduler tick");
  const polls = repeat(deps.config.sourcePollSeconds * 1000, pollSources, logger, "source poll");
  await ticks.runNow();
  logger.info(
    { queue: deps.queue.durable ? "pg-boss" : "in-process", tickSeconds: deps.config.tickSeconds },
    "scheduler started",
  );

  let closing: Promise<void> | undefined;
  return {
    tick: () => ticks.runNow(),
    pollSources: () => polls.runNow(),
    close() {
      closing ??= (async () => {
        await ticks.stop();
        await polls.stop();
        await deps.queue.stop();
        logger.info("scheduler stopped");
      })();
      return closing;
    },
  };
}
