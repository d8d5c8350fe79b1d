/**
 * Runs one queued run to its end the way a reconciler process does — through the run worker
 * (claim, cancel watch, finish) and the export pipeline — without the scheduler's ticks and
 * queue: for benchmarks that time a run in a process of their own.
 */
import type { Logger } from "pino";
import { createExportReconciler } from "../../reconciler/src/export/run-export.ts";
import type { ExportRunDependencies } from "../../reconciler/src/export/run-state.ts";
import { InProcessRunQueue } from "../../reconciler/src/scheduler/in-process-run-queue.ts";
import { runJobId } from "../../reconciler/src/scheduler/run-queue.ts";
import { createRunWorker } from "../../reconciler/src/scheduler/run-worker.ts";
import { SchedulerStore } from "../../reconciler/src/scheduler/scheduler-store.ts";
import type { RunRecord } from "../../reconciler/src/store/run-store.ts";

/** Works the queued run `run` once (no retry, no budget limit) and returns it as it ended. */
export async function runOnce(
  deps: ExportRunDependencies,
  run: RunRecord,
  logger: Logger,
): Promise<RunRecord> {
  const work = createRunWorker({
    store: deps.store,
    schedulerStore: new SchedulerStore(deps.store.db),
    secretBox: deps.secretBox,
    reconcile: createExportReconciler(deps),
    notifier: { notify: () => Promise.resolve() },
    // Only a retry or a deferral would send to it, and neither can happen here.
    queue: new InProcessRunQueue({ concurrency: 1, logger }),
    config: {
      retry: { maxAttempts: 1, initialDelaySeconds: 0, backoffFactor: 1, maxDelaySeconds: 0 },
      budget: { dailyRequests: Number.MAX_SAFE_INTEGER, defaultRunRequests: 1 },
      cancelPollMs: 1_000,
    },
    logger,
    now: () => new Date(),
  });
  await work(
    { id: runJobId(run.id, 1), runId: run.id, exportId: run.exportId, sequence: 1 },
    new AbortController().signal,
  );
  const finished = await deps.store.runs.get(run.id);
  if (finished === undefined) throw new Error(`run ${run.id} vanished`);
  return finished;
}
