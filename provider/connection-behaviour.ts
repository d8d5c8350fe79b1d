/**
 * What `ConstantContactConnection` does at each step, run inside the Pulumi provider process.
 * The reconciler is the system of record; this file translates between stack inputs and its API.
 */
import {
  ConnectionPutRequestSchema,
  ResourceNameSchema,
  type Connection,
} from "../contract/index.ts";
import type {
  CheckResult as CheckResultOf,
  CreateResult as CreateResultOf,
  DiffResult,
  ReadResult as ReadResultOf,
  UpdateResult as UpdateResultOf,
} from "./behaviour-results.ts";
import { checkFailures } from "./check-failures.ts";
import type {
  ConstantContactConnectionInputs as Inputs,
  ConstantContactConnectionOutputs as Outputs,
} from "./connection.ts";
import { fingerprint } from "./fingerprint.ts";
import { ReconcilerApiError, reconcilerFor, type ReconcilerClient } from "./reconciler-client.ts";
import { containsUnknown } from "./unknowns.ts";

type CheckResult = CheckResultOf<Inputs>;
type CreateResult = CreateResultOf<Outputs>;
type ReadResult = ReadResultOf<Outputs>;
type UpdateResult = UpdateResultOf<Outputs>;

function credentialsFingerprint(inputs: Inputs): string {
  const { clientId, clientSecret, refreshToken } = inputs.credentials;
  return fingerprint(clientId, clientSecret, refreshToken);
}

function requestBody(inputs: Inputs, options = { withCredentials: true }) {
  return {
    displayName: inputs.displayName,
    sharing: inputs.sharing ?? "admins",
    consent: inputs.consent,
    ...(options.withCredentials ? { credentials: inputs.credentials } : {}),
    exportUser: inputs.exportUser,
  };
}

function toOutputs(connection: Connection, credentials: string): Outputs {
  return {
    name: connection.name,
    displayName: connection.displayName,
    sharing: connection.sharing,
    exportUser: connection.exportUser,
    consent: connection.consent,
    accountId: connection.accountId,
    organizationName: connection.organizationName,
    status: connection.status,
    credentialsFingerprint: credentials,
    generation: connection.generation,
  };
}

/** Validates inputs with the API's own schema; failures name the property. */
export async function checkConnection(_olds: Inputs, news: Inputs): Promise<CheckResult> {
  const failures = [
    ...checkFailures(ConnectionPutRequestSchema, requestBody(news), news),
    // The API takes a change without credentials; a declared connection always has them.
    ...(news.credentials === undefined
      ? [{ property: "credentials", reason: "required: clientId, clientSecret, refreshToken" }]
      : []),
    ...(typeof news.name === "string" && !ResourceNameSchema.safeParse(news.name).success
      ? [{ property: "name", reason: "use 1-100 lowercase letters, digits, '.', '_' or '-'" }]
      : []),
  ];
  return Promise.resolve({ inputs: news, failures });
}

/** Renaming replaces; everything else, new credentials included, updates in place. */
export async function diffConnection(
  _id: string,
  olds: Outputs,
  news: Inputs,
): Promise<DiffResult> {
  const replaces = news.name !== olds.name ? ["name"] : [];
  const changed: string[] = [...replaces];
  if (news.displayName !== olds.displayName) changed.push("displayName");
  if ((news.sharing ?? "admins") !== olds.sharing) changed.push("sharing");
  if (news.exportUser !== olds.exportUser) changed.push("exportUser");
  if (
    news.consent?.statementVersion !== olds.consent?.statementVersion ||
    news.consent?.acceptedBy !== olds.consent?.acceptedBy
  ) {
    changed.push("consent");
  }
  if (
    containsUnknown(news.credentials) ||
    credentialsFingerprint(news) !== olds.credentialsFingerprint
  ) {
    changed.push("credentials");
  }
  return Promise.resolve({ changes: changed.length > 0, replaces, deleteBeforeReplace: true });
}

/**
 * The connection of that name, if any. A token that may not read connections may not create one
 * either: leave the refusal to the create itself, whose message says what creating needs.
 */
async function existingConnection(
  client: ReconcilerClient,
  name: string,
): Promise<Connection | undefined> {
  try {
    return await client.getConnection(name);
  } catch (error) {
    if (error instanceof ReconcilerApiError && error.status === 403) return undefined;
    throw error;
  }
}

/**
 * Creates the connection (the reconciler verifies the credentials against Constant Contact and
 * stores nothing when they fail). An existing connection of that name is an error unless
 * `adopt` is set.
 */
export async function createConnection(inputs: Inputs): Promise<CreateResult> {
  const client = await reconcilerFor(inputs.caller);
  if (inputs.adopt !== true && (await existingConnection(client, inputs.name)) !== undefined) {
    throw new ReconcilerApiError(
      409,
      "ALREADY_EXISTS",
      `connection '${inputs.name}' already exists in the reconciler; set adopt: true to manage it from this stack`,
    );
  }
  const connection = await client.putConnection(inputs.name, requestBody(inputs));
  return { id: connection.name, outs: toOutputs(connection, credentialsFingerprint(inputs)) };
}

/**
 * Sends the new definition, and the credentials only when they changed: the refresh token is
 * handed over once, and the reconciler keeps the one it has rotated since.
 */
export async function updateConnection(
  _id: string,
  olds: Outputs,
  news: Inputs,
): Promise<UpdateResult> {
  const credentials = credentialsFingerprint(news);
  const connection = await (
    await reconcilerFor(news.caller)
  ).putConnection(
    news.name,
    requestBody(news, { withCredentials: credentials !== olds.credentialsFingerprint }),
  );
  return { outs: toOutputs(connection, credentials) };
}

/** The connection as the reconciler holds it now (`pulumi refresh`); gone when deleted there. */
export async function readConnection(id: string, props?: Outputs): Promise<ReadResult> {
  const connection = await (await reconcilerFor()).getConnection(id);
  if (connection === undefined) return { id: "" };
  return { id, props: toOutputs(connection, props?.credentialsFingerprint ?? "") };
}

/** Deletes the connection; the reconciler refuses (409, naming them) while exports use it. */
export async function deleteConnection(id: string, _props: Outputs): Promise<void> {
  await (await reconcilerFor()).deleteConnection(id);
}
