/**
 * The contract between the run worker (`scheduler/run-worker.ts`), which owns a run's lifecycle
 * — claim, cancel, retry, finish — and the export pipeline (`export/run-export.ts`), which does
 * the work. It has the shape of controller-runtime's `Reconcile`: the pipeline returns how the
 * run ends, or throws. A retryable `AppError` means "requeue with backoff"; any other error ends
 * the run as failed; {@link RunStopped} means its signal aborted and the worker decides whether
 * that was a cancel (the run ends cancelled) or shutdown (it resumes from its checkpoints).
 */
import type { Logger } from "pino";
import type { ConnectionRecord, ExportRecord } from "../store/store.ts";
import type { RunOutcome, RunRecord } from "../store/run-store.ts";
import type { ProgressReporter } from "./run-progress.ts";

/** What the worker hands the pipeline: the run it claimed and what it loaded, once. */
export interface RunContext {
  /** The claimed run (`running`); `progress` is not null when an earlier attempt got started. */
  run: RunRecord;
  /** The export as stored when the run started: attached and enabled. */
  export: ExportRecord;
  /** The connection the export is attached to, authorised. */
  connection: ConnectionRecord;
  /** The run's live progress and counts; the worker writes them with the outcome. */
  progress: ProgressReporter;
  /** Aborts on cancel or shutdown; the pipeline stops after the chunks in flight. */
  signal: AbortSignal;
  logger: Logger;
}

/**
 * Does one attempt of a run, resuming from its checkpoints when an earlier attempt got part of
 * the way. Records `counts.requests` (Constant Contact requests sent, all attempts) in
 * `progress.counts` whatever happens, so the next run reserves a realistic share of the budget.
 */
export type ReconcileRun = (context: RunContext) => Promise<RunOutcome>;

/** Thrown by the pipeline when its signal aborted; carries what the attempt had done. */
export class RunStopped extends Error {
  /** Rows Constant Contact rejected before the stop. */
  readonly rejectedSamples: Array<Record<string, unknown>>;

  constructor(rejectedSamples: Array<Record<string, unknown>> = []) {
    super("the run stopped: it was cancelled or the process is shutting down");
    this.name = "RunStopped";
    this.rejectedSamples = rejectedSamples;
  }
}
