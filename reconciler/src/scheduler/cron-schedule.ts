/**
 * Cron maths for export schedules: the next time a cron expression fires in its IANA time zone.
 * croner does the calendar work (the same library validates `schedule.cron` in the API, so what
 * is accepted is exactly what runs). Pure: the caller passes the clock.
 *
 * Daylight-saving changes follow croner: a time that does not exist (02:30 when clocks jump from
 * 02:00 to 03:00) fires once at the first valid moment after the gap, and a time that happens
 * twice (02:30 when clocks fall back) fires once, at its first occurrence.
 */
import { Cron } from "croner";

/** A cron expression with the time zone it is read in. */
export interface CronSpec {
  cron: string;
  /** IANA time zone. @default "UTC" */
  timeZone: string;
}

/** The cron spec of an export schedule, or undefined when it has no cron. */
export function cronSpecOf(schedule: {
  cron?: string | undefined;
  timeZone?: string | undefined;
  manualOnly?: boolean | undefined;
}): CronSpec | undefined {
  if (schedule.cron === undefined || schedule.manualOnly === true) return undefined;
  return { cron: schedule.cron, timeZone: schedule.timeZone ?? "UTC" };
}

/** A stable text form of a spec, stored to notice when an export's schedule changes. */
export function cronSpecKey(spec: CronSpec): string {
  return `${spec.cron}@${spec.timeZone}`;
}

/**
 * The first fire time strictly after `after`, or undefined when the expression never fires
 * again (e.g. a date in the past).
 * @example nextFireTime({ cron: "0 3 * * *", timeZone: "Europe/Berlin" }, new Date("2026-01-01T00:00:00Z"))
 * // 2026-01-01T02:00:00.000Z (03:00 in Berlin, UTC+1 in winter)
 */
export function nextFireTime(spec: CronSpec, after: Date): Date | undefined {
  const cron = new Cron(spec.cron, { timezone: spec.timeZone, paused: true });
  try {
    return cron.nextRun(after) ?? undefined;
  } finally {
    cron.stop();
  }
}

/** The next `count` fire times after `after`, for previews and tests. */
export function nextFireTimes(spec: CronSpec, after: Date, count: number): Date[] {
  const times: Date[] = [];
  let cursor = after;
  while (times.length < count) {
    const next = nextFireTime(spec, cursor);
    if (next === undefined) break;
    times.push(next);
    cursor = next;
  }
  return times;
}

/** What a cron trigger should do at `now`, given the fire time it planned last. */
export type CronDecision =
  | { kind: "plan"; nextAt: Date | undefined }
  | { kind: "wait" }
  | { kind: "fire"; firedAt: Date; nextAt: Date | undefined };

/**
 * Decides one cron tick. With no planned time (new export, changed schedule) the next fire time
 * is planned without firing; once `now` reaches the planned time the export fires once, however
 * many fire times were missed while no reconciler ran, and the next time after `now` is planned.
 */
export function decideCronTick(
  spec: CronSpec,
  plannedAt: Date | undefined,
  now: Date,
): CronDecision {
  if (plannedAt === undefined) return { kind: "plan", nextAt: nextFireTime(spec, now) };
  if (now.getTime() < plannedAt.getTime()) return { kind: "wait" };
  return { kind: "fire", firedAt: plannedAt, nextAt: nextFireTime(spec, now) };
}
