/**
 * The daily request budget of a Constant Contact application, shared by every export on every
 * connection that uses the same application key (CONTRACT §2.1: 10,000 requests per UTC day per
 * `client_id`), and by every reconciler process: the ledger is in the database.
 */
import { createHash } from "node:crypto";
import type { SecretBox } from "../secrets/secret-box.ts";
import { openCredentials } from "../secrets/connection-credentials.ts";
import type { ConnectionRecord } from "../store/store.ts";
import type { RunStore } from "../store/run-store.ts";
import { utcDay, type SchedulerStore } from "./scheduler-store.ts";

/** A connection's application, named without revealing its client id. */
export function applicationKeyOf(secretBox: SecretBox, connection: ConnectionRecord): string {
  const { clientId } = openCredentials(secretBox, connection);
  return `app_${createHash("sha256").update(clientId).digest("hex").slice(0, 16)}`;
}

/** Today's budget of one application. */
export interface RequestBudget {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  dailyLimit: number;
  /** Requests runs reported using today. */
  used: number;
  /** Requests set aside by queued and running runs. */
  reserved: number;
  /** `dailyLimit - used - reserved`, never below 0. */
  remaining: number;
  /** The next 00:00 UTC, when the budget starts again. */
  resetsAt: string;
}

/** The next 00:00 UTC after `now`. */
export function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

export async function readRequestBudget(
  store: SchedulerStore,
  appKey: string,
  dailyLimit: number,
  now: Date,
): Promise<RequestBudget> {
  const day = utcDay(now);
  const { used, reserved } = await store.budgetUse(appKey, day);
  return {
    day,
    dailyLimit,
    used,
    reserved,
    remaining: Math.max(0, dailyLimit - used - reserved),
    resetsAt: nextUtcMidnight(now).toISOString(),
  };
}

/**
 * Requests to set aside for the next run of an export: what its last successful run used (the
 * pipeline records `counts.requests`), or the configured default for a first run.
 */
export async function estimateRunRequests(
  runs: RunStore,
  exportId: string,
  defaultRunRequests: number,
): Promise<number> {
  const last = await runs.lastRequests(exportId);
  return last === undefined || last <= 0 ? defaultRunRequests : last;
}
