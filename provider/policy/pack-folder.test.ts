import { readFile, stat } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ccxPolicies } from "./policies.ts";

const read = async (path: string) =>
  JSON.parse(await readFile(new URL(path, import.meta.url), "utf8")) as Record<string, unknown>;

describe("the policy-pack folder", () => {
  it("reports the package's version (the Pulumi policy SDK reads it from the folder)", async () => {
    expect((await read("../policy-pack/package.json"))["version"]).toBe(
      (await read("../package.json"))["version"],
    );
  });
  it("points at the compiled pack program and ships its launcher as an executable", async () => {
    expect((await read("../policy-pack/package.json"))["main"]).toBe(
      "../dist/provider/policy/pack.js",
    );
    const launcher = await stat(new URL("../policy-pack/ccx-policy-pack", import.meta.url));
    expect(launcher.mode & 0o111).toBe(0o111);
  });
  it("names every policy once, in Pulumi's lowercase-and-dashes form", () => {
    const names = ccxPolicies.map((policy) => policy.name);
    expect(new Set(names).size).toBe(6);
    for (const name of names) expect(name).toMatch(/^ccx-[a-z-]+$/);
  });
});
