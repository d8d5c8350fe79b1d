/** The state every route handler shares. */
import type { ActivityEngine } from "./activities.ts";
import type { AuthStore } from "./auth.ts";
import type { VirtualClock } from "./clock.ts";
import type { FaultState } from "./faults.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { Account } from "./state/account.ts";

/** All in-memory state of one emulator. */
export interface EmulatorContext {
  readonly clock: VirtualClock;
  readonly auth: AuthStore;
  readonly accounts: Map<string, Account>;
  readonly activities: ActivityEngine;
  readonly faults: FaultState;
  /** `/v3` limits per client_id (CONTRACT §2.1); unlimited but budget-able when rate limits are off. */
  readonly limiter: RateLimiter;
  /** Token endpoint limit per client_id (CONTRACT §2.1: ≈1 req/s); undefined when off. */
  readonly tokenLimiter: RateLimiter | undefined;
  /** Requests per `"METHOD /path-template"`. */
  readonly requestLog: Map<string, number>;
}
