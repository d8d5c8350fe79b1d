import { describe, expect, it } from "vitest";
import { checkScheduleWindows, type ScheduleWindowsConfig } from "./schedule-windows.ts";
import { bucket, exportResource } from "./test-resources.ts";

const nights: ScheduleWindowsConfig = { windows: [{ from: "01:00", to: "05:00" }] };
const weekdayNightsBerlin: ScheduleWindowsConfig = {
  windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "22:00", to: "04:00" }],
  timeZone: "Europe/Berlin",
};

describe("ccx-schedule-windows", () => {
  const cases: Array<[string, Record<string, unknown>, ScheduleWindowsConfig, RegExp | undefined]> =
    [
      ["a nightly run inside the window passes", { cron: "0 3 * * *" }, nights, undefined],
      [
        "the window's end is exclusive",
        { cron: "0 5 * * *" },
        nights,
        /runs at 05:00 on mon \(UTC\)/,
      ],
      [
        "a midday run fails with its time",
        { cron: "0 12 * * *" },
        nights,
        /^export 'newsletter' runs at 12:00 on mon \(UTC\) with cron '0 12 \* \* \*' \(UTC\), outside the allowed windows \(daily 01:00-05:00 UTC\); change schedule\.cron/,
      ],
      [
        "every firing counts, not only the first",
        { cron: "0 * * * *" },
        nights,
        /runs at 00:00 on mon/,
      ],
      [
        "the schedule's time zone is honoured",
        { cron: "0 3 * * *", timeZone: "America/New_York" },
        nights,
        /runs at 08:00 on mon \(UTC\)/,
      ],
      [
        "a window spanning midnight covers the next morning",
        { cron: "30 2 * * 2-6" },
        weekdayNightsBerlin,
        undefined,
      ],
      [
        "… and its evening",
        { cron: "30 22 * * 1-5", timeZone: "Europe/Berlin" },
        weekdayNightsBerlin,
        undefined,
      ],
      [
        "a weekend run is outside weekday windows",
        { cron: "0 23 * * 6", timeZone: "Europe/Berlin" },
        weekdayNightsBerlin,
        /runs at 23:00 on sat \(Europe\/Berlin\)/,
      ],
      ["manual and event schedules have no clock time", { manualOnly: true }, nights, undefined],
      [
        "an invalid cron is the provider's check's to report",
        { cron: "not cron" },
        nights,
        undefined,
      ],
    ];
  for (const [title, schedule, config, message] of cases) {
    it(title, () => {
      const violations = checkScheduleWindows(exportResource({ schedule }), config);
      if (message === undefined) expect(violations).toEqual([]);
      else expect(violations).toEqual([expect.stringMatching(message) as unknown]);
    });
  }
  it("allows any time until windows are configured, and ignores other resources", () => {
    expect(checkScheduleWindows(exportResource({ schedule: { cron: "0 12 * * *" } }))).toEqual([]);
    expect(checkScheduleWindows(bucket, nights)).toEqual([]);
  });
});
