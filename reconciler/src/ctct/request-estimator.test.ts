import { describe, expect, it } from "vitest";
import { pollDelay, pollsUntil, resolvePollSchedule } from "./poll-schedule.ts";
import { estimateRequests } from "./request-estimator.ts";
import type { RequestEstimate, RequestEstimateInput } from "./request-estimator.ts";

describe("estimateRequests", () => {
  const cases: Array<[string, RequestEstimateInput, Partial<RequestEstimate>]> = [
    ["nothing", {}, { total: 0 }],
    [
      "1,000,000 imports of 120-byte items: the byte limit decides",
      { importContacts: 1_000_000, averageImportItemBytes: 120, activityTiming: "instant" },
      // 3,498,000 / 121 = 28,909 items per body → 35 activities
      { importActivities: 35, importRequests: 70 },
    ],
    [
      "1,000,000 imports, instant activities",
      { importContacts: 1_000_000, activityTiming: "instant" },
      { importActivities: 25, importRequests: 50 },
    ],
    [
      "40,000 and 40,001 imports",
      { importContacts: 40_001, activityTiming: "instant" },
      { importActivities: 2, importRequests: 4 },
    ],
    [
      "1,000,000 imports, realistic timing (9 polls per 40,000-item activity)",
      { importContacts: 1_000_000 },
      { importActivities: 25, importRequests: 250 },
    ],
    [
      "wide contacts hit the byte limit first",
      { importContacts: 1_000_000, averageImportItemBytes: 500, activityTiming: "instant" },
      // 3,498,000 / 501 = 6,982 items per body → 144 activities
      { importActivities: 144, importRequests: 288 },
    ],
    [
      "1,001 removals, instant",
      { removeMemberships: 1_001, activityTiming: "instant" },
      { removeActivities: 3, removeRequests: 6 },
    ],
    [
      "reading 1,000,000 members",
      { readMembers: 1_000_000 },
      { readRequests: 2_000, total: 2_000 },
    ],
    ["reading 1,001 members", { readMembers: 1_001 }, { readRequests: 3 }],
    ["reading an empty list still costs a request", { readMembers: 0 }, { readRequests: 1 }],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(estimateRequests(input)).toMatchObject(expected);
  });

  it("adds up the kinds of work", () => {
    const estimate = estimateRequests({
      importContacts: 10,
      removeMemberships: 10,
      readMembers: 10,
      activityTiming: "instant",
    });
    expect(estimate.total).toBe(2 + 2 + 1);
  });
});

describe("poll schedule", () => {
  const schedule = resolvePollSchedule();
  const delayCases: Array<[number, number]> = [
    [0, 1_000],
    [1, 1_500],
    [2, 2_250],
    [5, 7_594],
    [6, 10_000],
    [30, 10_000],
  ];
  it.each(delayCases)("poll %i waits %i ms", (poll, delay) => {
    expect(pollDelay(schedule, poll)).toBe(delay);
  });

  const untilCases: Array<[number, number]> = [
    [0, 1],
    [1_000, 1],
    [1_001, 2],
    [2_501, 3],
    [42_000, 9],
  ];
  it.each(untilCases)("an activity of %i ms needs %i polls", (duration, polls) => {
    expect(pollsUntil(schedule, duration)).toBe(polls);
  });
});
