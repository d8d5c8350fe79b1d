/**
 * Generates `docs/configuration.md` from the reconciler's configuration schema: the settings, their
 * types, limits and defaults come from `ConfigSchema` itself (as JSON Schema), the environment
 * variables from `environmentOverrides`, and each setting's text from the TSDoc the schema's
 * source carries. `npm run docs:config` writes the file; a unit test keeps it equal to the output,
 * so the reference cannot drift from the code.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format } from "prettier";
import ts from "typescript";
import { z } from "zod";
import { ConfigSchema, environmentOverrides } from "../reconciler/src/config.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const SCHEMA_SOURCES = ["reconciler/src/config.ts", "reconciler/src/scheduler/scheduler-config.ts"];
export const REFERENCE_PATH = "docs/configuration.md";

interface Doc {
  text: string;
  defaultText?: string;
}

// --- TSDoc of every setting, by dotted path --------------------------------------------------

function docOf(node: ts.Node): Doc | undefined {
  const jsDoc = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc).at(-1);
  if (jsDoc === undefined) return undefined;
  const text = (ts.getTextOfJSDocComment(jsDoc.comment) ?? "").replace(/\s+/g, " ").trim();
  const tag = jsDoc.tags?.find((t) => t.tagName.text === "default");
  const defaultText = tag === undefined ? undefined : ts.getTextOfJSDocComment(tag.comment);
  return {
    text,
    ...(defaultText === undefined ? {} : { defaultText: defaultText.replace(/\s+/g, " ").trim() }),
  };
}

/** The object literal of the first `z.strictObject({...})` / `z.object({...})` inside `node`. */
function objectLiteralIn(node: ts.Node): ts.ObjectLiteralExpression | undefined {
  if (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    ["strictObject", "object"].includes(node.expression.name.text) &&
    node.arguments[0] !== undefined &&
    ts.isObjectLiteralExpression(node.arguments[0])
  ) {
    return node.arguments[0];
  }
  return ts.forEachChild(node, objectLiteralIn);
}

/** The first identifier in `node` that names a schema declared in the sources. */
function referencedSchema(
  node: ts.Node,
  declarations: Map<string, ts.Expression>,
): ts.Expression | undefined {
  if (ts.isIdentifier(node) && declarations.has(node.text)) return declarations.get(node.text);
  return ts.forEachChild(node, (child) => referencedSchema(child, declarations));
}

function collectDocs(): Map<string, Doc> {
  const declarations = new Map<string, ts.Expression>();
  for (const file of SCHEMA_SOURCES) {
    const source = ts.createSourceFile(
      file,
      readFileSync(`${root}${file}`, "utf8"),
      ts.ScriptTarget.Latest,
      true,
    );
    source.forEachChild(function visit(node) {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
        declarations.set(node.name.text, node.initializer);
      }
      node.forEachChild(visit);
    });
  }
  const docs = new Map<string, Doc>();
  const walk = (expression: ts.Expression, prefix: string): void => {
    const literal =
      objectLiteralIn(expression) ??
      objectLiteralIn(referencedSchema(expression, declarations) ?? expression);
    if (literal === undefined) return;
    for (const property of literal.properties) {
      if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue;
      const path = `${prefix}${property.name.text}`;
      const doc = docOf(property);
      if (doc !== undefined) docs.set(path, doc);
      walk(property.initializer, `${path}.`);
    }
  };
  const config = declarations.get("ConfigSchema");
  if (config === undefined) throw new Error("ConfigSchema not found in the schema sources");
  walk(config, "");
  return docs;
}

// --- environment variables, by dotted path ---------------------------------------------------

/** Asks `environmentOverrides` which setting each variable sets, by giving every variable a marker. */
function collectEnvironment(): Map<string, string> {
  const markers: NodeJS.ProcessEnv = new Proxy(
    {},
    {
      get: (_, name) => (typeof name === "string" ? `\u0000${name}` : undefined),
    },
  );
  const found = new Map<string, string>();
  const walk = (value: unknown, path: string[]): void => {
    if (typeof value === "string" && value.startsWith("\u0000")) {
      // A map entry whose key comes from another variable (secrets.keys.<id>) documents the map.
      const keyed = path.findIndex((part) => part.startsWith("\u0000"));
      const setting = keyed === -1 ? path : path.slice(0, keyed);
      const name = value.slice(1);
      const keyVariable = keyed === -1 ? undefined : path[keyed]?.slice(1);
      found.set(setting.join("."), keyVariable ? `${name} (id: ${keyVariable})` : name);
    } else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
    }
  };
  walk(environmentOverrides(markers), []);
  return found;
}

