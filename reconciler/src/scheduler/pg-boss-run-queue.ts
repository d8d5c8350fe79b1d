/**
 * The run queue on PostgreSQL: pg-boss 12 with a `singleton` queue keyed by export, so across
 * any number of reconciler processes at most one job per export is active. A job carries a
 * heartbeat (the lease): when its process dies, pg-boss fails the job once the heartbeat is
 * `leaseSeconds` old and another process takes it over (see docs/adr on the scheduler).
 */
import { PgBoss, type JobWithMetadata } from "pg-boss";
import type { Logger } from "pino";
import type { RunJob, RunJobHandler, RunQueue } from "./run-queue.ts";

/** The pg-boss queue of export runs. */
export const RUN_QUEUE_NAME = "ccx-export-run";

/**
 * How often one job may be taken over after its process died, before pg-boss gives up on it.
 * Failed attempts of the run itself are counted by the scheduler's retry policy, not here.
 */
const TAKEOVER_LIMIT = 10;

/** Longest a job may stay active however well it heartbeats: runs take up to an hour. */
const MAX_ACTIVE_SECONDS = 6 * 60 * 60;

export interface PgBossRunQueueOptions {
  connectionString: string;
  /** Heartbeat age after which a job is taken over, in seconds (≥ 10). */
  leaseSeconds: number;
  /** Jobs this process works at once. */
  concurrency: number;
  logger: Logger;
}

interface RunJobData {
  runId: string;
  exportId: string;
  sequence: number;
}

export class PgBossRunQueue implements RunQueue {
  readonly durable = true;
  readonly #boss: PgBoss;
  readonly #options: PgBossRunQueueOptions;
  /** Aborted first on stop, so runs in hand stop at a checkpoint before pg-boss lets go of them. */
  readonly #stopping = new AbortController();
  readonly #inHand = new Set<Promise<void>>();

  constructor(options: PgBossRunQueueOptions) {
    this.#options = options;
    // Expiry and heartbeat checks run in the supervise pass; a lease is only as good as the
    // pass that notices it ran out.
    const passSeconds = Math.max(1, Math.floor(options.leaseSeconds / 2));
    this.#boss = new PgBoss({
      connectionString: options.connectionString,
      max: 4,
      application_name: "ccx-scheduler",
      schedule: false,
      superviseIntervalSeconds: passSeconds,
      monitorIntervalSeconds: passSeconds,
    });
    this.#boss.on("error", (error: unknown) => {
      options.logger.warn({ err: error }, "run queue error");
    });
  }

  async start(handler: RunJobHandler): Promise<void> {
    await this.#boss.start();
    await this.#boss.createQueue(RUN_QUEUE_NAME, {
      policy: "singleton",
      heartbeatSeconds: this.#options.leaseSeconds,
      expireInSeconds: MAX_ACTIVE_SECONDS,
      retryLimit: TAKEOVER_LIMIT,
      retryDelay: 1,
    });
    await this.#boss.work(
      RUN_QUEUE_NAME,
      {
        localConcurrency: this.#options.concurrency,
        includeMetadata: true,
        pollingIntervalSeconds: 1,
      },
      async (jobs: JobWithMetadata<RunJobData>[]) => {
        for (const job of jobs) {
          const work = handler(
            {
              id: job.id,
              runId: job.data.runId,
              exportId: job.data.exportId,
              sequence: job.data.sequence,
            },
            AbortSignal.any([job.signal, this.#stopping.signal]),
          );
          this.#inHand.add(work);
          try {
            await work;
          } finally {
            this.#inHand.delete(work);
          }
        }
      },
    );
  }

  async send(job: RunJob): Promise<void> {
    const data: RunJobData = { runId: job.runId, exportId: job.exportId, sequence: job.sequence };
    await this.#boss.send(RUN_QUEUE_NAME, data, {
      id: job.id,
      singletonKey: job.exportId,
      ...(job.startAfter === undefined ? {} : { startAfter: job.startAfter }),
    });
  }

  async stop(): Promise<void> {
    // pg-boss's own shutdown fails jobs still active after its grace period *before* aborting
    // their handlers, so another process could take a run over while this one still writes its
    // chunk in flight. Stop our runs first (each ends at a checkpoint and hands its job back),
    // then pg-boss.
    this.#stopping.abort(new Error("the reconciler is stopping"));
    await Promise.allSettled([...this.#inHand]);
    await this.#boss.stop({ graceful: true, timeout: 10_000, close: true });
  }
}
