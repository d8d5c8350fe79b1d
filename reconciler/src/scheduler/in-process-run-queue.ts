/**
 * The run queue of the embedded store. PGlite allows one process per data directory (the store
 * locks it), so there is no other process to coordinate with: jobs live in memory, one export
 * has at most one job in hand, and a restart re-sends the jobs of every unfinished run (the
 * scheduler does that, because this queue is not {@link RunQueue.durable}).
 */
import type { Logger } from "pino";
import type { RunJob, RunJobHandler, RunQueue } from "./run-queue.ts";

export interface InProcessRunQueueOptions {
  concurrency: number;
  logger: Logger;
  /** Wait before a job whose handler threw is tried again, in ms. @default 1000 */
  retryDelayMs?: number;
}

export class InProcessRunQueue implements RunQueue {
  readonly durable = false;
  readonly #options: InProcessRunQueueOptions;
  readonly #known = new Set<string>();
  readonly #waiting: RunJob[] = [];
  readonly #busyExports = new Set<string>();
  readonly #inHand = new Map<string, Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #abort = new AbortController();
  #handler: RunJobHandler | undefined;

  constructor(options: InProcessRunQueueOptions) {
    this.#options = options;
  }

  start(handler: RunJobHandler): Promise<void> {
    this.#handler = handler;
    this.#pump();
    return Promise.resolve();
  }

  send(job: RunJob): Promise<void> {
    if (this.#abort.signal.aborted || this.#known.has(job.id)) return Promise.resolve();
    this.#known.add(job.id);
    this.#later(job, (job.startAfter?.getTime() ?? 0) - Date.now());
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#abort.abort(new Error("the reconciler is stopping"));
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#waiting.length = 0;
    await Promise.allSettled([...this.#inHand.values()]);
  }

  #later(job: RunJob, delayMs: number): void {
    if (delayMs <= 0) {
      this.#waiting.push(job);
      this.#pump();
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#waiting.push(job);
      this.#pump();
    }, delayMs);
    this.#timers.add(timer);
  }

  #pump(): void {
    const handler = this.#handler;
    if (handler === undefined || this.#abort.signal.aborted) return;
    for (let index = 0; index < this.#waiting.length;) {
      if (this.#inHand.size >= this.#options.concurrency) return;
      const job = this.#waiting[index];
      if (job === undefined || this.#busyExports.has(job.exportId)) {
        index += 1;
        continue;
      }
      this.#waiting.splice(index, 1);
      this.#busyExports.add(job.exportId);
      const work = handler(job, this.#abort.signal)
        .then(() => {
          this.#known.delete(job.id);
        })
        .catch((error: unknown) => {
          if (this.#abort.signal.aborted) return;
          this.#options.logger.warn({ err: error, runId: job.runId }, "run job failed; retrying");
          this.#later(job, this.#options.retryDelayMs ?? 1_000);
        })
        .finally(() => {
          this.#busyExports.delete(job.exportId);
          this.#inHand.delete(job.id);
          this.#pump();
        });
      this.#inHand.set(job.id, work);
    }
  }
}
