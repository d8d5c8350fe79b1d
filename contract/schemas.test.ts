import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConnectionPutRequestSchema } from "./connection.ts";
import { ExportPutRequestSchema } from "./export.ts";

const folder = new URL("./", import.meta.url);

describe("API contract schemas", () => {
  // The Pulumi provider imports these files; they must not pull in I/O (DESIGN §4).
  const sources = readdirSync(folder).filter(
    (file) => file.endsWith(".ts") && !file.endsWith(".test.ts"),
  );
  it.each(sources)("%s imports only zod, croner and sibling schemas", (file) => {
    const text = readFileSync(new URL(file, folder), "utf8");
    const specifiers = [...text.matchAll(/^(?:import|export)[^"']*from\s+["']([^"']+)["']/gm)].map(
      (match) => match[1],
    );
    for (const specifier of specifiers) {
      expect(specifier, `${file} imports ${specifier}`).toMatch(/^(zod|croner|\.\/[a-z-]+\.ts)$/);
    }
  });

  it("fills the documented defaults of an export", () => {
    const parsed = ExportPutRequestSchema.parse({
      connection: "c",
      listId: "6f1c5b7e-3c2a-4e0b-9a55-0a3c2b1d4e5f",
      mappings: { email: "email" },
      segments: ["s"],
      source: "segments",
    });
    expect(parsed).toMatchObject({
      schedule: {},
      membership: "mirror",
      guards: { maxRemovePercent: 10 },
      onDelete: "keep-members",
      enabled: true,
    });
  });

  it("defaults a connection's sharing to admins only", () => {
    const parsed = ConnectionPutRequestSchema.parse({
      displayName: "d",
      consent: { accepted: true, statementVersion: "1", acceptedBy: "a" },
      credentials: { clientId: "i", clientSecret: "s", refreshToken: "r" },
      exportUser: "a",
    });
    expect(parsed.sharing).toBe("admins");
  });
});
