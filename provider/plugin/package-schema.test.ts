import { describe, expect, it } from "vitest";
import { ExportPutRequestSchema, MappingsSchema } from "../../contract/index.ts";
import { packageSchema, TYPE_TOKENS } from "./package-schema.ts";
import type { PulumiObjectType, PulumiProperty } from "./schema-types.ts";

interface Resource {
  inputProperties: Record<string, PulumiProperty>;
  requiredInputs: string[];
  properties: Record<string, PulumiProperty>;
}

const schema = packageSchema("1.2.3") as {
  name: string;
  version: string;
  config: { variables: Record<string, PulumiProperty> };
  provider: { inputProperties: Record<string, PulumiProperty> };
  types: Record<string, PulumiObjectType>;
  resources: Record<string, Resource>;
};
const resource = (token: string): Resource => {
  const found = schema.resources[token];
  if (found === undefined) throw new Error(`no ${token}`);
  return found;
};

/** Every `#/types/...` reference in the schema, at any depth. */
function references(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(references);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === "$ref" && typeof item === "string" && item.startsWith("#/types/")
      ? [item.slice("#/types/".length)]
      : references(item),
  );
}

describe("the plugin's package schema", () => {
  it("serves the three resources as ccx:index types, with the package's version", () => {
    expect(schema).toMatchObject({ name: "ccx", version: "1.2.3" });
    expect(Object.keys(schema.resources).sort()).toEqual([
      "ccx:index:ConstantContactConnection",
      "ccx:index:SegmentExport",
      "ccx:index:SegmentSource",
    ]);
  });

  it("marks the token, the credentials and the connection string secret", () => {
    expect(schema.config.variables["token"]?.secret).toBe(true);
    expect(schema.provider.inputProperties["token"]?.secret).toBe(true);
    expect(schema.config.variables["endpoint"]?.secret).toBeUndefined();
    expect(resource(TYPE_TOKENS.connection).inputProperties["credentials"]?.secret).toBe(true);
    expect(resource(TYPE_TOKENS.source).inputProperties["connectionString"]?.secret).toBe(true);
    // Outputs never carry them, only fingerprints.
    expect(resource(TYPE_TOKENS.connection).properties["credentials"]).toBeUndefined();
    expect(resource(TYPE_TOKENS.source).properties["connectionString"]).toBeUndefined();
  });

  it("replaces a resource when its name changes, and only then", () => {
    for (const token of Object.values(TYPE_TOKENS)) {
      const replacing = Object.entries(resource(token).inputProperties)
        .filter(([, property]) => property.replaceOnChanges === true)
        .map(([key]) => key);
      expect(replacing).toEqual(["name"]);
    }
  });

  it("takes descriptions and required fields from the API's own schemas", () => {
    const exported = resource(TYPE_TOKENS.export);
    expect(exported.requiredInputs).toEqual(["connection", "mappings", "segments", "source"]);
    expect(exported.inputProperties["source"]?.description).toBe(
      ExportPutRequestSchema.shape.source.description,
    );
    expect(exported.inputProperties["membership"]?.description).toContain(
      "One of: `mirror`, `add-only`.",
    );
    expect(exported.inputProperties["mappings"]).toEqual({
      $ref: "#/types/ccx:index:Mappings",
      description: MappingsSchema.description,
    });
    expect(schema.types["ccx:index:Mappings"]?.required).toEqual(["email"]);
  });

  it("defines every type it refers to, and no type it does not use", () => {
    const used = new Set(references(schema));
    expect([...used].sort()).toEqual(Object.keys(schema.types).sort());
  });
});
