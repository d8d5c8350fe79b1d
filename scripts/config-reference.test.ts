import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { REFERENCE_PATH, renderReference, undocumentedSettings } from "./config-reference.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

describe("the configuration reference", () => {
  it("is what the schema generates (run `npm run docs:config` after changing a setting)", async () => {
    expect(readFileSync(`${root}${REFERENCE_PATH}`, "utf8")).toBe(await renderReference());
  });

  it("documents every setting", () => {
    expect(undocumentedSettings()).toEqual([]);
  });

  it("names the environment variable of a setting that has one", async () => {
    expect(await renderReference()).toMatch(
      /\| `databaseUrl` +\| string +\| unset +\| `CCX_DATABASE_URL` +\|/,
    );
  });
});
