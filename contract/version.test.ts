import { describe, expect, it } from "vitest";
import { checkCompatibility, packageIdentityOf } from "./version.ts";

const server = { reconciler: "@ccx/reconciler@0.3.0", apiLevel: 3, minClientApiLevel: 2 };

describe("checkCompatibility", () => {
  it.each([
    [2, true],
    [3, true],
  ])("serves a client at level %i", (level, compatible) => {
    expect(checkCompatibility("@ccx/pulumi@0.3.1", level, server).compatible).toBe(compatible);
  });

  it("asks for a newer reconciler when the client is ahead", () => {
    const verdict = checkCompatibility("@ccx/pulumi@0.4.0", 4, server);
    expect(verdict).toMatchObject({ compatible: false, upgrade: "reconciler" });
    if (verdict.compatible) return;
    expect(verdict.message).toContain("@ccx/pulumi@0.4.0");
    expect(verdict.message).toContain("@ccx/reconciler@0.3.0");
  });

  it("asks for a newer client when the client is behind, with the install command", () => {
    const verdict = checkCompatibility("@ccx/pulumi@0.1.0", 1, server);
    expect(verdict).toMatchObject({ compatible: false, upgrade: "client" });
    if (verdict.compatible) return;
    expect(verdict.message).toContain("npm install @ccx/pulumi@0.3.0");
  });
});

describe("packageIdentityOf", () => {
  it("finds the nearest package.json above the module", () => {
    const files: Record<string, string> = {
      "file:///app/node_modules/@ccx/pulumi/package.json":
        '{"name":"@ccx/pulumi","version":"1.2.3"}',
    };
    const read = (url: URL) => {
      const text = files[url.href];
      if (text === undefined) throw new Error("ENOENT");
      return text;
    };
    expect(
      packageIdentityOf("file:///app/node_modules/@ccx/pulumi/dist/provider/index.js", read),
    ).toBe("@ccx/pulumi@1.2.3");
    expect(packageIdentityOf("file:///elsewhere/index.js", read)).toBe("unknown@0.0.0");
  });
});
