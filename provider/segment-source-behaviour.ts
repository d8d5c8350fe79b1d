/**
 * What `SegmentSource` does at each step, run inside the Pulumi provider process. The reconciler
 * is the system of record; this file translates between stack inputs and its API. The connection
 * string of a postgres source is sent when it is new or changed, never kept in outputs: the state
 * holds a fingerprint.
 */
import {
  ResourceNameSchema,
  SourcePutRequestSchema,
  type SegmentSourceView,
} from "../contract/index.ts";
import type {
  CheckResult,
  CreateResult,
  DiffResult,
  ReadResult,
  UpdateResult,
} from "./behaviour-results.ts";
import { checkFailures, type CheckFailure } from "./check-failures.ts";
import { fingerprint } from "./fingerprint.ts";
import { ReconcilerApiError, reconcilerFor, type ReconcilerClient } from "./reconciler-client.ts";
import type {
  SegmentSourceInputs as Inputs,
  SegmentSourceOutputs as Outputs,
} from "./segment-source.ts";
import { containsUnknown } from "./unknowns.ts";

/** The inputs that make up a source's body (what `PUT /v1/sources/{name}` takes, but the secret). */
export const SOURCE_BODY_KEYS = [
  "type",
  "sharing",
  "description",
  "path",
  "queries",
  "table",
  "accountUrl",
  "container",
  "prefix",
] as const;

/** The request body: what `PUT /v1/sources/{name}` takes. */
function requestBody(inputs: Partial<Inputs>, withSecret = true): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of SOURCE_BODY_KEYS) if (inputs[key] !== undefined) body[key] = inputs[key];
  if (withSecret && inputs.connectionString !== undefined) {
    body["connectionString"] = inputs.connectionString;
  }
  return body;
}

function secretFingerprint(inputs: Partial<Inputs>): string | undefined {
  return inputs.connectionString === undefined ? undefined : fingerprint(inputs.connectionString);
}

function toOutputs(source: SegmentSourceView, secret: string | undefined): Outputs {
  return {
    name: source.name,
    type: source.type,
    sharing: source.sharing,
    ...(source.description === undefined ? {} : { description: source.description }),
    ...(source.path === undefined ? {} : { path: source.path }),
    ...(source.queries === undefined ? {} : { queries: source.queries }),
    ...(source.table === undefined ? {} : { table: source.table }),
    ...(source.accountUrl === undefined ? {} : { accountUrl: source.accountUrl }),
    ...(source.container === undefined ? {} : { container: source.container }),
    ...(source.prefix === undefined ? {} : { prefix: source.prefix }),
    ...(secret === undefined ? {} : { connectionStringFingerprint: secret }),
    generation: source.generation,
  };
}

/** Validates inputs with the API's own schema; failures name the property. */
export async function checkSource(
  _olds: Partial<Inputs>,
  news: Inputs,
): Promise<CheckResult<Inputs>> {
  const failures: CheckFailure[] = checkFailures(SourcePutRequestSchema, requestBody(news), news);
  // The API keeps a stored connection string when none is sent; a declared postgres source
  // always carries its own.
  if (news.type === "postgres" && news.connectionString === undefined) {
    failures.push({
      property: "connectionString",
      reason: "required for a postgres source (postgres://…); it is stored as a secret",
    });
  }
  if (typeof news.name === "string" && !ResourceNameSchema.safeParse(news.name).success) {
    failures.push({
      property: "name",
      reason: "use 1-100 lowercase letters, digits, '.', '_' or '-'",
    });
  }
  return Promise.resolve({ inputs: news, failures });
}

/** Renaming replaces; everything else, a new connection string included, updates in place. */
export async function diffSource(_id: string, olds: Outputs, news: Inputs): Promise<DiffResult> {
  const replaces = news.name !== olds.name ? ["name"] : [];
  const changed: string[] = [...replaces];
  const before = SourcePutRequestSchema.safeParse(requestBody(olds));
  const after = SourcePutRequestSchema.safeParse(requestBody(news, false));
  if (
    containsUnknown(news) ||
    !before.success ||
    !after.success ||
    JSON.stringify(before.data) !== JSON.stringify(after.data)
  ) {
    changed.push("definition");
  }
  if (secretFingerprint(news) !== olds.connectionStringFingerprint) {
    changed.push("connectionString");
  }
  return Promise.resolve({ changes: changed.length > 0, replaces, deleteBeforeReplace: true });
}

/** The source of that name, if any; a token that may not read sources leaves that to create. */
async function existingSource(
  client: ReconcilerClient,
  name: string,
): Promise<SegmentSourceView | undefined> {
  try {
    return await client.getSource(name);
  } catch (error) {
    if (error instanceof ReconcilerApiError && error.status === 403) return undefined;
    throw error;
  }
}

/** Creates the source; an existing one of that name is an error unless `adopt` is set. */
export async function createSource(inputs: Inputs): Promise<CreateResult<Outputs>> {
  const client = await reconcilerFor(inputs.caller);
  if (inputs.adopt !== true && (await existingSource(client, inputs.name)) !== undefined) {
    throw new ReconcilerApiError(
      409,
      "ALREADY_EXISTS",
      `source '${inputs.name}' already exists in the reconciler; set adopt: true to manage it from this stack`,
    );
  }
  const stored = await client.putSource(inputs.name, requestBody(inputs));
  return { id: stored.name, outs: toOutputs(stored, secretFingerprint(inputs)) };
}

/** Sends the new definition, and the connection string only when it changed. */
export async function updateSource(
  _id: string,
  olds: Outputs,
  news: Inputs,
): Promise<UpdateResult<Outputs>> {
  const secret = secretFingerprint(news);
  const stored = await (
    await reconcilerFor(news.caller)
  ).putSource(news.name, requestBody(news, secret !== olds.connectionStringFingerprint));
  return { outs: toOutputs(stored, secret) };
}

/** The source as the reconciler holds it now (`pulumi refresh`); gone when deleted there. */
export async function readSource(id: string, props?: Outputs): Promise<ReadResult<Outputs>> {
  const stored = await (await reconcilerFor()).getSource(id);
  if (stored === undefined) return { id: "" };
  return { id, props: toOutputs(stored, props?.connectionStringFingerprint) };
}

/** Deletes the source; the reconciler refuses (409, naming them) while exports read it. */
export async function deleteSource(id: string, _props: Outputs): Promise<void> {
  await (await reconcilerFor()).deleteSource(id);
}
