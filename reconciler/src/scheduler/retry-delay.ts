/**
 * When a failed run is tried again: exponential backoff from the configured
 * {@link RetryPolicy} (policy as data; defaults in `scheduler-config.ts`).
 */
import type { RetryPolicy } from "./scheduler-config.ts";

/**
 * The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed, in ms, or
 * undefined when `attempt` was the last one allowed.
 * @example retryDelayMs({ maxAttempts: 4, initialDelaySeconds: 60, backoffFactor: 4, maxDelaySeconds: 3600 }, 2) // 240_000
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  const seconds = Math.min(
    policy.maxDelaySeconds,
    policy.initialDelaySeconds * policy.backoffFactor ** (attempt - 1),
  );
  return Math.round(seconds * 1000);
}
