/**
 * Self-pacing for one Constant Contact application key (CONTRACT §2.1): the service allows
 * 4 requests per sliding second and 10,000 per UTC day per `client_id`, across all accounts, and
 * sends no `Retry-After`. Everything that uses one key must share one limiter:
 * {@link sharedRateLimiter} keeps one per `client_id` in the process.
 */
import { CtctQuotaExceededError } from "./errors.ts";

const DAY_MS = 86_400_000;

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Requests allowed per window. @default 4 */
  requestsPerWindow?: number;
  /**
   * Length of the sliding window, in ms. A little over the service's 1,000 ms so that network
   * jitter cannot squeeze five requests into one server-side second. @default 1_100
   */
  windowMs?: number;
  /** Requests per UTC day. @default 10_000 */
  dailyBudget?: number;
  /** Clock in epoch ms. @default Date.now */
  now?: () => number;
  /** Waits `ms`. @default a `setTimeout` promise */
  sleep?: (ms: number) => Promise<void>;
}

/** Budget set aside for one piece of work (e.g. one export run) today. */
export interface BudgetReservation {
  /** Requests still reserved and unused. */
  readonly remaining: number;
  /** Returns the unused part to the shared budget. */
  release(): void;
}

interface ReservationState extends BudgetReservation {
  remaining: number;
  day: number;
}

/** Paces requests and keeps the daily count of one application key. */
export class RateLimiter {
  readonly requestsPerWindow: number;
  readonly windowMs: number;
  readonly dailyBudget: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Start times of the most recent grants, oldest first, at most `requestsPerWindow`. */
  private readonly recent: number[] = [];
  private day: number;
  private usedToday = 0;
  private reservedToday = 0;
  private exhaustedDay: number | undefined;

  constructor(options: RateLimiterOptions = {}) {
    this.requestsPerWindow = options.requestsPerWindow ?? 4;
    this.windowMs = options.windowMs ?? 1_100;
    this.dailyBudget = options.dailyBudget ?? 10_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.day = Math.floor(this.now() / DAY_MS);
  }

  /**
   * Waits for a slot and counts one request against today's budget. Slots are handed out in
   * call order, computed synchronously, so concurrent callers never share a slot.
   * @throws CtctQuotaExceededError when today's budget (net of others' reservations) is spent.
   */
  async acquire(reservation?: BudgetReservation): Promise<void> {
    this.rollDay();
    const held = reservation as ReservationState | undefined;
    const fromReservation = held !== undefined && held.day === this.day && held.remaining > 0;
    if (!fromReservation && this.remainingToday() <= 0) throw this.quotaError();
    if (fromReservation) {
      held.remaining -= 1;
      this.reservedToday -= 1;
    }
    this.usedToday += 1;

    const now = this.now();
    const oldest =
      this.recent.length >= this.requestsPerWindow
        ? this.recent[this.recent.length - this.requestsPerWindow]
        : undefined;
    const slot = oldest === undefined ? now : Math.max(now, oldest + this.windowMs);
    this.recent.push(slot);
    if (this.recent.length > this.requestsPerWindow) this.recent.shift();
    if (slot > now) await this.sleep(slot - now);
  }

  /** Requests that may still be sent today, excluding budget reserved by others. */
  remainingToday(): number {
    this.rollDay();
    if (this.exhaustedDay === this.day) return 0;
    return Math.max(0, this.dailyBudget - this.usedToday - this.reservedToday);
  }

  /** When the daily budget starts again: the next 00:00 UTC. */
  resetsAt(): Date {
    this.rollDay();
    return new Date((this.day + 1) * DAY_MS);
  }

  /** True when `count` more requests fit in today's remaining budget. */
  fitsToday(count: number): boolean {
    return count <= this.remainingToday();
  }

  /**
   * Sets `count` requests of today's budget aside, so other work cannot spend them. Pass the
   * reservation to {@link acquire}; call `release()` when the work ends.
   * @throws CtctQuotaExceededError when they do not fit; the error says when the day resets.
   */
  reserve(count: number): BudgetReservation {
    if (!this.fitsToday(count)) throw this.quotaError();
    this.reservedToday += count;
    const state: ReservationState = {
      remaining: count,
      day: this.day,
      release: () => {
        if (state.day === this.day) this.reservedToday -= state.remaining;
        state.remaining = 0;
      },
    };
    return state;
  }

  /**
   * Records that the service answered `quota_exceeded` (someone else may share the key): no
   * request is let through until the next 00:00 UTC.
   */
  markExhausted(): void {
    this.rollDay();
    this.exhaustedDay = this.day;
  }

  /** The error to throw when the budget is spent. */
  quotaError(): CtctQuotaExceededError {
    return new CtctQuotaExceededError(this.resetsAt());
  }

  private rollDay(): void {
    const today = Math.floor(this.now() / DAY_MS);
    if (today === this.day) return;
    this.day = today;
    this.usedToday = 0;
    this.reservedToday = 0;
  }
}

const registry = new Map<string, RateLimiter>();

/**
 * The process-wide limiter of an application key. Options apply only when the limiter is first
 * created; later callers share it as is.
 */
export function sharedRateLimiter(clientId: string, options?: RateLimiterOptions): RateLimiter {
  let limiter = registry.get(clientId);
  if (limiter === undefined) {
    limiter = new RateLimiter(options);
    registry.set(clientId, limiter);
  }
  return limiter;
}
