/**
 * Turns the contract's zod schemas into Pulumi package-schema property types, so the plugin's
 * schema documents every field with the very text the API's OpenAPI document uses. zod renders
 * JSON Schema (`z.toJSONSchema`); this maps that subset onto Pulumi's type system: named objects
 * (zod `.meta({ id })`) become `ccx:index:<Id>` object types, records become maps, enums become
 * strings whose description lists the values, and a nullable value is its non-null type.
 */
import { z } from "zod";

/** The JSON Schema that `z.toJSONSchema` emits, as far as the contract uses it. */
export interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** A property of a Pulumi package schema. */
export interface PulumiProperty {
  type?: "string" | "integer" | "number" | "boolean" | "array" | "object";
  $ref?: string;
  items?: PulumiProperty;
  additionalProperties?: PulumiProperty;
  description?: string;
  secret?: boolean;
  replaceOnChanges?: boolean;
}

/** An object type of a Pulumi package schema. */
export interface PulumiObjectType {
  type: "object";
  description?: string;
  properties: Record<string, PulumiProperty>;
  required?: string[];
}

/** The JSON Schema of `schema` as inputs (`"input"`: defaults optional) or outputs see it. */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
}

/**
 * Converts JSON Schema into Pulumi property types, collecting the named object types it meets
 * into `types` (keyed by Pulumi type token).
 */
export class PulumiTypeMapper {
  readonly types: Record<string, PulumiObjectType> = {};
  readonly #package: string;

  constructor(packageName: string) {
    this.#package = packageName;
  }

  /** The object `schema` (a document with `$defs`, or a plain object schema) resolved. */
  objectOf(document: JsonSchema): { object: JsonSchema; defs: Record<string, JsonSchema> } {
    const defs = document.$defs ?? {};
    return { object: this.#resolve(document, defs), defs };
  }

  /** The Pulumi type of one property. `name` names an anonymous object type, if one is met. */
  property(schema: JsonSchema, defs: Record<string, JsonSchema>, name: string): PulumiProperty {
    const description = schema.description;
    const typed = this.#typeOf(schema, defs, name);
    const text = [description ?? typed.description, enumText(schema, defs)]
      .filter((part): part is string => part !== undefined && part !== "")
      .join(" ");
    return { ...typed, ...(text === "" ? {} : { description: text }) };
  }

  /**
   * The properties of an object schema as Pulumi properties, with its required keys; only `keys`
   * when given (so types used by other properties are not collected).
   */
  properties(
    object: JsonSchema,
    defs: Record<string, JsonSchema>,
    owner: string,
    keys?: readonly string[],
  ): { properties: Record<string, PulumiProperty>; required: string[] } {
    const properties: Record<string, PulumiProperty> = {};
    for (const key of keys ?? Object.keys(object.properties ?? {})) {
      const value = object.properties?.[key];
      if (value === undefined) throw new Error(`${owner}: the contract has no '${key}'`);
      properties[key] = this.property(value, defs, `${owner}${capitalised(key)}`);
    }
    const required = (object.required ?? []).filter((key) => key in properties);
    return { properties, required };
  }

  #typeOf(schema: JsonSchema, defs: Record<string, JsonSchema>, name: string): PulumiProperty {
    if (schema.$ref !== undefined) {
      const id = refName(schema.$ref);
      const target = defs[id];
      if (target === undefined) throw new Error(`unknown schema reference ${schema.$ref}`);
      if (isObjectWithProperties(target)) {
        const ref = this.#objectType(id, target, defs);
        return target.description === undefined
          ? { $ref: ref }
          : { $ref: ref, description: target.description };
      }
      return this.property(target, defs, name);
    }
    const alternatives = (schema.anyOf ?? schema.oneOf ?? []).filter((s) => s.type !== "null");
    if (alternatives.length === 1 && alternatives[0] !== undefined) {
      return this.property(alternatives[0], defs, name);
    }
    if (alternatives.length > 1) {
      throw new Error(`${name}: a union of several types has no Pulumi type; describe it by hand`);
    }
    switch (schema.type) {
      case "string":
      case "boolean":
      case "integer":
      case "number":
        return { type: schema.type };
      case "array":
        return {
          type: "array",
          items: this.property(schema.items ?? {}, defs, `${name}Item`),
        };
      case "object": {
        if (isObjectWithProperties(schema)) return { $ref: this.#objectType(name, schema, defs) };
        const values = schema.additionalProperties;
        return {
          type: "object",
          additionalProperties:
            typeof values === "object"
              ? this.property(values, defs, `${name}Value`)
              : { $ref: "pulumi.json#/Any" },
        };
      }
      default:
        // `unknown` in the contract: any JSON value.
        return { $ref: "pulumi.json#/Any" };
    }
  }

  #objectType(name: string, schema: JsonSchema, defs: Record<string, JsonSchema>): string {
    const token = `${this.#package}:index:${name}`;
    if (this.types[token] === undefined) {
      // Registered before its properties, so a type that refers to itself terminates.
      const type: PulumiObjectType = { type: "object", properties: {} };
      this.types[token] = type;
      const { properties, required } = this.properties(schema, defs, name);
      type.properties = properties;
      if (required.length > 0) type.required = required;
      if (schema.description !== undefined) type.description = schema.description;
    }
    return `#/types/${token}`;
  }

  #resolve(schema: JsonSchema, defs: Record<string, JsonSchema>): JsonSchema {
    if (schema.$ref === undefined) return schema;
    const target = defs[refName(schema.$ref)];
    if (target === undefined) throw new Error(`unknown schema reference ${schema.$ref}`);
    return this.#resolve(target, defs);
  }
}

function refName(ref: string): string {
  return ref.replace(/^#\/\$defs\//, "");
}

function isObjectWithProperties(schema: JsonSchema): boolean {
  return schema.type === "object" && schema.properties !== undefined;
}

function capitalised(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

/** "One of: `a`, `b`." for an enum (or a constant), since the schema keeps them as strings. */
function enumText(schema: JsonSchema, defs: Record<string, JsonSchema>): string | undefined {
  const target = schema.$ref === undefined ? schema : defs[refName(schema.$ref)];
  const values = target?.enum ?? (target?.const === undefined ? undefined : [target.const]);
  if (values === undefined) return undefined;
  return `One of: ${values.map((value) => `\`${String(value)}\``).join(", ")}.`;
}
