import { describe, expect, it } from "vitest";
import { checkMirrorRemovalGuard } from "./mirror-removal-guard.ts";
import { bucket, exportResource } from "./test-resources.ts";

describe("ccx-mirror-removal-guard", () => {
  const cases: Array<[string, Record<string, unknown>, number | undefined, RegExp | undefined]> = [
    [
      "a mirror export at the ceiling passes",
      { guards: { maxRemovePercent: 10 } },
      undefined,
      undefined,
    ],
    ["below a configured ceiling passes", { guards: { maxRemovePercent: 2 } }, 5, undefined],
    [
      "add-only exports never remove, so need no guard",
      { membership: "add-only" },
      undefined,
      undefined,
    ],
    [
      "mirror (the default) without a declared guard fails",
      {},
      undefined,
      /^export 'newsletter' mirrors its list without declaring guards\.maxRemovePercent; set guards: \{ maxRemovePercent: 10 \} or lower/,
    ],
    [
      "a guard above the ceiling fails and names both numbers",
      { membership: "mirror", guards: { maxRemovePercent: 50 } },
      20,
      /guards\.maxRemovePercent 50, above the ceiling of 20; set guards: \{ maxRemovePercent: 20 \} or lower, or use membership: "add-only"$/,
    ],
  ];
  for (const [title, props, ceiling, message] of cases) {
    it(title, () => {
      const config = ceiling === undefined ? {} : { maxRemovePercentCeiling: ceiling };
      const violations = checkMirrorRemovalGuard(exportResource(props), config);
      if (message === undefined) expect(violations).toEqual([]);
      else expect(violations).toEqual([expect.stringMatching(message) as unknown]);
    });
  }
  it("ignores resources that are not exports", () => {
    expect(checkMirrorRemovalGuard(bucket)).toEqual([]);
  });
});
