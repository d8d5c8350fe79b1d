/**
 * The seam between the scheduler and the machinery that hands runs to workers: pg-boss on
 * PostgreSQL (many processes), an in-process queue on the embedded store (one process).
 */
import { createHash } from "node:crypto";

/** One job: "work on this run, as this dispatch sequence". */
export interface RunJob {
  /** Deterministic per run and sequence, so sending the same job twice queues it once. */
  id: string;
  runId: string;
  exportId: string;
  sequence: number;
  /** Not before this time. @default now */
  startAfter?: Date | undefined;
}

/** Works one job. Resolves when the job is done (or handed on); rejects to have it retried. */
export type RunJobHandler = (job: RunJob, signal: AbortSignal) => Promise<void>;

export interface RunQueue {
  /** True when jobs outlive the process (pg-boss); false when a restart must re-send them. */
  readonly durable: boolean;
  /** Starts working jobs with `handler`, at most one per export at a time. */
  start(handler: RunJobHandler): Promise<void>;
  /** Queues a job; a job with the same id is queued once. */
  send(job: RunJob): Promise<void>;
  /** Stops taking jobs, aborts the ones in hand and waits for them to settle. */
  stop(): Promise<void>;
}

/** The job id of a run's `sequence`-th dispatch: a UUID derived from both. */
export function runJobId(runId: string, sequence: number): string {
  const hex = createHash("sha256").update(`${runId}:${sequence}`).digest("hex");
  // Shaped as a version-8 (custom) UUID, which pg-boss's uuid column accepts.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
