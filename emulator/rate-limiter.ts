/**
 * Per-API-key limits (CONTRACT §2.1): a sliding 1,000 ms window that does not count rejected
 * calls, and a daily quota that resets at 00:00:00 UTC. `quota_exceeded` wins when both apply.
 */
import { utcDay } from "./clock.ts";

/** Why a call was rejected, or `undefined` when it was accepted. */
export type RateDecision = "throttled" | "quota_exceeded" | undefined;

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Calls allowed in any 1,000 ms window. @default 4 */
  perSecond?: number;
  /** Calls allowed per UTC day. @default 10_000 */
  perDay?: number;
  /** Window length in ms. @default 1000 */
  windowMs?: number;
}

interface KeyState {
  /** Accept times (ms) inside the current window, oldest first. */
  recent: number[];
  day: number;
  usedToday: number;
  /** Daily limit for `day` when a fault overrides it. */
  budgetOverride: number | undefined;
}

/** A sliding-window plus daily-quota limiter keyed by `client_id`. */
export class RateLimiter {
  readonly perSecond: number;
  readonly perDay: number;
  readonly windowMs: number;
  readonly #keys = new Map<string, KeyState>();

  constructor(options: RateLimiterOptions = {}) {
    this.perSecond = options.perSecond ?? 4;
    this.perDay = options.perDay ?? 10_000;
    this.windowMs = options.windowMs ?? 1000;
  }

  /** Decides on one call at `nowMs`; accepted calls are counted, rejected ones are not. */
  take(key: string, nowMs: number): RateDecision {
    const state = this.#state(key, nowMs);
    // CONTRACT §2.1: quota_exceeded wins when both apply.
    if (state.usedToday >= (state.budgetOverride ?? this.perDay)) return "quota_exceeded";
    while (state.recent.length > 0 && (state.recent[0] ?? 0) <= nowMs - this.windowMs) {
      state.recent.shift();
    }
    if (state.recent.length >= this.perSecond) return "throttled";
    state.recent.push(nowMs);
    state.usedToday += 1;
    return undefined;
  }

  /** Sets how many more calls `key` may make today (until the next 00:00 UTC). */
  setRemainingToday(key: string, remaining: number, nowMs: number): void {
    const state = this.#state(key, nowMs);
    state.budgetOverride = state.usedToday + Math.max(0, remaining);
  }

  /** Calls `key` made today. */
  usedToday(key: string, nowMs: number): number {
    return this.#state(key, nowMs).usedToday;
  }

  /** Forgets all counters. */
  reset(): void {
    this.#keys.clear();
  }

  #state(key: string, nowMs: number): KeyState {
    const day = utcDay(nowMs);
    let state = this.#keys.get(key);
    if (state === undefined) {
      state = { recent: [], day, usedToday: 0, budgetOverride: undefined };
      this.#keys.set(key, state);
    }
    if (state.day !== day) {
      // CONTRACT §2.1: the day resets at 00:00:00 UTC, and so does any fault budget.
      state.day = day;
      state.usedToday = 0;
      state.budgetOverride = undefined;
    }
    return state;
  }
}
