/**
 * The Pulumi package schema of the `ccx` resource plugin: its resources, their inputs and outputs,
 * and the provider's configuration. Field descriptions come from the contract's zod schemas, the
 * same text as the reconciler's OpenAPI document; the few properties that exist only in the
 * provider (the resource name, adoption, fingerprints, the last run) are described here.
 */
import { SOURCE_BODY_KEYS } from "../segment-source-behaviour.ts";
import { z } from "zod";
import {
  ConnectionPutRequestSchema,
  ConnectionSchema,
  ExportPutRequestSchema,
  ExportSchema,
  RunSchema,
  SegmentSourceSchema,
  SourcePutRequestSchema,
} from "../../contract/index.ts";
import {
  jsonSchemaOf,
  PulumiTypeMapper,
  type PulumiObjectType,
  type PulumiProperty,
} from "./schema-types.ts";

/** The package name: type tokens are `ccx:index:<Resource>`, config keys `ccx:<key>`. */
export const PACKAGE_NAME = "ccx";

/** The resource type tokens the plugin serves. */
export const TYPE_TOKENS = {
  connection: `${PACKAGE_NAME}:index:ConstantContactConnection`,
  source: `${PACKAGE_NAME}:index:SegmentSource`,
  export: `${PACKAGE_NAME}:index:SegmentExport`,
} as const;

interface ResourceSpec {
  description: string;
  inputProperties: Record<string, PulumiProperty>;
  requiredInputs: string[];
  properties: Record<string, PulumiProperty>;
  required: string[];
}

const nameProperty = (what: string): PulumiProperty => ({
  type: "string",
  description:
    `Name of the ${what} in the reconciler: 1-100 lowercase letters, digits, \`.\`, \`_\` or ` +
    "`-`, starting and ending with a letter or digit. Renaming replaces the resource. " +
    "@default the resource name",
  replaceOnChanges: true,
});

const adoptProperty = (what: string): PulumiProperty => ({
  type: "boolean",
  description:
    `Take over ${what} of that name that already exists in the reconciler, instead of failing. ` +
    "(`pulumi import` adopts one too.) @default false",
});

const generationProperty: PulumiProperty = {
  type: "integer",
  description: "Bumped by the reconciler on every definition change",
};

/** Converts the top-level properties of `schema` (as inputs or outputs see it), or only `keys`. */
function convert(
  mapper: PulumiTypeMapper,
  schema: z.ZodType,
  io: "input" | "output",
  owner: string,
  keys?: readonly string[],
): { properties: Record<string, PulumiProperty>; required: string[] } {
  const { object, defs } = mapper.objectOf(jsonSchemaOf(schema, io));
  return mapper.properties(object, defs, owner, keys);
}

function connectionSpec(mapper: PulumiTypeMapper): ResourceSpec {
  const inputs = convert(mapper, ConnectionPutRequestSchema, "input", "Connection");
  const credentials = inputs.properties["credentials"];
  if (credentials === undefined) throw new Error("connection: the contract has no credentials");
  const outputKeys = [
    "displayName",
    "sharing",
    "exportUser",
    "consent",
    "accountId",
    "organizationName",
    "status",
  ];
  const outputs = convert(mapper, ConnectionSchema, "output", "Connection", outputKeys);
  return {
    description:
      "A Constant Contact connection held by the ccx reconciler. Admins only: creating, changing " +
      "or deleting one needs an admin token. Creating verifies the credentials against Constant " +
      "Contact; nothing is kept when they fail.",
    inputProperties: {
      name: nameProperty("connection"),
      ...inputs.properties,
      // Always a secret, whether or not the program marks it; the state keeps it encrypted.
      credentials: { ...credentials, secret: true },
      adopt: adoptProperty("a connection"),
    },
    requiredInputs: ["displayName", "consent", "credentials", "exportUser"],
    properties: {
      name: nameProperty("connection"),
      ...outputs.properties,
      credentialsFingerprint: {
        type: "string",
        description:
          "Truncated SHA-256 of the credentials last sent: how a change is noticed without " +
          "keeping the token in outputs",
      },
      generation: generationProperty,
    },
    required: ["name", ...outputKeys, "credentialsFingerprint", "generation"],
  };
}

