/**
 * Shared pieces of the scheduler suites: a connection and a source written straight into the
 * store (the scheduler never talks to Constant Contact itself), export bodies, and waiting for
 * runs.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { sealCredentials } from "../../reconciler/src/secrets/connection-credentials.ts";
import type { SecretBox } from "../../reconciler/src/secrets/secret-box.ts";
import { getSource, insertSource } from "../../reconciler/src/store/source-store.ts";
import type { ConnectionRecord, Store } from "../../reconciler/src/store/store.ts";
import { apiCaller } from "../support/reconciler-fixtures.ts";

/**
 * Stores a files source `name` reading `path`, shared with contributors, unless it exists.
 * Stand-in executors never read it; the API only needs it to exist.
 */
export async function ensureSource(
  store: Store,
  name = "segments",
  path = "/nonexistent/segments",
): Promise<void> {
  if ((await getSource(store, name)) !== undefined) return;
  await insertSource(store, name, {
    type: "files",
    sharing: "contributors",
    description: null,
    settings: { type: "files", path },
    secret: null,
  });
}

/**
 * Stores a connected connection whose Constant Contact application is `clientId`, and the
 * source `segments` that {@link scheduledExport} names.
 */
export async function insertConnection(
  store: Store,
  secretBox: SecretBox,
  name: string,
  clientId: string,
): Promise<ConnectionRecord> {
  const sealed = sealCredentials(secretBox, name, {
    clientId,
    clientSecret: `secret-${randomBytes(8).toString("hex")}`,
    refreshToken: `rt-${randomBytes(8).toString("hex")}`,
  });
  await ensureSource(store);
  return store.insertConnection(name, {
    displayName: name,
    sharing: "contributors",
    exportUser: "ada@example.com",
    consent: {
      accepted: true,
      statementVersion: "2026-01",
      acceptedBy: "ada@example.com",
      acceptedAt: new Date().toISOString(),
      accountId: `acc-${name}`,
    },
    accountId: `acc-${name}`,
    organizationName: "Contoso",
    status: "connected",
    credentialsKeyId: sealed.keyId,
    credentialsCiphertext: sealed.ciphertext,
    credentialsInputHash: "input-hash",
    refreshTokenFingerprint: "fingerprint",
  });
}

/** An export body on `connection` with the given schedule and source folder. */
export function scheduledExport(
  connection: string,
  schedule: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    connection,
    listId: "6f1c5b7e-3c2a-4e0b-9a55-0a3c2b1d4e5f",
    mappings: { email: "email" },
    segments: ["high-value"],
    source: "segments",
    schedule,
    ...overrides,
  };
}

/** A small JSON client of one reconciler. */
export function apiClient(baseUrl: string, token: string) {
  const call = apiCaller(baseUrl, token);
  return (method: string, path: string, body?: unknown) =>
    call<Record<string, unknown> & { items: Array<Record<string, unknown>> }>(method, path, body);
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
