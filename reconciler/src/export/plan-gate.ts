/**
 * Plans cost Constant Contact requests (the list, the opt-outs) from the application's shared
 * daily budget, and anyone who may read an export may ask for one. The gate reuses a plan while
 * what it depends on is unchanged (its reuse key, `planReuseKey`), and limits how many plans
 * each API token may have made afresh per minute. In-process: each replica keeps its own.
 */
import { AppError } from "../core/errors.ts";
import type { PlannedExport } from "./export-planner.ts";

export interface PlanGateOptions {
  /** How long a plan is reused while its key is unchanged, in ms; 0 turns reuse off. */
  reuseMs: number;
  /** Plans one token may have made afresh per minute (reused ones are free). */
  perTokenPerMinute: number;
  /** The clock, in ms. @default Date.now */
  now?: () => number;
}

/** At most this many plans are kept for reuse; the oldest go first. */
const MAX_KEPT_PLANS = 500;
const MINUTE_MS = 60_000;

export class PlanGate {
  readonly #options: PlanGateOptions;
  readonly #now: () => number;
  readonly #plans = new Map<string, { plan: PlannedExport; at: number }>();
  readonly #madeBy = new Map<string, number[]>();

  constructor(options: PlanGateOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The plan with `key`: the kept one while it is fresh, or a new one from `make`, which counts
   * against `tokenName`'s rate.
   * @throws AppError `PLAN_RATE_LIMITED` (retryable) when the token made its plans for this minute.
   */
  async plan(
    tokenName: string,
    key: string | undefined,
    make: () => Promise<PlannedExport>,
  ): Promise<PlannedExport & { reused: boolean }> {
    const now = this.#now();
    this.#forgetStale(now);
    const kept = key === undefined ? undefined : this.#plans.get(key);
    if (kept !== undefined) return { ...kept.plan, reused: true };
    this.#take(tokenName, now);
    const plan = await make();
    if (key !== undefined && this.#options.reuseMs > 0) {
      this.#plans.set(key, { plan, at: this.#now() });
      if (this.#plans.size > MAX_KEPT_PLANS) {
        const oldest = this.#plans.keys().next();
        if (oldest.done !== true) this.#plans.delete(oldest.value);
      }
    }
    return { ...plan, reused: false };
  }

  #take(tokenName: string, now: number): void {
    const recent = (this.#madeBy.get(tokenName) ?? []).filter((at) => now - at < MINUTE_MS);
    const limit = this.#options.perTokenPerMinute;
    if (recent.length >= limit) {
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil(((recent[0] ?? now) + MINUTE_MS - now) / 1000),
      );
      throw new AppError(
        "PLAN_RATE_LIMITED",
        `this token made ${limit} plans in the last minute (plans.perTokenPerMinute); each costs ` +
          `Constant Contact requests from the shared daily budget. Try again in ${retryAfterSeconds} s`,
        { retryable: true, details: { limitPerMinute: limit, retryAfterSeconds } },
      );
    }
    recent.push(now);
    this.#madeBy.set(tokenName, recent);
  }

  #forgetStale(now: number): void {
    for (const [key, entry] of this.#plans) {
      if (now - entry.at >= this.#options.reuseMs) this.#plans.delete(key);
    }
    for (const [token, times] of this.#madeBy) {
      if (times.every((at) => now - at >= MINUTE_MS)) this.#madeBy.delete(token);
    }
  }
}
