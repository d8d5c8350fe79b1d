/**
 * Activity lifecycle (CONTRACT §2.2): `initialized` → `processing` → a final state, on the
 * virtual clock. Activities are settled lazily (before every request and inspection, and when the
 * clock moves), so there are no timers; effects are applied atomically when an activity reaches
 * `completed`, in completion order.
 */
import { newUuid } from "./ids.ts";

/** The activity endpoints the emulator implements. */
export type ActivityKind =
  | "contacts_json_import"
  | "remove_list_memberships"
  | "add_list_memberships"
  | "contact_exports"
  | "contact_delete"
  | "list_delete";

/** CONTRACT §2.2 states. */
export type ActivityState =
  "initialized" | "processing" | "completed" | "failed" | "cancelled" | "timed_out";

/** What applying an activity produced: final status counters and error strings. */
export interface ActivityResult {
  status: Record<string, number>;
  errors: string[];
}

/**
 * Applies an activity's effects. `fraction` is 1 for a normal completion and less for a fault
 * that ends the activity with partial effects.
 */
export type ActivityEffect = (
  fraction: number,
  nowMs: number,
  activity: Activity,
) => ActivityResult;

/**
 * What the engine needs of an account: the log its activities are kept in (CONTRACT §2.2
 * history). `Account` in `state/account.ts` is one; naming only this keeps the engine and the
 * account state from importing each other.
 */
export interface ActivityOwner {
  /** Activities in creation order. */
  readonly activities: Activity[];
}

/** One activity. */
export interface Activity {
  id: string;
  kind: ActivityKind;
  account: ActivityOwner;
  seq: number;
  state: ActivityState;
  createdAt: number;
  updatedAt: number;
  /** Virtual time at which processing starts; Infinity when stuck in `initialized`. */
  startAt: number;
  /** Virtual time at which the activity ends; Infinity when stalled in `processing`. */
  endAt: number;
  startedAt: number | undefined;
  completedAt: number | undefined;
  percentDone: number;
  /** Upper bound on `percent_done` while stalled. */
  stallPercent: number | undefined;
  /** Final state other than `completed`, chosen by a fault. */
  outcome: "completed" | "failed" | "cancelled" | "timed_out";
  /** Share of effects applied when `outcome` is not `completed`. */
  partialFraction: number;
  outcomeErrors: string[];
  status: Record<string, number>;
  errors: string[];
  effect: ActivityEffect | undefined;
  /** For exports: the results link is shown once completed. */
  hasResults: boolean;
}

/** How an activity should deviate from the normal lifecycle (set by faults). */
export interface ActivityPlan {
  outcome?: "completed" | "failed" | "cancelled" | "timed_out";
  partialFraction?: number;
  errors?: string[];
  stuck?: "initialized" | "processing";
  stallPercent?: number;
}

/** Options of {@link ActivityEngine}. */
export interface ActivityEngineOptions {
  /** CONTRACT §2.2 timing or immediate completion. @default "realistic" */
  timing: "realistic" | "instant";
  /** Processing speed override in items per second (a fault); undefined means CONTRACT §2.2. */
  itemsPerSecond: () => number | undefined;
}

/** CONTRACT §2.2: activity history is kept 10 days. */
export const activityHistoryMs = 10 * 86_400_000;

/** CONTRACT §2.1: at most 1,000 queued (initialized + processing) activities per account. */
export const maxQueuedActivities = 1000;

/** Creates, times and settles activities for all accounts of an emulator. */
export class ActivityEngine {
  readonly #options: ActivityEngineOptions;
  /** Activities not yet in a final state, in creation order. */
  readonly #pending = new Set<Activity>();
  #seq = 0;

  constructor(options: ActivityEngineOptions) {
    this.#options = options;
  }

