/**
 * The reasons the scheduler writes on runs, with stable codes. A run's `error` holds the last
 * reason, so history shows why a run waited, was retried, or ended.
 */
import { AppError } from "../core/errors.ts";
import type { RunError } from "../store/run-store.ts";

/**
 * The stored form of any error: an `AppError` keeps its code, message and details. Any other
 * error's message stays in the log: it is not ours, and could carry a value we never checked.
 */
export function runErrorOf(error: unknown, details: Record<string, unknown> = {}): RunError {
  if (error instanceof AppError) {
    return { code: error.code, message: error.message, details: { ...error.details, ...details } };
  }
  return {
    code: "RUN_FAILED",
    message: "the run failed unexpectedly; see the reconciler log",
    details,
  };
}

export function needsReauthorisation(connection: string): RunError {
  return {
    code: "CONNECTION_NEEDS_REAUTHORISATION",
    message:
      `connection '${connection}' needs re-authorisation: Constant Contact rejected its refresh ` +
      "token; run `ccx connect` and update the connection, then run the export again",
    details: { connection },
  };
}

export function deferredForBudget(input: {
  needed: number;
  remaining: number;
  resetsAt: string;
}): RunError {
  return {
    code: "RUN_DEFERRED_BUDGET",
    message:
      `deferred: the run needs about ${input.needed} Constant Contact requests and only ` +
      `${input.remaining} of today's budget remain for this application; it starts after ` +
      `${input.resetsAt}`,
    details: { ...input },
  };
}

export function exportNotRunnable(
  name: string,
  reason: "detached" | "disabled" | "deleted",
): RunError {
  return {
    code: reason === "disabled" ? "EXPORT_DISABLED" : "EXPORT_DETACHED",
    message: `export '${name}' is ${reason} and never runs; the queued run was dropped`,
    details: { reason },
  };
}
