/**
 * Rule: cron schedules fire only inside the organisation's allowed windows (e.g. nights, when the
 * Constant Contact budget and the data lake are quiet). Each firing of a reference week is checked,
 * so `0 * * * *` is judged hour by hour, not by its first run.
 */
import { Cron } from "croner";
import { ccxKindOf, nameOf, objectOf, type PolicyResourceView } from "./ccx-resource.ts";

/** A time window on some days of the week. */
export interface ScheduleWindow {
  /** Days it applies to, as `mon` … `sun`. @default every day */
  days?: string[];
  /** Start, `HH:MM` (inclusive). */
  from: string;
  /** End, `HH:MM` (exclusive); before `from` when the window spans midnight. */
  to: string;
}

/** Configuration of `ccx-schedule-windows`. */
export interface ScheduleWindowsConfig {
  /** The allowed windows; unset or empty: any time. */
  windows?: ScheduleWindow[];
  /** IANA time zone of the windows. @default UTC */
  timeZone?: string;
}

/** The policy's name, as `--policy-pack-config` keys it. */
export const SCHEDULE_WINDOWS = "ccx-schedule-windows";

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

// A fixed week (Monday 5 January 2026, UTC) keeps verdicts the same on every run; in January no
// northern-hemisphere zone is on summer time, which the windows' clock times assume.
const WEEK_START = Date.UTC(2026, 0, 5);
const WEEK_END = WEEK_START + 7 * 24 * 60 * 60 * 1000;
// A cron firing every minute fires 10,080 times a week; stop counting after that.
const MAX_FIRINGS = 7 * 24 * 60;

function minutesOf(clock: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(clock);
  return match === null ? undefined : Number(match[1]) * 60 + Number(match[2]);
}

/** Day (`mon`…) and minute of the day of `date` in `timeZone`. */
function localTime(date: Date, timeZone: string): { day: string; minute: number; clock: string } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const hour = Number(part("hour"));
  const minute = Number(part("minute"));
  const clock = `${part("hour")}:${part("minute")}`;
  return { day: part("weekday").toLowerCase().slice(0, 3), minute: hour * 60 + minute, clock };
}

function inWindow(local: { day: string; minute: number }, window: ScheduleWindow): boolean {
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  if (from === undefined || to === undefined) return false;
  const days = window.days ?? DAYS;
  if (from <= to) return days.includes(local.day) && local.minute >= from && local.minute < to;
  // Spanning midnight: the evening part on a listed day, the morning part on the day after.
  const yesterday = DAYS[(DAYS.indexOf(local.day) + 6) % 7] ?? "";
  return (
    (days.includes(local.day) && local.minute >= from) ||
    (days.includes(yesterday) && local.minute < to)
  );
}

function describeWindows(config: ScheduleWindowsConfig): string {
  const windows = (config.windows ?? []).map(
    (w) => `${w.days === undefined ? "daily" : w.days.join(",")} ${w.from}-${w.to}`,
  );
  return `${windows.join("; ")} ${config.timeZone ?? "UTC"}`;
}

/** Violations of the rule by `resource` (none for other resources). */
export function checkScheduleWindows(
  resource: PolicyResourceView,
  config: ScheduleWindowsConfig = {},
): string[] {
  const windows = config.windows ?? [];
  if (windows.length === 0 || ccxKindOf(resource.type) !== "SegmentExport") return [];
  const schedule = objectOf(resource.props["schedule"]);
  const pattern = schedule?.["cron"];
  if (typeof pattern !== "string") return [];
  const name = nameOf(resource);
  const scheduleZone = typeof schedule?.["timeZone"] === "string" ? schedule["timeZone"] : "UTC";
  const windowZone = config.timeZone ?? "UTC";
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone: scheduleZone, paused: true });
  } catch {
    // The provider's check reports a bad expression against schedule.cron.
    return [];
  }
  try {
    let next = cron.nextRun(new Date(WEEK_START - 1));
    for (
      let firings = 0;
      next !== null && next.getTime() < WEEK_END && firings < MAX_FIRINGS;
      firings++
    ) {
      const local = localTime(next, windowZone);
      if (!windows.some((window) => inWindow(local, window))) {
        return [
          `export '${name}' runs at ${local.clock} on ${local.day} (${windowZone}) with cron '${pattern}' (${scheduleZone}), outside the allowed windows (${describeWindows(config)}); change schedule.cron so that every run falls inside a window, or use manualOnly`,
        ];
      }
      next = cron.nextRun(next);
    }
  } finally {
    cron.stop();
  }
  return [];
}