/** The three source kinds' fields side by side: one resource with a `type` discriminator. */
function sourceInputs(mapper: PulumiTypeMapper): Record<string, PulumiProperty> {
  const document = jsonSchemaOf(SourcePutRequestSchema, "input");
  const { object, defs } = mapper.objectOf(document);
  const merged: Record<string, PulumiProperty> = {};
  const kinds: string[] = [];
  for (const variant of object.oneOf ?? []) {
    const { object: member } = mapper.objectOf({ ...variant, $defs: defs });
    const kind = member.properties?.["type"]?.const;
    if (typeof kind === "string") kinds.push(kind);
    const { properties } = mapper.properties(member, defs, "Source");
    for (const [key, property] of Object.entries(properties)) {
      if (key === "type" || merged[key] !== undefined) continue;
      const scope = ["sharing", "description"].includes(key) ? "" : `${String(kind)}: `;
      merged[key] = { ...property, description: `${scope}${property.description ?? ""}`.trim() };
    }
  }
  return {
    type: {
      type: "string",
      description: `Where the data lives. One of: ${kinds.map((k) => `\`${k}\``).join(", ")}.`,
    },
    ...merged,
  };
}

function sourceSpec(mapper: PulumiTypeMapper): ResourceSpec {
  const inputs = sourceInputs(mapper);
  const connectionString = inputs["connectionString"];
  if (connectionString === undefined) throw new Error("source: the contract lost connectionString");
  const outputKeys = [...SOURCE_BODY_KEYS, "connectionStringFingerprint"];
  const outputs = convert(mapper, SegmentSourceSchema, "output", "Source", outputKeys);
  return {
    description:
      "Where segment data lives, held by the ccx reconciler. Admins only. Exports (contributors' " +
      "too, when shared) name it and pick segments; they never choose paths, URLs, SQL or " +
      "credentials.",
    inputProperties: {
      name: nameProperty("source"),
      ...inputs,
      connectionString: { ...connectionString, secret: true },
      adopt: adoptProperty("a source"),
    },
    requiredInputs: ["type"],
    properties: {
      name: nameProperty("source"),
      ...outputs.properties,
      generation: generationProperty,
    },
    required: ["name", "type", "sharing", "generation"],
  };
}

/** The last run as `pulumi refresh` shows it: a few fields of the API's run. */
function lastRunType(mapper: PulumiTypeMapper): PulumiProperty {
  const keys = ["id", "status", "trigger", "finishedAt", "counts", "error"];
  const { properties } = convert(mapper, RunSchema, "output", "Run", keys);
  const error = mapper.types[`${PACKAGE_NAME}:index:RunError`];
  if (error !== undefined) {
    // The run's own error carries details; the last run keeps only code and message.
    delete error.properties["details"];
  }
  const token = `${PACKAGE_NAME}:index:LastRun`;
  mapper.types[token] = {
    type: "object",
    description: "The most recent run of the export",
    properties,
    required: ["id", "status", "trigger", "counts"],
  };
  return {
    $ref: `#/types/${token}`,
    description: "Status and counts of the most recent run (updated by `pulumi refresh`)",
  };
}

function exportSpec(mapper: PulumiTypeMapper): ResourceSpec {
  const inputs = convert(mapper, ExportPutRequestSchema, "input", "Export");
  const stored = convert(mapper, ExportSchema, "output", "Export", ["definitionHash", "attached"]);
  return {
    description:
      "An export of one or more segments to a Constant Contact list, run by the ccx reconciler " +
      "on its schedule. Saving does not run it. `pulumi preview` shows the data plan of a " +
      "change (adds, updates, removals, suppressed opt-outs) and fails when a guard would trip.",
    inputProperties: {
      name: nameProperty("export"),
      ...inputs.properties,
      adopt: adoptProperty("an export"),
    },
    requiredInputs: inputs.required,
    properties: {
      name: nameProperty("export"),
      ...inputs.properties,
      generation: generationProperty,
      ...stored.properties,
      lastRun: lastRunType(mapper),
      listDrift: {
        type: "integer",
        description:
          "Members on the list minus those the last run synced (0: as synced; absent: not " +
          "verified yet). Non-zero when someone edited the list in Constant Contact; reported, " +
          "never fought.",
      },
    },
    required: ["name", ...inputs.required, "generation", "definitionHash", "attached"],
  };
}

/** The package schema, as `pulumi package get-schema ccx` prints it. */
export function packageSchema(version: string): Record<string, unknown> {
  const mapper = new PulumiTypeMapper(PACKAGE_NAME);
  const endpoint: PulumiProperty = {
    type: "string",
    description:
      "Base URL of the ccx reconciler, e.g. `https://ccx.example.com` (plain `http://` only for " +
      "loopback). Falls back to the environment variable `CCX_ENDPOINT`.",
  };
  const token: PulumiProperty = {
    type: "string",
    secret: true,
    description:
      "An API token of the reconciler; its role (admin, contributor, viewer) decides what the " +
      "stack may do. Falls back to the environment variable `CCX_TOKEN`.",
  };
  const resources = {
    [TYPE_TOKENS.connection]: connectionSpec(mapper),
    [TYPE_TOKENS.source]: sourceSpec(mapper),
    [TYPE_TOKENS.export]: exportSpec(mapper),
  };
  return {
    name: PACKAGE_NAME,
    displayName: "ccx",
    version,
    description:
      "Declare Constant Contact connections, segment sources and segment exports run by the ccx " +
      "reconciler.",
    keywords: ["pulumi", "ccx", "constant-contact", "category/utility", "kind/native"],
    license: "Apache-2.0",
    repository: "https://github.com/ccx-project/ccx",
    publisher: "ccx",
    config: { variables: { endpoint, token } },
    provider: {
      description: "The ccx provider: where the reconciler is and which token to use.",
      inputProperties: { endpoint, token },
      properties: { endpoint },
    },
    types: sortedTypes(mapper.types),
    resources,
    language: {
      nodejs: {
        packageName: "@ccx/pulumi-sdk",
        packageDescription: "The ccx resource plugin's generated Node.js SDK.",
        dependencies: { "@pulumi/pulumi": "^3.150.0" },
      },
      python: { packageName: "ccx_pulumi" },
    },
  };
}

function sortedTypes(types: Record<string, PulumiObjectType>): Record<string, PulumiObjectType> {
  return Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b)));
}
