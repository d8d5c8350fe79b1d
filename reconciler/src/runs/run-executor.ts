/**
 * The in-process run executor: picks up queued runs and executes them, a few at a time and one
 * per export (the `runs_one_active_per_export` index already allows only one active run per
 * export). On start it also resumes runs a dead process left `running`, from their checkpoints.
 * Closing aborts the runs in progress after their chunks in flight; they stay `running` and the
 * next start resumes them.
 *
 * It is the small default engine behind one interface; the scheduler calls the same
 * `executeRun(deps, runId, signal)` for its triggers across replicas.
 */
import type { Logger } from "pino";
import { listRunnableRunIds } from "../store/run-store.ts";
import type { RunRecord, Store } from "../store/store.ts";

/** Executes one run; see `executeRun` in `export/run-export.ts`. */
export type ExecuteRun = (runId: string, signal: AbortSignal) => Promise<RunRecord>;

/** A started executor. */
export interface RunExecutor {
  /** Asks for a run to be executed soon (it must be queued, or left running by a dead process). */
  submit(runId: string): void;
  /** Resolves when every submitted run has settled (for tests and scripts). */
  idle(): Promise<void>;
  /** Stops picking up runs, interrupts those in progress and waits for them. */
  close(): Promise<void>;
}

/** Options of {@link startRunExecutor}. */
export interface RunExecutorOptions {
  store: Store;
  execute: ExecuteRun;
  logger: Logger;
  /** How often queued runs are looked for, in ms. @default 500 */
  pollIntervalMs?: number | undefined;
  /** Runs executed at once (each of another export). @default 2 */
  maxConcurrentRuns?: number | undefined;
}

/** Starts the executor; it resumes interrupted runs right away. */
export function startRunExecutor(options: RunExecutorOptions): RunExecutor {
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const maxConcurrent = Math.max(1, options.maxConcurrentRuns ?? 2);
  const controller = new AbortController();
  const waiting: string[] = [];
  const known = new Set<string>();
  const active = new Map<string, Promise<void>>();
  let idleWaiters: Array<() => void> = [];
  let closed = false;

  const notifyIdle = (): void => {
    if (active.size > 0 || waiting.length > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const pump = (): void => {
    while (!closed && active.size < maxConcurrent && waiting.length > 0) {
      const runId = waiting.shift() as string;
      const work = options
        .execute(runId, controller.signal)
        .then((run) => {
          options.logger.debug({ runId, status: run.status }, "run settled");
        })
        .catch((error: unknown) => {
          options.logger.error(
            { runId, message: error instanceof Error ? error.message : String(error) },
            "run could not be executed",
          );
        })
        .finally(() => {
          active.delete(runId);
          known.delete(runId);
          pump();
          notifyIdle();
        });
      active.set(runId, work);
    }
    notifyIdle();
  };

  const submit = (runId: string): void => {
    if (closed || known.has(runId)) return;
    known.add(runId);
    waiting.push(runId);
    pump();
  };

  const scan = async (includeRunning: boolean): Promise<void> => {
    try {
      for (const runId of await listRunnableRunIds(options.store, { includeRunning })) {
        submit(runId);
      }
    } catch (error) {
      if (!closed) {
        options.logger.warn(
          { message: error instanceof Error ? error.message : String(error) },
          "could not look for queued runs",
        );
      }
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(() => {
      void scan(false).finally(schedule);
    }, pollIntervalMs);
    timer.unref();
  };
  const started = scan(true).finally(schedule);

  return {
    submit,
    async idle() {
      await started;
      if (active.size === 0 && waiting.length === 0) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      waiting.length = 0;
      controller.abort();
      await started;
      await Promise.allSettled([...active.values()]);
      notifyIdle();
    },
  };
}
