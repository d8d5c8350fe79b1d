import { afterEach, describe, expect, it, vi } from "vitest";
import {
  cronSpecKey,
  cronSpecOf,
  decideCronTick,
  nextFireTime,
  nextFireTimes,
  type CronSpec,
} from "./cron-schedule.ts";

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe("next fire times in IANA time zones", () => {
  it.each([
    {
      what: "03:00 daily in UTC",
      spec: { cron: "0 3 * * *", timeZone: "UTC" },
      after: "2026-03-07T12:00:00Z",
      expected: ["2026-03-08T03:00:00.000Z", "2026-03-09T03:00:00.000Z"],
    },
    {
      what: "03:00 daily in Berlin in winter (UTC+1)",
      spec: { cron: "0 3 * * *", timeZone: "Europe/Berlin" },
      after: "2026-01-10T00:00:00Z",
      expected: ["2026-01-10T02:00:00.000Z", "2026-01-11T02:00:00.000Z"],
    },
    {
      what: "03:00 daily in Berlin in summer (UTC+2)",
      spec: { cron: "0 3 * * *", timeZone: "Europe/Berlin" },
      after: "2026-07-10T00:00:00Z",
      expected: ["2026-07-10T01:00:00.000Z", "2026-07-11T01:00:00.000Z"],
    },
    {
      what: "09:00 on weekdays in Kolkata (UTC+5:30, no DST), skipping the weekend",
      spec: { cron: "0 9 * * 1-5", timeZone: "Asia/Kolkata" },
      after: "2026-03-06T12:00:00Z",
      expected: ["2026-03-09T03:30:00.000Z", "2026-03-10T03:30:00.000Z"],
    },
    {
      what: "every 15 minutes in New York",
      spec: { cron: "*/15 * * * *", timeZone: "America/New_York" },
      after: "2026-05-01T10:07:00Z",
      expected: ["2026-05-01T10:15:00.000Z", "2026-05-01T10:30:00.000Z"],
    },
  ])("$what", ({ spec, after, expected }) => {
    expect(iso(nextFireTimes(spec, new Date(after), expected.length))).toEqual(expected);
  });
});

describe("daylight-saving changes", () => {
  it("Berlin spring forward: 02:30 does not exist on 29 March and fires once at 03:00 CEST", () => {
    const spec = { cron: "30 2 * * *", timeZone: "Europe/Berlin" };
    expect(iso(nextFireTimes(spec, new Date("2026-03-28T00:00:00Z"), 3))).toEqual([
      "2026-03-28T01:30:00.000Z", // 02:30 CET
      "2026-03-29T01:00:00.000Z", // the gap: 03:00 CEST, the first valid moment
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
    ]);
  });

  it("Berlin fall back: 02:30 happens twice on 25 October and fires once", () => {
    const spec = { cron: "30 2 * * *", timeZone: "Europe/Berlin" };
    expect(iso(nextFireTimes(spec, new Date("2026-10-24T00:00:00Z"), 3))).toEqual([
      "2026-10-24T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T00:30:00.000Z", // the first 02:30 (CEST); the second one (01:30Z) is skipped
      "2026-10-26T01:30:00.000Z", // 02:30 CET
    ]);
  });

  it("Berlin fall back: an hourly schedule fires in both 02:00 hours, 25 hours that day", () => {
    const spec = { cron: "0 * * * *", timeZone: "Europe/Berlin" };
    const day = nextFireTimes(spec, new Date("2026-10-24T21:59:00Z"), 25);
    expect(day[0]?.toISOString()).toBe("2026-10-24T22:00:00.000Z"); // 00:00 CEST
    expect(day.at(-1)?.toISOString()).toBe("2026-10-25T22:00:00.000Z"); // 23:00 CET
    expect(new Set(iso(day)).size).toBe(25);
  });

  it("New York spring forward: 02:30 on 8 March fires at 03:00 EDT", () => {
    const spec = { cron: "30 2 * * *", timeZone: "America/New_York" };
    expect(iso(nextFireTimes(spec, new Date("2026-03-07T12:00:00Z"), 3))).toEqual([
      "2026-03-08T07:00:00.000Z", // 03:00 EDT
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
      "2026-03-10T06:30:00.000Z",
    ]);
  });

  it("New York fall back: 01:30 on 1 November fires once, at the first (EDT) one", () => {
    const spec = { cron: "30 1 * * *", timeZone: "America/New_York" };
    expect(iso(nextFireTimes(spec, new Date("2026-10-31T12:00:00Z"), 3))).toEqual([
      "2026-11-01T05:30:00.000Z", // 01:30 EDT; 01:30 EST (06:30Z) is skipped
      "2026-11-02T06:30:00.000Z", // 01:30 EST
      "2026-11-03T06:30:00.000Z",
    ]);
  });

  it("the same wall-clock schedule moves in UTC when the zone changes offset", () => {
    const spec = { cron: "0 9 * * *", timeZone: "America/New_York" };
    expect(nextFireTime(spec, new Date("2026-03-07T15:00:00Z"))?.toISOString()).toBe(
      "2026-03-08T13:00:00.000Z", // EDT, UTC-4
    );
    expect(nextFireTime(spec, new Date("2026-03-06T15:00:00Z"))?.toISOString()).toBe(
      "2026-03-07T14:00:00.000Z", // EST, UTC-5
    );
  });
});

describe("cron ticks with a fake clock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const spec: CronSpec = { cron: "0 3 * * *", timeZone: "Europe/Berlin" };
  const tick = (planned: Date | undefined) => decideCronTick(spec, planned, new Date());

  it("plans without firing, waits, fires once at the planned time, and plans the next day", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-03-28T12:00:00Z"));
    const planned = tick(undefined);
    expect(planned).toEqual({ kind: "plan", nextAt: new Date("2026-03-29T01:00:00Z") });

    vi.setSystemTime(new Date("2026-03-29T00:59:59Z"));
    expect(tick(new Date("2026-03-29T01:00:00Z"))).toEqual({ kind: "wait" });

    vi.setSystemTime(new Date("2026-03-29T01:00:02Z"));
    expect(tick(new Date("2026-03-29T01:00:00Z"))).toEqual({
      kind: "fire",
      firedAt: new Date("2026-03-29T01:00:00Z"),
      nextAt: new Date("2026-03-30T01:00:00Z"),
    });
  });

  it("fires once for many missed times and plans from now, not from the missed time", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-04-05T12:00:00Z"));
    expect(tick(new Date("2026-03-29T01:00:00Z"))).toEqual({
      kind: "fire",
      firedAt: new Date("2026-03-29T01:00:00Z"),
      nextAt: new Date("2026-04-06T01:00:00Z"),
    });
  });
});

describe("specs of export schedules", () => {
  it("reads cron and time zone, defaults to UTC, and ignores manual-only schedules", () => {
    expect(cronSpecOf({ cron: "0 3 * * *" })).toEqual({ cron: "0 3 * * *", timeZone: "UTC" });
    expect(cronSpecOf({ cron: "0 3 * * *", timeZone: "Europe/Berlin" })).toEqual({
      cron: "0 3 * * *",
      timeZone: "Europe/Berlin",
    });
    expect(cronSpecOf({ onSourceChange: true } as { cron?: string })).toBeUndefined();
    expect(cronSpecOf({ manualOnly: true })).toBeUndefined();
    expect(cronSpecKey({ cron: "0 3 * * *", timeZone: "UTC" })).not.toBe(
      cronSpecKey({ cron: "0 3 * * *", timeZone: "Europe/Berlin" }),
    );
  });
});
