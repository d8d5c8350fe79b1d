/**
 * Fault injection (CONTRACT §6). Tests and `ccx emulator` set faults; the server consults them on
 * every request. Route keys are `"METHOD /v3/path/{param}"` templates as reported by
 * `inspect.requestCounts()` (e.g. `"GET /v3/contacts"`, `"POST /oauth2/default/v1/token"`), or
 * `"*"` for every route.
 */
import type { ActivityKind, ActivityPlan } from "./activities.ts";

/** Options shared by per-route faults: how many calls, or with what probability. */
export interface RouteFaultOptions {
  /** Affect the next `calls` matching calls, then stop. @default unlimited when `probability` is set, else 1 */
  calls?: number;
  /** Affect each matching call with this probability (0–1) instead of a count. */
  probability?: number;
}

/** How the next matching activities end (CONTRACT §6 "Activities"). */
export interface ActivityOutcomeFault {
  /** Final state instead of `completed`. */
  outcome: "failed" | "timed_out" | "cancelled";
  /** Only activities of this endpoint. @default any */
  kind?: ActivityKind;
  /** How many activities. @default 1 */
  count?: number;
  /** `activity_errors` strings to report. @default ["The activity <outcome>."] */
  errors?: string[];
  /** Share (0–1) of the items whose effects are applied anyway. @default 0 (no effects) */
  partialEffects?: number;
}

/** The fault-injection surface of a running emulator. */
export interface EmulatorFaults {
  /**
   * Adds `throttled` 429s on top of the real limiter (CONTRACT §6 "Limits"): the next `calls`
   * `/v3` calls, or every call for `durationMs` of virtual time. Scoped to one `clientId` or all.
   */
  throttleBurst(options: { calls?: number; durationMs?: number; clientId?: string }): void;
  /**
   * Sets how many more `/v3` calls `clientId` may make today; after that every call gets
   * `quota_exceeded` until the next virtual 00:00 UTC, when the budget returns to 10,000.
   * Works even when `rateLimits` is false.
   */
  setDailyBudget(clientId: string, remaining: number): void;
  /** Shorthand for `setDailyBudget(clientId, 0)`. */
  exhaustDailyQuota(clientId: string): void;
  /**
   * Answers matching calls with a 5xx before they take effect (CONTRACT §6 "Transport").
   * @param options.status @default 503
   * @param options.body `"json"`: the array error shape; `"text"`: a non-JSON HTML page. @default "json"
   */
  serverErrors(
    route: string,
    options?: RouteFaultOptions & { status?: 500 | 502 | 503 | 504; body?: "json" | "text" },
  ): void;
  /** Delays matching calls by `ms` of real time (to go past a client's timeout). */
  latency(route: string, options: RouteFaultOptions & { ms: number }): void;
  /**
   * Destroys the connection of matching calls without a response. With `afterEffect: true` the
   * call is processed first (the list is created, the activity queued) and only the response is
   * lost. @default afterEffect false
   */
  dropConnections(route: string, options?: RouteFaultOptions & { afterEffect?: boolean }): void;
  /** Makes the next matching activities end `failed`, `timed_out` or `cancelled`. */
  activityOutcome(fault: ActivityOutcomeFault): void;
  /**
   * Makes the next matching activities never finish: stuck in `initialized`, or in `processing`
   * with `percent_done` stalled at `percentDone` (@default 50).
   */
  stuckActivities(options: {
    stage: "initialized" | "processing";
    percentDone?: number;
    kind?: ActivityKind;
    count?: number;
  }): void;
  /** Slows (or speeds) processing to `itemsPerSecond` for activities created from now; undefined restores CONTRACT §2.2 timing. */
  processingSpeed(itemsPerSecond: number | undefined): void;
  /**
   * Forces an import row with this email (case-insensitive) to count as `correctable`, `error`
   * or `cannot_add` (and be skipped); undefined removes the override.
   */
  forceRowOutcome(email: string, outcome: "correctable" | "error" | "cannot_add" | undefined): void;
  /** Adds `count` activities stuck in `initialized` to an account, to fill the queue (CONTRACT §2.1). */
  preloadActivities(accountId: string, count: number): void;
  /** Makes access tokens expire now: one token, one client's, or all. @returns how many */
  expireAccessTokens(filter?: { token?: string; clientId?: string }): number;
  /** Revokes access tokens: one token, one client's, or all. @returns how many */
  revokeAccessTokens(filter?: { token?: string; clientId?: string }): number;
  /** Revokes refresh tokens: their next use gets `invalid_grant`. @returns how many */
  revokeRefreshTokens(filter?: { token?: string; clientId?: string }): number;
  /** CONTRACT §5: when enabled, a refresh revokes the previous access tokens of the grant. @default false */
  revokeAccessTokensOnRefresh(enabled: boolean): void;
  /** Rotates an app's client secret; the old one then gets 401 `invalid_client`. @returns the new secret */
  rotateClientSecret(clientId: string, newSecret?: string): string;
  /** Deactivates (or reactivates) an app: every API call gets 403 (CONTRACT §5). */
  deactivateApp(clientId: string, deactivated?: boolean): void;
  /** Removes a scope from every token of an app: calls that need it get 403. */
  dropScope(clientId: string, scope: string): void;
  /** The next `calls` token-endpoint requests get 429 (OAuth error shape). */
  throttleTokenEndpoint(calls: number): void;
  /** Invalidates every cursor handed out so far: following an old `_links.next` gets 400. */
  invalidateCursors(): void;
  /** Lowers (or restores) the import body threshold beyond which items are dropped. @default 4_000_000 */
  setImportByteLimit(bytes: number): void;
  /** Removes every fault and override set through this object. */
  clear(): void;
}