// --- rendering -------------------------------------------------------------------------------

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

function typeOf(schema: JsonSchema): string {
  if (schema.anyOf !== undefined) return schema.anyOf.map(typeOf).join(" or ");
  if (schema.enum !== undefined) return schema.enum.map((v) => `\`${String(v)}\``).join(", ");
  if (schema.type === "object" && typeof schema.additionalProperties === "object") {
    return `map of ${typeOf(schema.additionalProperties)}`;
  }
  if (schema.type === "array" && schema.items !== undefined)
    return `list of ${typeOf(schema.items)}`;
  const base = schema.format ?? (Array.isArray(schema.type) ? schema.type.join("/") : schema.type);
  // zod's integers carry the safe-integer bounds; only bounds a person chose are worth showing.
  const maximum =
    schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER
      ? schema.maximum
      : undefined;
  const minimum =
    schema.minimum !== undefined && schema.minimum > Number.MIN_SAFE_INTEGER
      ? schema.minimum
      : undefined;
  const range =
    maximum !== undefined
      ? ` ${minimum ?? ""}–${maximum}`
      : minimum !== undefined
        ? ` ≥ ${minimum}`
        : "";
  return `${base ?? "any"}${range}`;
}

function defaultOf(schema: JsonSchema, doc: Doc | undefined): string {
  if (doc?.defaultText !== undefined) return doc.defaultText;
  if (schema.default === undefined) return "unset";
  return `\`${JSON.stringify(schema.default)}\``;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The reference as Markdown, formatted the way the repository formats Markdown. */
export async function renderReference(): Promise<string> {
  return format(renderMarkdown(), { parser: "markdown", proseWrap: "preserve" });
}

function renderMarkdown(): string {
  const schema = z.toJSONSchema(ConfigSchema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  const docs = collectDocs();
  const environment = collectEnvironment();
  const lines = [
    "# Configuration reference",
    "",
    "<!-- Generated by `npm run docs:config` from reconciler/src/config.ts; do not edit. -->",
    "",
    "`ccx serve` reads one YAML file (`--config <file>` or `CCX_CONFIG`) and then the environment",
    "variables below, which win over the file. One schema validates the result; an unknown key or",
    "a bad value stops the reconciler with the setting's path and what is wrong.",
    "",
  ];
  const section = (name: string, node: JsonSchema, path: string, depth: number): void => {
    const doc = docs.get(path);
    lines.push(`${"#".repeat(Math.min(depth, 4))} \`${path}\``, "");
    if (doc?.text) lines.push(doc.text, "");
    const rows: string[][] = [];
    const nested: Array<[string, JsonSchema]> = [];
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const childPath = `${path}.${key}`;
      if (child.properties !== undefined) {
        nested.push([key, child]);
        continue;
      }
      const childDoc = docs.get(childPath);
      rows.push([
        `\`${key}\``,
        cell(typeOf(child)),
        cell(defaultOf(child, childDoc)),
        environment.has(childPath) ? `\`${environment.get(childPath)}\`` : "",
        cell(childDoc?.text ?? ""),
      ]);
    }
    if (rows.length > 0) {
      lines.push("| setting | type | default | environment | meaning |", "|---|---|---|---|---|");
      for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
      lines.push("");
    }
    for (const [key, child] of nested) section(key, child, `${path}.${key}`, depth + 1);
    void name;
  };
  for (const [name, node] of Object.entries(schema.properties ?? {})) {
    section(name, node, name, 2);
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

/** Settings that have no TSDoc: the reference would leave their meaning blank. */
export function undocumentedSettings(): string[] {
  const schema = z.toJSONSchema(ConfigSchema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  const docs = collectDocs();
  const missing: string[] = [];
  const walk = (node: JsonSchema, path: string): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const childPath = path === "" ? key : `${path}.${key}`;
      if (!docs.get(childPath)?.text) missing.push(childPath);
      walk(child, childPath);
    }
  };
  walk(schema, "");
  return missing;
}

if (import.meta.main) {
  writeFileSync(`${root}${REFERENCE_PATH}`, await renderReference());
  process.stdout.write(`wrote ${REFERENCE_PATH}\n`);
}
