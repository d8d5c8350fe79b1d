import { describe, expect, it } from "vitest";
import { assertPlanAllowed, estimateRequests, planExport } from "./plan.ts";
import type { ExportCounts, PlanInput } from "./plan.ts";

const zero: ExportCounts = {
  profiles: 0,
  adds: 0,
  updates: 0,
  removals: 0,
  retained: 0,
  suppressed: 0,
  invalid: 0,
  duplicates: 0,
  unchanged: 0,
};

describe("estimateRequests", () => {
  const cases: Array<
    [
      string,
      number,
      number,
      Parameters<typeof estimateRequests>[2],
      { imports: number; removals: number; polls: number; verify: number; total: number },
    ]
  > = [
    ["nothing to do", 0, 0, {}, { imports: 0, removals: 0, polls: 0, verify: 0, total: 0 }],
    ["one contact", 1, 0, {}, { imports: 1, removals: 0, polls: 3, verify: 1, total: 5 }],
    [
      "1M small contacts: 40,000 per import",
      1_000_000,
      0,
      {},
      { imports: 25, removals: 0, polls: 75, verify: 1, total: 101 },
    ],
    [
      "1M 120-byte contacts: bytes bind first",
      1_000_000,
      0,
      { averageImportItemBytes: 120 },
      { imports: 35, removals: 0, polls: 105, verify: 1, total: 141 },
    ],
    [
      "removals in chunks of 500",
      0,
      1_001,
      {},
      { imports: 0, removals: 3, polls: 9, verify: 1, total: 13 },
    ],
    [
      "one poll per activity",
      40_001,
      500,
      { pollsPerActivity: 1 },
      { imports: 2, removals: 1, polls: 3, verify: 1, total: 7 },
    ],
  ];
  it.each(cases)("%s", (_name, items, removals, model, expected) => {
    expect(estimateRequests(items, removals, model)).toMatchObject(expected);
  });
  it("states its formula", () => {
    expect(estimateRequests(80_000, 10).formula).toBe(
      "ceil(80000 / 40000) imports + ceil(10 / 500) removals + 3 polls per activity + 1 verify",
    );
  });
});

describe("planExport", () => {
  const input = (counts: Partial<ExportCounts>, rest: Partial<PlanInput> = {}): PlanInput => ({
    counts: { ...zero, ...counts },
    previousSnapshotSize: 1_000,
    membership: "mirror",
    guards: {},
    ...rest,
  });
  const cases: Array<[string, PlanInput, boolean, string | undefined]> = [
    ["a quiet run", input({ profiles: 1_000, unchanged: 1_000 }), false, undefined],
    ["5 % removals", input({ profiles: 950, unchanged: 950, removals: 50 }), false, undefined],
    [
      "20 % removals trip",
      input({ profiles: 800, unchanged: 800, removals: 200 }),
      true,
      "EXPORT_GUARD_TRIPPED",
    ],
    [
      "20 % leavers in add-only never trip",
      input({ profiles: 800, unchanged: 800, retained: 200 }, { membership: "add-only" }),
      false,
      undefined,
    ],
    [
      "maxAdds trips",
      input({ profiles: 1_100, unchanged: 1_000, adds: 100 }, { guards: { maxAdds: 99 } }),
      true,
      "EXPORT_GUARD_TRIPPED",
    ],
    [
      "over the profile limit",
      input({ profiles: 11, adds: 11 }, { profileLimit: 10, previousSnapshotSize: 0 }),
      true,
      "EXPORT_PROFILE_LIMIT",
    ],
    [
      "profile limit wins over a tripped guard",
      input({ profiles: 11, adds: 11, removals: 900 }, { profileLimit: 10 }),
      true,
      "EXPORT_PROFILE_LIMIT",
    ],
  ];
  it.each(cases)("%s", (_name, planInput, blocked, code) => {
    const plan = planExport(planInput);
    expect(plan.blocked).toBe(blocked);
    if (code === undefined) expect(() => assertPlanAllowed(plan)).not.toThrow();
    else
      expect(() => assertPlanAllowed(plan)).toThrow(
        expect.objectContaining({
          code,
          message: expect.stringContaining("nothing was written") as string,
        }),
      );
  });

  it("estimates only what is written: adds and updates imported, removals chunked", () => {
    const plan = planExport(
      input({
        profiles: 1_000,
        adds: 30,
        updates: 20,
        removals: 10,
        unchanged: 950,
        suppressed: 5,
      }),
    );
    expect(plan.estimate).toMatchObject({ imports: 1, removals: 1, polls: 6, verify: 1, total: 9 });
    expect(plan.counts.suppressed).toBe(5);
  });
});
