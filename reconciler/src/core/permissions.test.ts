import { describe, expect, it } from "vitest";
import {
  forbiddenMessage,
  isAllowed,
  mayUseConnection,
  roles,
  type Action,
} from "./permissions.ts";

describe("permission table", () => {
  // The seed product's split, row by row.
  const expected: Record<Action, Record<(typeof roles)[number], boolean>> = {
    "connection.manage": { admin: true, contributor: false, viewer: false },
    "connection.read": { admin: true, contributor: false, viewer: false },
    "connection.list": { admin: true, contributor: true, viewer: false },
    "source.manage": { admin: true, contributor: false, viewer: false },
    "source.read": { admin: true, contributor: false, viewer: false },
    "source.list": { admin: true, contributor: true, viewer: false },
    "export.manage": { admin: true, contributor: true, viewer: false },
    "export.read": { admin: true, contributor: true, viewer: true },
  };
  for (const [action, byRole] of Object.entries(expected) as Array<
    [Action, Record<string, boolean>]
  >) {
    for (const role of roles) {
      it(`${role} ${byRole[role] === true ? "may" : "may not"} ${action}`, () => {
        expect(isAllowed(role, action)).toBe(byRole[role]);
      });
    }
  }

  it.each([
    { role: "admin", sharing: "admins", may: true },
    { role: "admin", sharing: "contributors", may: true },
    { role: "contributor", sharing: "admins", may: false },
    { role: "contributor", sharing: "contributors", may: true },
    { role: "viewer", sharing: "contributors", may: false },
  ] as const)("$role on a connection shared with $sharing: $may", ({ role, sharing, may }) => {
    expect(mayUseConnection(role, sharing)).toBe(may);
  });

  it("names the role needed and the role the token has", () => {
    expect(forbiddenMessage("creating a connection", "connection.manage", "contributor")).toBe(
      "creating a connection needs the admin role; this token has contributor",
    );
    expect(forbiddenMessage("running an export", "export.manage", "viewer")).toBe(
      "running an export needs the admin or contributor role; this token has viewer",
    );
  });
});
