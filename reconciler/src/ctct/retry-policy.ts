/**
 * When and how long the client waits before trying a Constant Contact call again. The policy is
 * data; {@link decideRetry} is the one place that says which failures are retried (CONTRACT §3).
 */

/** How retries back off. Every field is optional in {@link RetryPolicyOptions}. */
export interface RetryPolicy {
  /** Attempts after the first one, for one call. */
  maxRetries: number;
  /** Delay before the first retry, in ms. */
  baseDelayMs: number;
  /** Growth per retry. */
  factor: number;
  /** Upper bound of one delay, in ms. */
  maxDelayMs: number;
  /** Share of each delay that is random, 0..1 (so replicas do not retry in lockstep). */
  jitter: number;
}

/** Partial {@link RetryPolicy}; missing fields take the defaults of {@link resolveRetryPolicy}. */
export type RetryPolicyOptions = Partial<RetryPolicy>;

/** Fills the defaults. */
export function resolveRetryPolicy(options: RetryPolicyOptions = {}): RetryPolicy {
  return {
    // 6 retries reach the 30 s cap: about a minute of backoff covers a 429 storm or a short
    // outage, and one call never hangs for long.
    maxRetries: options.maxRetries ?? 6,
    // 500 ms: a throttled second is over by then (CONTRACT §2.1: a 1,000 ms sliding window).
    baseDelayMs: options.baseDelayMs ?? 500,
    factor: options.factor ?? 2,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    // Half the delay is random: a floor keeps retries from hammering, the rest spreads them.
    jitter: options.jitter ?? 0.5,
  };
}

/**
 * Delay before retry number `retry` (0 for the first retry): exponential, capped, with the
 * random share in `[delay·(1−jitter), delay]`.
 * @param random a number in [0, 1); injectable for tests. @default Math.random
 */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** retry);
  const fixed = exponential * (1 - policy.jitter);
  return Math.round(fixed + random() * (exponential - fixed));
}

/** What went wrong with one attempt. */
export type AttemptFailure =
  | { kind: "status"; status: number; errorKey: string | undefined }
  /** Connection reset, refused or dropped, or a timeout: the request may or may not have run. */
  | { kind: "transport" };

/** What to do after a failed attempt. */
export type RetryDecision =
  /** Refresh the access token and send once more (only once per call). */
  | "refresh-and-retry"
  /** Back off and send again. */
  | "retry"
  /** The request may have taken effect: look for its effect first, then send again if absent. */
  | "recover-then-retry"
  /** The daily budget is gone: stop all work until 00:00 UTC. */
  | "quota-exceeded"
  /** Give up with the error. */
  | "fail";

/**
 * Decides what follows a failed attempt (CONTRACT §3). Status decides, keys only split 429s.
 * `idempotent` is true for GET, PUT and DELETE; POSTs are not idempotent (CONTRACT §2.2), so
 * after an ambiguous failure (5xx, reset, timeout) they are only sent again once the caller has
 * checked that the first one left no trace.
 */
export function decideRetry(failure: AttemptFailure, idempotent: boolean): RetryDecision {
  if (failure.kind === "transport") return idempotent ? "retry" : "recover-then-retry";
  const { status, errorKey } = failure;
  if (status === 401) return "refresh-and-retry";
  if (status === 429) {
    // A 429 is decided before any work is done, so even a POST is safe to send again.
    return errorKey === "quota_exceeded" ? "quota-exceeded" : "retry";
  }
  if (status >= 500) return idempotent ? "retry" : "recover-then-retry";
  // 400, 403, 404, 409, 415 and anything else: the same request will fail the same way.
  return "fail";
}
