import { describe, expect, it } from "vitest";
import { checkAllowedSources, sourceLabelOf } from "./allowed-sources.ts";
import { bucket, exportResource } from "./test-resources.ts";

describe("ccx-allowed-sources", () => {
  it("labels a source by name, or by type and location, whatever its shape", () => {
    expect(sourceLabelOf("crm-segments")).toBe("crm-segments");
    expect(sourceLabelOf({ name: "crm-segments" })).toBe("crm-segments");
    expect(sourceLabelOf({ type: "files", path: "/data/segments" })).toBe("files:/data/segments");
    expect(
      sourceLabelOf({
        type: "azure-blob",
        accountUrl: "https://a.blob.core.windows.net",
        container: "ci",
      }),
    ).toBe("azure-blob:https://a.blob.core.windows.net/ci");
    expect(
      sourceLabelOf({ type: "postgres", connectionStringEnv: "SEGMENTS_DB_URL", queries: {} }),
    ).toBe("postgres:SEGMENTS_DB_URL");
    expect(sourceLabelOf(undefined)).toBeUndefined();
  });

  const allowed = { sources: ["files:/data/*", "crm-segments"] };
  const cases: Array<[string, unknown, boolean]> = [
    ["a folder under an allowed prefix passes", { type: "files", path: "/data/segments" }, false],
    ["an allowed source name passes", "crm-segments", false],
    ["another folder fails", { type: "files", path: "/home/me/export" }, true],
    ["another source name fails", "shadow-source", true],
  ];
  for (const [title, source, fails] of cases) {
    it(title, () => {
      const violations = checkAllowedSources(exportResource({ source }), allowed);
      expect(violations).toEqual(
        fails
          ? [
              `export 'newsletter' reads segments from source '${sourceLabelOf(source) ?? ""}', which is not allowed; use one of 'files:/data/*', 'crm-segments', or ask an admin to allow it`,
            ]
          : [],
      );
    });
  }
  it("allows any source until the set is configured, and ignores other resources", () => {
    expect(checkAllowedSources(exportResource({ source: "anything" }))).toEqual([]);
    expect(checkAllowedSources(bucket, allowed)).toEqual([]);
  });
});