/** A per-route fault with its remaining budget. */
interface RouteFault<T> {
  route: string;
  remaining: number;
  probability: number | undefined;
  detail: T;
}

/** Default import threshold (CONTRACT §2.3: 4,000,000 bytes). */
export const defaultImportByteLimit = 4_000_000;

/**
 * Mutable fault settings consulted by the server. The public {@link EmulatorFaults} methods that
 * need other parts of the emulator (tokens, activities) are wired in `server.ts`.
 */
export class FaultState {
  throttleCalls = new Map<string, number>();
  throttleUntil = new Map<string, number>();
  serverErrors: Array<RouteFault<{ status: number; body: "json" | "text" }>> = [];
  latencies: Array<RouteFault<{ ms: number }>> = [];
  drops: Array<RouteFault<{ afterEffect: boolean }>> = [];
  activityPlans: Array<{ kind: ActivityKind | undefined; remaining: number; plan: ActivityPlan }> =
    [];
  itemsPerSecond: number | undefined = undefined;
  rowOutcomes = new Map<string, "correctable" | "error" | "cannot_add">();
  tokenThrottleCalls = 0;
  cursorGeneration = 0;
  importByteLimit = defaultImportByteLimit;
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Adds a route fault. */
  addRouteFault<T>(
    list: Array<RouteFault<T>>,
    route: string,
    options: RouteFaultOptions,
    detail: T,
  ): void {
    const remaining = options.calls ?? (options.probability === undefined ? 1 : Infinity);
    list.push({ route, remaining, probability: options.probability, detail });
  }

  /** Takes the first route fault that applies to this call, consuming one of its calls. */
  takeRouteFault<T>(list: Array<RouteFault<T>>, route: string): T | undefined {
    for (const fault of list) {
      if (fault.remaining <= 0) continue;
      if (fault.route !== "*" && fault.route !== route) continue;
      if (fault.probability !== undefined && this.#random() >= fault.probability) continue;
      fault.remaining -= 1;
      return fault.detail;
    }
    return undefined;
  }

  /** Whether a fault-induced throttle applies to this client's call now (consumes a call). */
  takeThrottle(clientId: string, nowMs: number): boolean {
    for (const key of [clientId, "*"]) {
      const until = this.throttleUntil.get(key);
      if (until !== undefined && nowMs < until) return true;
      const calls = this.throttleCalls.get(key) ?? 0;
      if (calls > 0) {
        this.throttleCalls.set(key, calls - 1);
        return true;
      }
    }
    return false;
  }

  /** The plan for the next activity of `kind`, consuming one. */
  takeActivityPlan(kind: ActivityKind): ActivityPlan {
    for (const entry of this.activityPlans) {
      if (entry.remaining <= 0) continue;
      if (entry.kind !== undefined && entry.kind !== kind) continue;
      entry.remaining -= 1;
      return entry.plan;
    }
    return {};
  }

  /** Resets every setting. */
  clear(): void {
    this.throttleCalls.clear();
    this.throttleUntil.clear();
    this.serverErrors = [];
    this.latencies = [];
    this.drops = [];
    this.activityPlans = [];
    this.itemsPerSecond = undefined;
    this.rowOutcomes.clear();
    this.tokenThrottleCalls = 0;
    this.importByteLimit = defaultImportByteLimit;
  }
}
