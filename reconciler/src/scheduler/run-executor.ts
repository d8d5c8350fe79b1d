/**
 * The contract between the scheduler and the export pipeline. The scheduler decides *when* a
 * run happens and *where* (which process); the executor does the run.
 */
import type { RunRecord } from "../store/store.ts";

/**
 * Does one whole run of `runId` (collect, diff, write, checkpoint), resuming from its checkpoint
 * when an earlier attempt got part of the way, and records status, counts and error on the run.
 *
 * - Resolves with the run as recorded. A run that resolves still `queued` or `running` was
 *   interrupted (its `signal` aborted) and will be resumed.
 * - Rejects with an `AppError` marked `retryable` for a transient failure, leaving the run
 *   active: the scheduler retries it with backoff. Any other rejection fails the run for good.
 * - Stops after the chunk in flight when `signal` aborts (cancel or shutdown).
 * - Records `counts.requests` (Constant Contact requests sent) when it can, so the next run
 *   reserves a realistic share of the daily budget.
 */
export type RunExecutor = (runId: string, signal: AbortSignal) => Promise<RunRecord>;
