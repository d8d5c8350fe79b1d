import { describe, expect, it } from "vitest";
import { checkDeleteKeepsMembers } from "./delete-keeps-members.ts";
import { bucket, exportResource } from "./test-resources.ts";

describe("ccx-delete-keeps-members", () => {
  const cases: Array<[string, string, Record<string, unknown>, string[] | undefined, boolean]> = [
    ["remove-members on prod fails", "prod", { onDelete: "remove-members" }, undefined, true],
    ["keep-members on prod passes", "prod", { onDelete: "keep-members" }, undefined, false],
    ["the default (keep-members) on prod passes", "prod", {}, undefined, false],
    [
      "remove-members on a dev stack passes",
      "dev",
      { onDelete: "remove-members" },
      undefined,
      false,
    ],
    ["a configured prefix matches", "prod-eu", { onDelete: "remove-members" }, ["prod-*"], true],
    [
      "configured stacks replace the defaults",
      "prod",
      { onDelete: "remove-members" },
      ["live"],
      false,
    ],
  ];
  for (const [title, stack, props, stacks, fails] of cases) {
    it(title, () => {
      const violations = checkDeleteKeepsMembers(
        exportResource(props, { stack }),
        stacks === undefined ? {} : { stacks },
      );
      expect(violations).toEqual(
        fails
          ? [
              `export 'newsletter' declares onDelete: "remove-members" on stack '${stack}', where lists are never emptied on delete; use onDelete: "keep-members" (the default)`,
            ]
          : [],
      );
    });
  }
  it("ignores resources that are not exports", () => {
    expect(checkDeleteKeepsMembers(bucket)).toEqual([]);
  });
});
