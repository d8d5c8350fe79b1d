/**
 * The reconciler over real HTTP (`startReconciler` on 127.0.0.1:0, PGlite in a temporary data
 * directory) with the real Constant Contact verifier against the emulator.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import { parseConfig } from "../../reconciler/src/config.ts";
import { ConnectionTokenStore } from "../../reconciler/src/adapters/connection-token-store.ts";
import {
  createCtctClient,
  refreshAccessToken,
  TokenRefresher,
} from "../../reconciler/src/ctct/index.ts";
import { openCredentials } from "../../reconciler/src/secrets/connection-credentials.ts";
import { SecretBox } from "../../reconciler/src/secrets/secret-box.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import {
  apiCaller,
  connectionBody,
  exportBody,
  filesSourceBody,
  LogSink,
  newEmulatorCredentials,
} from "../support/reconciler-fixtures.ts";

const adminToken = generateToken();
const encryptionKey = randomBytes(32);
const logs = new LogSink();
const seen: string[] = [];
const secrets: string[] = [adminToken];
let dataDir: string;
let emulator: Emulator;
let reconciler: RunningReconciler;

// Every response body is kept, to be scanned for secrets.
const call = apiCaller(() => reconciler.url, adminToken, { observe: (text) => seen.push(text) });

const emulatorCredentials = (organizationName: string) =>
  newEmulatorCredentials(emulator, organizationName, secrets);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "ccx-http-"));
  emulator = await startEmulator({ activityTiming: "instant" });
  const config = parseConfig({
    server: { host: "127.0.0.1", port: 0 },
    store: { dataDir },
    sources: { files: { roots: [dataDir] } },
    secrets: { activeKeyId: "k1", keys: { k1: encryptionKey.toString("base64") } },
    auth: { bootstrapAdminToken: adminToken },
    log: { level: "debug" },
    ctct: { apiBaseUrl: emulator.apiBaseUrl, tokenUrl: emulator.tokenUrl },
  });
  reconciler = await startReconciler(config, { logDestination: logs });
});

afterAll(async () => {
  await reconciler.close();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("reconciler over HTTP with the emulator", () => {
  it("verifies credentials against Constant Contact and stores the account", async () => {
    const { accountId, credentials } = emulatorCredentials("Contoso Emulated");
    const response = await call("PUT", "/v1/connections/emulated", connectionBody(credentials), {
      "x-ccx-stack": "org/admin/dev",
      "x-ccx-update-id": "u-1",
    });
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({
      accountId,
      organizationName: "Contoso Emulated",
      status: "connected",
    });
    // The refresh token was spent on verification (rotation): replaying the stack's copy does
    // not re-verify, so the repeated PUT still succeeds and changes nothing.
    const repeated = await call("PUT", "/v1/connections/emulated", connectionBody(credentials));
    expect(repeated).toMatchObject({ status: 200, json: { generation: 1 } });

    // What is stored is the rotated refresh token, encrypted; the stack's copy is dead.
    const stored = await reconciler.store.getConnection("emulated");
    const box = new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", encryptionKey]]) });
    const kept = JSON.parse(
      box.open(stored?.credentialsCiphertext ?? "", "connection:emulated"),
    ) as {
      refreshToken: string;
    };
    expect(kept.refreshToken).not.toBe(credentials.refreshToken);
    secrets.push(kept.refreshToken);
    const app = { ...credentials, tokenUrl: emulator.tokenUrl };
    await expect(refreshAccessToken(app, credentials.refreshToken)).rejects.toMatchObject({
      code: "CTCT_OAUTH_FAILED",
    });
  });

  it("lets the Constant Contact client use and rotate the stored tokens", async () => {
    const box = new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", encryptionKey]]) });
    const record = await reconciler.store.getConnection("emulated");
    if (record === undefined) throw new Error("connection 'emulated' is missing");
    const before = openCredentials(box, record);
    const tokenStore = new ConnectionTokenStore(reconciler.store, box, record);
    const app = {
      clientId: before.clientId,
      clientSecret: before.clientSecret,
      tokenUrl: emulator.tokenUrl,
    };
    const client = createCtctClient({
      app,
      tokenStore,
      refresher: new TokenRefresher(tokenStore, app),
      apiBaseUrl: emulator.apiBaseUrl,
      tokenUrl: emulator.tokenUrl,
    });
    try {
      expect((await client.accountSummary()).encodedAccountId).toBe(record.accountId);
    } finally {
      await client.close();
    }
    const after = await reconciler.store.getConnection("emulated");
    const kept = openCredentials(box, after ?? record);
    secrets.push(kept.refreshToken, ...(kept.accessToken === undefined ? [] : [kept.accessToken]));
    expect(kept.refreshToken).not.toBe(before.refreshToken);
    expect(after).toMatchObject({ generation: 1, status: "connected" });
  });

  it("changes a connection without credentials, keeping the stored ones; refuses to create one so", async () => {
    const before = await reconciler.store.getConnection("emulated");
    const { credentials: _omitted, ...withoutCredentials } = connectionBody({
      clientId: "unused",
      clientSecret: "unused",
      refreshToken: "unused",
    });
    const changed = await call("PUT", "/v1/connections/emulated", {
      ...withoutCredentials,
      displayName: "Emulated, renamed",
    });
    expect(changed).toMatchObject({ status: 200, json: { displayName: "Emulated, renamed" } });
    const after = await reconciler.store.getConnection("emulated");
    expect(after?.credentialsCiphertext).toBe(before?.credentialsCiphertext);
    expect(after?.refreshTokenFingerprint).toBe(before?.refreshTokenFingerprint);

    const created = await call("PUT", "/v1/connections/no-credentials", withoutCredentials);
    expect(created.status).toBe(400);
    expect(created.json.error).toMatchObject({
      code: "VALIDATION_FAILED",
      details: { issues: [{ path: "credentials" }] },
    });
    expect(await reconciler.store.getConnection("no-credentials")).toBeUndefined();
  });

  it("leaves nothing behind when Constant Contact rejects the credentials", async () => {
    const { credentials } = emulatorCredentials("Wrong");
    const response = await call(
      "PUT",
      "/v1/connections/wrong-secret",
      connectionBody({ ...credentials, clientSecret: "not-the-secret" }),
    );
    expect(response.status).toBe(422);
    expect(response.json.error.code).toBe("CREDENTIALS_REJECTED");
    expect(await reconciler.store.getConnection("wrong-secret")).toBeUndefined();
  });

  it("saves an export, queues a run with the stack that asked, and serves OpenAPI and metrics", async () => {
    // The export names the admin's source of its segments.
    expect((await call("PUT", "/v1/sources/segments", filesSourceBody(dataDir))).status).toBe(201);
    expect((await call("PUT", "/v1/exports/weekly", exportBody("emulated"))).status).toBe(201);
    const run = await call("POST", "/v1/exports/weekly/runs", undefined, {
      "x-ccx-stack": "org/team/dev",
      "x-ccx-update-id": "u-2",
    });
    expect(run).toMatchObject({
      status: 202,
      json: { status: "queued", stack: "org/team/dev", updateId: "u-2" },
    });
    const doc = await call("GET", "/openapi.json");
    expect(doc.json.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.json.paths as object)).toContain(
      "/v1/exports/{name}/runs/{runId}/cancel",
    );
    const metrics = await request(`${reconciler.url}/metrics`);
    expect(await metrics.body.text()).toContain("ccx_http_requests_total");
    expect((await call("GET", "/readyz")).json).toEqual({ status: "ok" });
  });

  it("keeps tokens and client secrets out of responses and logs", () => {
    const responses = seen.join("\n");
    const logText = logs.text();
    expect(logText).toContain('"path":"/v1/connections/emulated"');
    for (const secret of secrets) {
      expect(responses.includes(secret)).toBe(false);
      expect(logText.includes(secret)).toBe(false);
    }
  });
});
