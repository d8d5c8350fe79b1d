/** The state every route handler shares, and the lookups the test API makes in it. */
import type { ActivityEngine } from "./activities.ts";
import type { App, AuthStore } from "./auth.ts";
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

/** The account with this id; throws for a test or script that never created it. */
export function requireAccount(ctx: EmulatorContext, accountId: string): Account {
  const account = ctx.accounts.get(accountId);
  if (account === undefined)
    throw new Error(`Unknown account ${accountId}; create it with createAccount first.`);
  return account;
}

/** The OAuth app with this client id; throws for a test or script that never created it. */
export function requireApp(ctx: EmulatorContext, clientId: string): App {
  const app = ctx.auth.apps.get(clientId);
  if (app === undefined)
    throw new Error(`Unknown client id ${clientId}; create it with createApp first.`);
  return app;
}

/** Moves activities to their state at the current virtual time (done before every inspection). */
export function settleActivities(ctx: EmulatorContext): void {
  ctx.activities.settle(ctx.clock.nowMs());
}
