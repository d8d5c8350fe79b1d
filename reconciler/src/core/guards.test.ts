import { describe, expect, it } from "vitest";
import { evaluateGuards } from "./guards.ts";
import type { GuardInput, GuardName } from "./guards.ts";

const base: GuardInput = {
  profiles: 100,
  adds: 0,
  removals: 0,
  previousSnapshotSize: 100,
  guards: {},
};

describe("evaluateGuards", () => {
  const cases: Array<[string, Partial<GuardInput>, Array<[GuardName, boolean, number]>]> = [
    [
      "defaults, nothing to do",
      {},
      [
        ["profileLimit", true, 100],
        ["maxRemovePercent", true, 0],
      ],
    ],
    [
      "10 % removals pass the default 10",
      { removals: 10 },
      [
        ["profileLimit", true, 100],
        ["maxRemovePercent", true, 10],
      ],
    ],
    [
      "11 % removals trip the default 10",
      { removals: 11 },
      [
        ["profileLimit", true, 100],
        ["maxRemovePercent", false, 11],
      ],
    ],
    [
      "a declared 50 % allows 50",
      { removals: 50, guards: { maxRemovePercent: 50 } },
      [
        ["profileLimit", true, 100],
        ["maxRemovePercent", true, 50],
      ],
    ],
    [
      "0 % allows no removal",
      { removals: 1, guards: { maxRemovePercent: 0 } },
      [
        ["profileLimit", true, 100],
        ["maxRemovePercent", false, 1],
      ],
    ],
    [
      "first run: empty snapshot means 0 %",
      { previousSnapshotSize: 0, removals: 0, adds: 100 },
      [
        ["profileLimit", true, 100],
        ["maxRemovePercent", true, 0],
      ],
    ],
    [
      "maxAdds at the limit",
      { adds: 5, guards: { maxAdds: 5 } },
      [
        ["profileLimit", true, 100],
        ["maxRemovePercent", true, 0],
        ["maxAdds", true, 5],
      ],
    ],
    [
      "maxAdds exceeded",
      { adds: 6, guards: { maxAdds: 5 } },
      [
        ["profileLimit", true, 100],
        ["maxRemovePercent", true, 0],
        ["maxAdds", false, 6],
      ],
    ],
    [
      "profile limit reached",
      { profiles: 1_000_000 },
      [
        ["profileLimit", true, 1_000_000],
        ["maxRemovePercent", true, 0],
      ],
    ],
    [
      "profile limit exceeded by one",
      { profiles: 1_000_001 },
      [
        ["profileLimit", false, 1_000_001],
        ["maxRemovePercent", true, 0],
      ],
    ],
    [
      "a small configured profile limit",
      { profiles: 11, profileLimit: 10 },
      [
        ["profileLimit", false, 11],
        ["maxRemovePercent", true, 0],
      ],
    ],
  ];
  it.each(cases)("%s", (_name, change, expected) => {
    const verdicts = evaluateGuards({ ...base, ...change });
    expect(verdicts.map((v) => [v.guard, v.passed, v.actual])).toEqual(expected);
    for (const verdict of verdicts) expect(verdict.reason.length).toBeGreaterThan(10);
  });

  it("says what to do when a guard trips", () => {
    const [, remove] = evaluateGuards({ ...base, removals: 40 });
    expect(remove?.reason).toContain("40 of 100");
    expect(remove?.reason).toContain("maxRemovePercent 10");
  });
});
