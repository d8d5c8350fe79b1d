/**
 * Bulk activities (CONTRACT §2.2): create one without ever creating it twice, and wait for it.
 * A POST that failed ambiguously (5xx, reset, timeout) may still have been accepted, so before
 * sending it again the client looks in `GET /activities` for an activity created meanwhile
 * (CONTRACT §3, checklist 31).
 */
import { z } from "zod";
import type { ApiResponse, ApiTransport } from "./api-transport.ts";
import { CtctActivityError, CtctActivityWaitTimeoutError } from "./errors.ts";
import { pollDelay, resolvePollSchedule } from "./poll-schedule.ts";
import type { PollSchedule } from "./poll-schedule.ts";

/** CONTRACT §2.2 states. */
export type ActivityState =
  "initialized" | "processing" | "completed" | "failed" | "cancelled" | "timed_out";

const FINAL_STATES = new Set(["completed", "failed", "cancelled", "timed_out"]);

export const activitySchema = z.object({
  activity_id: z.string().min(1),
  state: z.string(),
  created_at: z.string().optional(),
  percent_done: z.number().optional(),
  // CONTRACT §7.9: strings here, `{message}` objects on tag activities.
  activity_errors: z
    .array(z.union([z.string(), z.object({ message: z.string() }).transform((e) => e.message)]))
    .optional(),
  status: z.record(z.string(), z.unknown()).optional(),
  _links: z
    .object({
      self: z.object({ href: z.string() }).optional(),
      results: z.object({ href: z.string() }).optional(),
    })
    .optional(),
});

/** An activity as the service reports it. */
export type ActivityResource = z.infer<typeof activitySchema>;

const activitiesPageSchema = z.object({
  activities: z.array(activitySchema).default([]),
  _links: z.object({ next: z.object({ href: z.string() }).optional() }).optional(),
});

/** A completed activity. */
export interface CompletedActivity {
  activityId: string;
  /** Counters of `status` (CONTRACT §2.2), e.g. `person_count`, `cannot_add_to_list_count`. */
  status: Record<string, number>;
  /** Row-level problems; `completed` may still include failed rows. E-mails are not redacted here. */
  activityErrors: string[];
  /** `_links.results.href`, for exports. */
  resultsHref: string | undefined;
}

/** Options of {@link waitForActivity}. */
export interface WaitOptions {
  /** Give up after this many ms. @default 1_800_000 (30 min; a 40,000-item import takes ≈ 42 s) */
  timeoutMs?: number;
  /** @default resolvePollSchedule() */
  pollSchedule?: Partial<PollSchedule>;
  /** @default a `setTimeout` promise */
  sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  now?: () => number;
}

/** Reads one activity. */
export async function getActivity(
  transport: ApiTransport,
  activityId: string,
): Promise<ActivityResource> {
  const response = await transport.send({
    operation: "get_activity",
    method: "GET",
    path: `/activities/${encodeURIComponent(activityId)}`,
  });
  return transport.parse(activitySchema, response, "get_activity");
}

/**
 * Polls an activity until it ends.
 * @returns its counters and errors when it `completed`.
 * @throws CtctActivityError when it ended `failed`, `timed_out` or `cancelled`.
 * @throws CtctActivityWaitTimeoutError when it did not end within `timeoutMs`.
 */
export async function waitForActivity(
  transport: ApiTransport,
  activityId: string,
  options: WaitOptions = {},
): Promise<CompletedActivity> {
  const schedule = resolvePollSchedule(options.pollSchedule);
  const timeoutMs = options.timeoutMs ?? 1_800_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + timeoutMs;
  let lastState = "initialized";
  for (let poll = 0; ; poll += 1) {
    const remaining = deadline - now();
    if (remaining <= 0) throw new CtctActivityWaitTimeoutError(activityId, lastState, timeoutMs);
    // The last wait is cut short so that one poll happens right at the deadline.
    await sleep(Math.min(pollDelay(schedule, poll), remaining));
    const activity = await getActivity(transport, activityId);
    lastState = activity.state;
    if (!FINAL_STATES.has(activity.state)) continue;
    const activityErrors = activity.activity_errors ?? [];
    if (activity.state !== "completed") {
      throw new CtctActivityError(
        activityId,
        activity.state as "failed" | "timed_out" | "cancelled",
        activityErrors,
        { operation: "get_activity" },
      );
    }
    return {
      activityId,
      status: numericCounters(activity.status),
      activityErrors,
      resultsHref: activity._links?.results?.href,
    };
  }
}