  /** Creates an activity in `initialized` state and schedules it on the virtual clock. */
  create(
    account: ActivityOwner,
    kind: ActivityKind,
    itemsTotal: number,
    initialStatus: Record<string, number>,
    effect: ActivityEffect,
    nowMs: number,
    plan: ActivityPlan = {},
  ): Activity {
    const speed = this.#options.itemsPerSecond();
    const instant = this.#options.timing === "instant";
    // CONTRACT §2.2: ≥1 s initialized, then 1 s + 1 s per 1,000 items processing.
    const startAt = plan.stuck === "initialized" ? Infinity : instant ? nowMs : nowMs + 1000;
    let duration = instant ? 0 : 1000 + itemsTotal;
    if (speed !== undefined && speed > 0) duration = Math.ceil((itemsTotal / speed) * 1000);
    const endAt = plan.stuck !== undefined ? Infinity : startAt + duration;
    this.#seq += 1;
    const activity: Activity = {
      id: newUuid(),
      kind,
      account,
      seq: this.#seq,
      state: "initialized",
      createdAt: nowMs,
      updatedAt: nowMs,
      startAt,
      endAt,
      startedAt: undefined,
      completedAt: undefined,
      percentDone: 0,
      stallPercent: plan.stuck === "processing" ? (plan.stallPercent ?? 50) : undefined,
      outcome: plan.outcome ?? "completed",
      partialFraction: plan.partialFraction ?? 0,
      outcomeErrors: plan.errors ?? [],
      status: initialStatus,
      errors: [],
      effect,
      hasResults: false,
    };
    account.activities.push(activity);
    this.#pending.add(activity);
    return activity;
  }

  /** Moves every pending activity to the state it has at `nowMs`, applying due effects in order. */
  settle(nowMs: number): void {
    if (this.#pending.size === 0) return;
    const due: Activity[] = [];
    for (const activity of this.#pending) {
      if (nowMs >= activity.endAt) {
        due.push(activity);
        continue;
      }
      if (nowMs >= activity.startAt) {
        if (activity.state === "initialized") {
          activity.state = "processing";
          activity.startedAt = activity.startAt;
        }
        const span = activity.endAt - activity.startAt;
        let percent =
          Number.isFinite(span) && span > 0
            ? Math.floor(((nowMs - activity.startAt) / span) * 100)
            : 0;
        if (activity.stallPercent !== undefined) percent = activity.stallPercent;
        percent = Math.min(99, Math.max(activity.percentDone, percent));
        if (percent !== activity.percentDone) {
          activity.percentDone = percent;
          activity.updatedAt = nowMs;
        }
      }
    }
    due.sort((a, b) => a.endAt - b.endAt || a.seq - b.seq);
    for (const activity of due) this.#finish(activity);
  }

  /** Activities of `account` still `initialized` or `processing` (CONTRACT §2.1 queue). */
  queuedCount(account: ActivityOwner): number {
    let count = 0;
    for (const activity of this.#pending) if (activity.account === account) count += 1;
    return count;
  }

  #finish(activity: Activity): void {
    this.#pending.delete(activity);
    const at = activity.endAt;
    activity.startedAt ??= activity.startAt;
    const fraction = activity.outcome === "completed" ? 1 : activity.partialFraction;
    if (activity.effect !== undefined && fraction > 0) {
      const result = activity.effect(fraction, at, activity);
      activity.status = result.status;
      activity.errors = result.errors;
    }
    activity.effect = undefined; // release the payload
    activity.state = activity.outcome;
    if (activity.outcome === "completed") {
      activity.percentDone = 100;
      activity.hasResults = activity.kind === "contact_exports";
    } else {
      activity.errors = [...activity.errors, ...activity.outcomeErrors];
      if (activity.errors.length === 0) activity.errors = [`The activity ${activity.outcome}.`];
    }
    activity.completedAt = at;
    activity.updatedAt = at;
  }
}

/** The JSON representation of an activity (CONTRACT §2.2: times omitted until reached). */
export function renderActivity(activity: Activity): Record<string, unknown> {
  const body: Record<string, unknown> = {
    activity_id: activity.id,
    state: activity.state,
    created_at: new Date(activity.createdAt).toISOString(),
    updated_at: new Date(activity.updatedAt).toISOString(),
  };
  if (activity.startedAt !== undefined)
    body.started_at = new Date(activity.startedAt).toISOString();
  if (activity.completedAt !== undefined) {
    body.completed_at = new Date(activity.completedAt).toISOString();
  }
  body.percent_done = activity.percentDone;
  body.activity_errors = activity.errors;
  body.status = activity.status;
  const links: Record<string, { href: string }> = {
    self: { href: `/v3/activities/${activity.id}` },
  };
  // CONTRACT §7.10: the emulator emits the path form, using the activity id.
  if (activity.hasResults) links.results = { href: `/v3/contact_exports/${activity.id}` };
  body._links = links;
  return body;
}