/** Identifies the activity a POST would create, for recovery after an ambiguous failure. */
export interface ActivityFingerprint {
  /** `status.items_total_count` the activity will report, when known. */
  itemsTotal?: number | undefined;
}

/**
 * Creates activities without duplicates. It remembers which activities it already owns and the
 * service's clock (from `created_at` of the activities it created), so after an ambiguous
 * failure it can tell an activity created by the lost POST from older ones.
 */
export class ActivityCreator {
  private readonly transport: ApiTransport;
  private readonly owned = new Set<string>();
  /** Service time minus local time, in ms, learned from creation responses. */
  private serverOffsetMs: number | undefined;

  constructor(transport: ApiTransport) {
    this.transport = transport;
  }

  /** POSTs `body` to `/activities/<kind>` and returns the created activity. */
  async create(
    kind: string,
    body: string | Uint8Array | object,
    fingerprint: ActivityFingerprint = {},
  ): Promise<ActivityResource> {
    const sentAt = Date.now();
    const response: ApiResponse = await this.transport.send({
      operation: kind,
      method: "POST",
      path: `/activities/${kind}`,
      body,
      recover: () => this.findCreatedSince(sentAt, fingerprint),
    });
    const activity = this.transport.parse(activitySchema, response, kind);
    this.owned.add(activity.activity_id);
    if (!response.recovered) {
      const created = Date.parse(activity.created_at ?? "");
      if (Number.isFinite(created)) this.serverOffsetMs = created - Date.now();
    }
    return activity;
  }

  /**
   * The oldest activity not owned yet, created no earlier than `sentAt` on the service's clock
   * (with 5 s of slack), whose item count matches. Reads at most two pages of 50, newest first.
   */
  private async findCreatedSince(
    sentAt: number,
    fingerprint: ActivityFingerprint,
  ): Promise<ActivityResource | undefined> {
    // The service's clock: from our own creations, else from the `Date` header (1 s resolution).
    const offset = this.serverOffsetMs ?? this.transport.serverClockOffsetMs();
    const lowerBound = offset === undefined ? undefined : sentAt + offset - 5_000;
    const candidates: ActivityResource[] = [];
    let href: string | undefined;
    for (let page = 0; page < 2; page += 1) {
      const response = await this.transport.send(
        href === undefined
          ? {
              operation: "list_activities",
              method: "GET",
              path: "/activities",
              query: { limit: 50 },
            }
          : { operation: "list_activities", method: "GET", href },
      );
      const parsed = this.transport.parse(activitiesPageSchema, response, "list_activities");
      let older = false;
      for (const activity of parsed.activities) {
        const created = Date.parse(activity.created_at ?? "");
        if (lowerBound !== undefined && Number.isFinite(created) && created < lowerBound) {
          older = true;
          continue;
        }
        if (this.owned.has(activity.activity_id)) continue;
        const total = activity.status?.items_total_count;
        if (
          fingerprint.itemsTotal !== undefined &&
          typeof total === "number" &&
          total !== fingerprint.itemsTotal
        ) {
          continue;
        }
        candidates.push(activity);
      }
      href = parsed._links?.next?.href;
      if (older || href === undefined) break;
    }
    const found = candidates.at(-1);
    if (found !== undefined) this.owned.add(found.activity_id);
    return found;
  }
}

function numericCounters(status: Record<string, unknown> | undefined): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const [key, value] of Object.entries(status ?? {})) {
    if (typeof value === "number") counters[key] = value;
  }
  return counters;
}
