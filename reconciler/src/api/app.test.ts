import { randomBytes, randomUUID } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectionBody,
  exportBody,
  filesSourceBody,
  LogSink,
  parseApiJson,
  RotatingTokenVerifier,
} from "../../../test/support/reconciler-fixtures.ts";
import { API_LEVEL, MIN_CLIENT_API_LEVEL } from "../../../contract/version.ts";
import { generateToken, hashToken } from "../auth/api-token.ts";
import { isAllowed, roles, type Role } from "../core/permissions.ts";
import { SecretBox } from "../secrets/secret-box.ts";
import { migrate } from "../store/migrations.ts";
import { IN_MEMORY, openPgliteDatabase } from "../store/pglite-database.ts";
import type { SqlDatabase } from "../store/sql-database.ts";
import { Store } from "../store/store.ts";
import { createLogger } from "../main.ts";
import { createApp } from "./app.ts";
import { routeTable } from "./route-table.ts";

// One PGlite for the whole file: it takes seconds and ~1 GB to start.
let db: SqlDatabase;
let store: Store;
let app: ReturnType<typeof createApp>["app"];
const logs = new LogSink();
const verifier = new RotatingTokenVerifier();
const tokens = {} as Record<Role, string>;
const bootstrapToken = generateToken();
/** Every response body the tests saw, for the secret scan. */
const responses: Array<{ status: number; body: string }> = [];
/** Every secret the tests sent, for the secret scan. */
const secrets: string[] = [bootstrapToken];
/** Folders: `root` is the only allowed root; `outside` is readable but outside it. */
const scratch = realpathSync(mkdtempSync(join(tmpdir(), "ccx-app-test-")));
const root = join(scratch, "root");
const outside = join(scratch, "outside");
/** A postgres connection string a source is given: it must never come back. */
const sourceConnectionString = `postgres://segments:pw-${randomBytes(12).toString("hex")}@127.0.0.1:1/crm`;
secrets.push(sourceConnectionString);

interface Call {
  /** A role's token, the bootstrap token, no token, or any literal `Authorization` token. */
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

async function call(method: string, path: string, options: Call = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const token =
    options.token === undefined
      ? tokens.admin
      : options.token === "bootstrap"
        ? bootstrapToken
        : options.token === "none"
          ? undefined
          : (tokens[options.token as Role] ?? options.token);
  if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && headers["content-type"] === undefined) {
    headers["content-type"] = "application/json";
  }
  const response = await app.request(path, { method, headers, body });
  const text = await response.text();
  responses.push({ status: response.status, body: text });
  return { status: response.status, json: parseApiJson(text), text };
}

function credentialsFor(accountId: string, organizationName = "Contoso") {
  const clientId = `client-${randomBytes(4).toString("hex")}`;
  const clientSecret = `secret-${randomBytes(16).toString("hex")}`;
  const refreshToken = verifier.issue({ clientId, clientSecret, accountId, organizationName });
  secrets.push(clientSecret, refreshToken);
  return { clientId, clientSecret, refreshToken };
}

beforeAll(async () => {
  for (const folder of [join(root, "segments"), join(root, "private"), outside]) {
    mkdirSync(folder, { recursive: true });
  }
  writeFileSync(join(outside, "salaries.csv"), "email,salary\nceo@example.com,1000000\n");
  symlinkSync(outside, join(root, "escape"));
  db = await openPgliteDatabase(IN_MEMORY);
  await migrate(db);
  store = new Store(db);
  for (const role of roles) {
    const token = generateToken();
    tokens[role] = token;
    secrets.push(token);
    await store.createToken({ name: `${role}-token`, role, tokenHash: hashToken(token) });
  }
  // The reconciler's own logger, with its redaction rules.
  const logger = createLogger("debug", logs);
  app = createApp({
    store,
    verifier,
    secretBox: new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", randomBytes(32)]]) }),
    logger,
    bootstrapAdminTokenHash: hashToken(bootstrapToken),
    bodyLimitBytes: 64 * 1024,
    sourcePolicy: {
      files: { roots: [root] },
      azureBlob: { allowed: [{ accountUrl: "https://contoso.blob.core.windows.net" }] },
      postgres: { statementTimeoutMs: 1000, maxRows: 100, maxBytes: 10_000 },
    },
  }).app;
  // Sources: one shared with contributors (what exportBody reads), one for admins only.
  expect(
    (await call("PUT", "/v1/sources/segments", { body: filesSourceBody(join(root, "segments")) }))
      .status,
  ).toBe(201);
  expect(
    (
      await call("PUT", "/v1/sources/admin-only", {
        body: filesSourceBody(join(root, "private"), { sharing: "admins" }),
      })
    ).status,
  ).toBe(201);
  // Fixtures: one connection per sharing setting, one export on each.
  expect(
    (
      await call("PUT", "/v1/connections/shared", {
        body: connectionBody(credentialsFor("acc-shared")),
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await call("PUT", "/v1/connections/private", {
        body: connectionBody(credentialsFor("acc-private"), { sharing: "admins" }),
      })
    ).status,
  ).toBe(201);
  expect((await call("PUT", "/v1/exports/on-shared", { body: exportBody("shared") })).status).toBe(
    201,
  );
  expect(
    (await call("PUT", "/v1/exports/on-private", { body: exportBody("private") })).status,
  ).toBe(201);
}, 60_000);

afterAll(async () => {
  await db.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("authorisation matrix: every route × every role", () => {
  // Targets that pass the role check but change nothing: unknown names, empty bodies.
  const concrete = (path: string) =>
    path.replace("{name}", "matrix-missing").replace("{runId}", randomUUID());
  const cases = routeTable.flatMap((route) =>
    roles.map((role) => ({ ...route, role, allowed: isAllowed(role, route.action) })),
  );

  it("gives every route the action the seed product's split calls for", () => {
    // Written out by hand from the issue's table, so a route with the wrong action fails here.
    expect(
      Object.fromEntries(
        routeTable.map((route) => [`${route.method} ${route.path}`, route.action]),
      ),
    ).toEqual({
      "get /v1/connections": "connection.list",
      "get /v1/connections/{name}": "connection.read",
      "put /v1/connections/{name}": "connection.manage",
      "delete /v1/connections/{name}": "connection.manage",
      "get /v1/sources": "source.list",
      "get /v1/sources/{name}": "source.read",
      "put /v1/sources/{name}": "source.manage",
      "delete /v1/sources/{name}": "source.manage",
      "get /v1/exports": "export.read",
      "get /v1/exports/{name}": "export.read",
      "put /v1/exports/{name}": "export.manage",
      "delete /v1/exports/{name}": "export.manage",
      "post /v1/exports/{name}/detach": "export.manage",
      "post /v1/exports/{name}/attach": "export.manage",
      "get /v1/exports/{name}/runs": "export.read",
      "get /v1/exports/{name}/runs/{runId}": "export.read",
      "post /v1/exports/{name}/runs": "export.manage",
      "post /v1/exports/{name}/runs/{runId}/cancel": "export.manage",
      "post /v1/exports/{name}/plan": "export.read",
      "get /v1/me": "export.read",
      "get /v1/version": "export.read",
      "post /v1/runs/run-all": "export.manage",
      "get /v1/connections/{name}/budget": "export.read",
    });
    expect(cases).toHaveLength(routeTable.length * roles.length);
  });

  it.each(cases)(
    "$method $path as $role → allowed: $allowed",
    async ({ method, path, role, allowed, action }) => {
      const hasBody = method === "put" || method === "post";
      const response = await call(method.toUpperCase(), concrete(path), {
        token: role,
        ...(hasBody ? { body: {} } : {}),
      });
      if (allowed) {
        expect([401, 403]).not.toContain(response.status);
        expect(response.status).toBeLessThan(500);
      } else {
        expect(response.status).toBe(403);
        expect(response.json.error.code).toBe("FORBIDDEN");
        expect(response.json.error.message).toMatch(
          new RegExp(`needs the .*role; this token has ${role}$`),
        );
        expect(response.json.error.details).toMatchObject({ action, role });
      }
    },
  );

  it.each(routeTable)("$method $path without a token → 401", async ({ method, path }) => {
    const response = await call(method.toUpperCase(), concrete(path), { token: "none" });
    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe("UNAUTHENTICATED");
  });

  it("names the role needed in the 403 message", async () => {
    const response = await call("PUT", "/v1/connections/x", { token: "contributor", body: {} });
    expect(response.json.error.message).toBe(
      "creating or changing a connection needs the admin role; this token has contributor",
    );
  });

  it("lets contributors manage exports only on connections shared with contributors", async () => {
    const onPrivate = await call("PUT", "/v1/exports/contrib-private", {
      token: "contributor",
      body: exportBody("private"),
    });
    expect(onPrivate.status).toBe(403);
    expect(onPrivate.json.error.message).toContain("connection 'private' needs the admin role");
    expect(
      (await call("POST", "/v1/exports/on-private/runs", { token: "contributor" })).status,
    ).toBe(403);
    expect((await call("DELETE", "/v1/exports/on-private", { token: "contributor" })).status).toBe(
      403,
    );
    expect(
      (await call("POST", "/v1/exports/on-private/detach", { token: "contributor" })).status,
    ).toBe(403);
    // Moving an export from a shared connection to an admins-only one is refused too.
    const moved = await call("PUT", "/v1/exports/on-shared", {
      token: "contributor",
      body: exportBody("private"),
    });
    expect(moved.status).toBe(403);

    const onShared = await call("PUT", "/v1/exports/contrib-shared", {
      token: "contributor",
      body: exportBody("shared"),
    });
    expect(onShared.status).toBe(201);
    expect(
      (await call("DELETE", "/v1/exports/contrib-shared", { token: "contributor" })).status,
    ).toBe(204);
  });

  it("shows contributors the name and type of shared connections only, and viewers the exports", async () => {
    const asContributor = await call("GET", "/v1/connections", { token: "contributor" });
    expect(asContributor.json).toEqual({ items: [{ name: "shared", type: "constant-contact" }] });
    const asAdmin = await call("GET", "/v1/connections", { token: "admin" });
    expect(asAdmin.json.items.map((item: { name: string }) => item.name)).toEqual([
      "private",
      "shared",
    ]);
    expect(asAdmin.json.items[0]?.consent.statementVersion).toBe("2026-01");
    const asViewer = await call("GET", "/v1/exports", { token: "viewer" });
    expect(asViewer.status).toBe(200);
    expect(asViewer.json.items.map((item: { name: string }) => item.name)).toContain("on-private");
  });

  it("accepts the bootstrap admin token and rejects malformed and unknown tokens", async () => {
    expect((await call("GET", "/v1/connections/shared", { token: "bootstrap" })).status).toBe(200);
    const malformed = await call("GET", "/v1/exports", { token: "not-a-token" });
    expect(malformed.status).toBe(401);
    expect(malformed.json.error.message).toContain("ccx_");
    const unknown = await call("GET", "/v1/exports", { token: generateToken() });
    expect(unknown.status).toBe(401);
    expect(unknown.json.error.message).toContain("unknown or revoked");
  });
});

describe("connections", () => {
  it("creates, answers a repeated PUT without change, and records consent in the audit log", async () => {
    const credentials = credentialsFor("acc-1", "Contoso Ltd");
    const body = connectionBody(credentials);
    const created = await call("PUT", "/v1/connections/idem", {
      body,
      headers: { "x-ccx-stack": "org/admin/prod", "x-ccx-update-id": "upd-1" },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: "idem",
      type: "constant-contact",
      accountId: "acc-1",
      organizationName: "Contoso Ltd",
      status: "connected",
      generation: 1,
      consent: {
        accepted: true,
        statementVersion: "2026-01",
        acceptedBy: "ada@example.com",
        accountId: "acc-1",
      },
    });
    expect(created.json.refreshTokenFingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(created.text).not.toContain(credentials.refreshToken);
    expect(created.text).not.toContain(credentials.clientSecret);
    const auditBefore = await store.listAudit({ targetType: "connection", targetName: "idem" });
    expect(auditBefore.map((entry) => entry.action)).toEqual([
      "connection.create",
      "connection.consent",
    ]);
    expect(auditBefore[0]).toMatchObject({
      actorName: "admin-token",
      actorRole: "admin",
      stack: "org/admin/prod",
      updateId: "upd-1",
    });

    // The stack sends the same (now stale) refresh token again: nothing changes, no re-verification.
    const verificationsBefore = verifier.verifications;
    const repeated = await call("PUT", "/v1/connections/idem", { body });
    expect(repeated.status).toBe(200);
    expect(repeated.json.generation).toBe(1);
    expect(repeated.json.consent.acceptedAt).toBe(created.json.consent.acceptedAt);
    expect(verifier.verifications).toBe(verificationsBefore);
    expect(await store.listAudit({ targetType: "connection", targetName: "idem" })).toHaveLength(2);
  });

  it("keeps exports when the sharing changes", async () => {
    const credentials = credentialsFor("acc-2");
    await call("PUT", "/v1/connections/resharing", { body: connectionBody(credentials) });
    expect((await call("PUT", "/v1/exports/kept", { body: exportBody("resharing") })).status).toBe(
      201,
    );
    const changed = await call("PUT", "/v1/connections/resharing", {
      body: connectionBody(credentials, { sharing: "admins" }),
    });
    expect(changed.json).toMatchObject({ sharing: "admins", generation: 2, exports: ["kept"] });
    expect((await call("GET", "/v1/exports/kept", { token: "viewer" })).json.attached).toBe(true);
  });

  it("requires a new consent when the Constant Contact account changes", async () => {
    await call("PUT", "/v1/connections/moving", {
      body: connectionBody(credentialsFor("acc-old")),
    });
    const other = credentialsFor("acc-new");
    const refused = await call("PUT", "/v1/connections/moving", { body: connectionBody(other) });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe("CONSENT_RENEWAL_REQUIRED");
    expect(refused.json.error.message).toContain("consent.accountId to 'acc-new'");
    // The refused attempt spent the token (rotation); a fresh one from `ccx connect` is used.
    const fresh = credentialsFor("acc-new");
    const agreed = await call("PUT", "/v1/connections/moving", {
      body: connectionBody(fresh, {
        consent: {
          accepted: true,
          statementVersion: "2026-01",
          acceptedBy: "bob@example.com",
          accountId: "acc-new",
        },
      }),
    });
    expect(agreed.status).toBe(200);
    expect(agreed.json).toMatchObject({
      accountId: "acc-new",
      generation: 2,
      consent: { acceptedBy: "bob@example.com", accountId: "acc-new" },
    });
    const consents = (
      await store.listAudit({ targetType: "connection", targetName: "moving" })
    ).filter((entry) => entry.action === "connection.consent");
    expect(consents.map((entry) => entry.details["accountId"])).toEqual(["acc-old", "acc-new"]);
  });

  it("leaves nothing behind when Constant Contact rejects the credentials", async () => {
    const response = await call("PUT", "/v1/connections/rejected", {
      body: connectionBody({
        clientId: "c",
        clientSecret: "wrong-secret-value",
        refreshToken: "rt_unknown_token_value",
      }),
    });
    expect(response.status).toBe(422);
    expect(response.json.error.code).toBe("CREDENTIALS_REJECTED");
    expect(response.json.error.message).toContain("ccx connect");
    expect(await store.getConnection("rejected")).toBeUndefined();
    expect(await store.listAudit({ targetName: "rejected" })).toEqual([]);
  });

  it("refuses consent that is not accepted, with the reason", async () => {
    const response = await call("PUT", "/v1/connections/no-consent", {
      body: connectionBody(credentialsFor("acc-x"), {
        consent: { accepted: false, statementVersion: "2026-01", acceptedBy: "ada@example.com" },
      }),
    });
    expect(response.status).toBe(400);
    expect(response.json.error.details.issues[0]?.path).toBe("consent.accepted");
    expect(response.json.error.message).toContain("personal data");
  });

  it("refuses to delete a connection that exports use, listing them, until each is detached", async () => {
    await call("PUT", "/v1/connections/busy", { body: connectionBody(credentialsFor("acc-busy")) });
    await call("PUT", "/v1/exports/busy-a", { body: exportBody("busy") });
    await call("PUT", "/v1/exports/busy-b", { body: exportBody("busy") });
    const refused = await call("DELETE", "/v1/connections/busy");
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({
      code: "CONNECTION_IN_USE",
      details: { exports: ["busy-a", "busy-b"] },
    });
    expect(
      (await call("POST", "/v1/exports/busy-a/detach", { token: "contributor" })).json.attached,
    ).toBe(false);
    expect((await call("DELETE", "/v1/exports/busy-b", { token: "contributor" })).status).toBe(204);
    expect((await call("DELETE", "/v1/connections/busy")).status).toBe(204);
    expect((await call("GET", "/v1/connections/busy")).status).toBe(404);

    // The detached export keeps its definition, never runs, and can be re-attached elsewhere.
    const detached = await call("GET", "/v1/exports/busy-a", { token: "viewer" });
    expect(detached.json).toMatchObject({
      attached: false,
      generation: 1,
      definition: { connection: "busy" },
    });
    // Its connection is gone, so it is admin-only: contributors cannot see what it was on.
    const asContributor = await call("POST", "/v1/exports/busy-a/runs", { token: "contributor" });
    expect(asContributor.status).toBe(403);
    const run = await call("POST", "/v1/exports/busy-a/runs", { token: "admin" });
    expect(run.status).toBe(409);
    expect(run.json.error.code).toBe("EXPORT_DETACHED");
    const unchanged = await call("PUT", "/v1/exports/busy-a", {
      token: "admin",
      body: exportBody("busy"),
    });
    expect(unchanged.status).toBe(200);
    const attached = await call("POST", "/v1/exports/busy-a/attach", {
      token: "admin",
      body: { connection: "shared" },
    });
    expect(attached.json).toMatchObject({
      attached: true,
      generation: 2,
      definition: { connection: "shared" },
    });
  });
});

describe("exports", () => {
  it("bumps the generation and hash only when the definition changes", async () => {
    const first = await call("PUT", "/v1/exports/gen", {
      token: "contributor",
      body: exportBody("shared"),
    });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      generation: 1,
      attached: true,
      definition: {
        membership: "mirror",
        guards: { maxRemovePercent: 10 },
        onDelete: "keep-members",
        enabled: true,
      },
    });
    expect(first.json.definitionHash).toMatch(/^[0-9a-f]{64}$/);
    // Same definition with keys in another order and defaults spelled out: unchanged.
    const same = await call("PUT", "/v1/exports/gen", {
      token: "contributor",
      body: { membership: "mirror", ...exportBody("shared"), enabled: true },
    });
    expect(same.json).toMatchObject({ generation: 1, definitionHash: first.json.definitionHash });
    const changed = await call("PUT", "/v1/exports/gen", {
      token: "contributor",
      body: exportBody("shared", { segments: ["high-value", "churn-risk"] }),
    });
    expect(changed.json.generation).toBe(2);
    expect(changed.json.definitionHash).not.toBe(first.json.definitionHash);
    const audit = await store.listAudit({ targetType: "export", targetName: "gen" });
    expect(audit.map((entry) => [entry.action, entry.generation])).toEqual([
      ["export.create", 1],
      ["export.update", 2],
    ]);
  });

  it.each([
    {
      name: "unknown field",
      body: exportBody("shared", { colour: "red" }),
      path: "colour",
      text: "unknown field",
    },
    {
      name: "missing email mapping",
      body: exportBody("shared", { mappings: { firstName: "f" } }),
      path: "mappings.email",
      text: "mappings.email: required",
    },
    {
      name: "no segment",
      body: exportBody("shared", { segments: [] }),
      path: "segments",
      text: "at least one segment",
    },
    {
      name: "bad cron",
      body: exportBody("shared", { schedule: { cron: "61 * * * *" } }),
      path: "schedule.cron",
      text: "cron",
    },
    {
      name: "bad time zone",
      body: exportBody("shared", { schedule: { cron: "0 3 * * *", timeZone: "Mars/Olympus" } }),
      path: "schedule.timeZone",
      text: "IANA",
    },
    {
      name: "listId and list",
      body: exportBody("shared", { list: { name: "VIP" } }),
      path: "listId",
      text: "exactly one",
    },
    {
      name: "listId not a UUID",
      body: exportBody("shared", { listId: "42" }),
      path: "listId",
      text: "",
    },
    {
      name: "an inline files source",
      body: exportBody("shared", { source: { type: "files", path: "/etc" } }),
      path: "source",
      text: "",
    },
    {
      name: "an inline postgres source with a variable name",
      body: exportBody("shared", {
        source: { type: "postgres", connectionStringEnv: "CCX_DATABASE_URL", queries: {} },
      }),
      path: "source",
      text: "",
    },
    {
      name: "a segment name that walks out of a folder",
      body: exportBody("shared", { segments: ["../../etc/passwd"] }),
      path: "segments.0",
      text: "letters, digits",
    },
    {
      name: "maxRemovePercent above 100",
      body: exportBody("shared", { guards: { maxRemovePercent: 150 } }),
      path: "guards.maxRemovePercent",
      text: "",
    },
    {
      name: "wrong type",
      body: exportBody("shared", { enabled: "yes" }),
      path: "enabled",
      text: "boolean",
    },
  ])("rejects $name with a 400 that points at the field", async ({ body, path, text }) => {
    const response = await call("PUT", "/v1/exports/invalid", { body });
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("VALIDATION_FAILED");
    const paths = (response.json.error.details.issues as Array<{ path: string }>).map(
      (issue) => issue.path,
    );
    expect(paths).toContain(path);
    expect(response.json.error.message).toContain(text);
  });

  it("audits a change of source and of connection with what each was before", async () => {
    expect((await call("PUT", "/v1/exports/moved", { body: exportBody("shared") })).status).toBe(
      201,
    );
    const other = await call("PUT", "/v1/sources/other-lake", {
      body: {
        type: "azure-blob",
        sharing: "admins",
        accountUrl: "https://contoso.blob.core.windows.net",
        container: "ci-exports",
        prefix: "CustomerInsights_1/OtherExport",
      },
    });
    expect(other.status).toBe(201);
    const moved = await call("PUT", "/v1/exports/moved", {
      body: exportBody("private", { source: "other-lake" }),
    });
    expect(moved.status).toBe(200);
    const audit = await store.listAudit({ targetType: "export", targetName: "moved" });
    expect(audit.at(-1)).toMatchObject({
      action: "export.update",
      actorName: "admin-token",
      details: {
        connection: "private",
        changed: ["connection", "source"],
        previousConnection: "shared",
        source: { name: "other-lake" },
        previousSource: { name: "segments" },
      },
    });
  });

  it("accepts a list by name, an azure-blob source by name, and a manual-only schedule", async () => {
    expect(
      (
        await call("PUT", "/v1/sources/lake", {
          body: {
            type: "azure-blob",
            sharing: "contributors",
            accountUrl: "https://contoso.blob.core.windows.net",
            container: "ci-exports",
            prefix: "CustomerInsights_1/BlobExport",
          },
        })
      ).status,
    ).toBe(201);
    const response = await call("PUT", "/v1/exports/by-name", {
      token: "contributor",
      body: exportBody("shared", {
        listId: undefined,
        list: { name: "VIP", create: true },
        source: "lake",
        schedule: { manualOnly: true },
        membership: "add-only",
        guards: { maxRemovePercent: 5, maxAdds: 1000 },
        onDelete: "remove-members",
      }),
    });
    expect(response.status).toBe(201);
    expect(response.json.definition).toMatchObject({
      list: { name: "VIP", create: true },
      membership: "add-only",
    });
  });

  it("refuses an export on a connection that does not exist", async () => {
    const response = await call("PUT", "/v1/exports/orphan", { body: exportBody("nowhere") });
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain("connection 'nowhere' does not exist");
  });
});

describe("sources", () => {
  it("creates a files source under a root, answers a repeated PUT without change, and audits", async () => {
    const body = filesSourceBody(join(root, "segments"), { description: "CRM exports" });
    const created = await call("PUT", "/v1/sources/crm-files", { body });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: "crm-files", type: "files", generation: 1 });
    const again = await call("PUT", "/v1/sources/crm-files", { body });
    expect(again.status).toBe(200);
    expect(again.json.generation).toBe(1);
    const audit = await store.listAudit({ targetType: "source", targetName: "crm-files" });
    expect(audit.map((entry) => entry.action)).toEqual(["source.create"]);
  });

  it.each([
    { name: "a folder outside every root", path: () => outside },
    { name: "a path with ..", path: () => `${root}/segments/../../outside` },
    { name: "a symlink that leaves the root", path: () => join(root, "escape") },
    { name: "a relative path", path: () => "segments" },
    { name: "a folder that does not exist", path: () => join(root, "missing") },
  ])("refuses $name with SOURCE_OUTSIDE_ROOTS, naming no path", async ({ path }) => {
    const response = await call("PUT", "/v1/sources/bad-folder", { body: filesSourceBody(path()) });
    expect(response.status).toBe(422);
    expect(response.json.error.code).toBe("SOURCE_OUTSIDE_ROOTS");
    expect(response.json.error.message).not.toContain(scratch);
    expect((await call("GET", "/v1/sources/bad-folder")).status).toBe(404);
  });

  it("refuses a storage account or container not on the allow-list", async () => {
    for (const accountUrl of [
      "https://attacker.example",
      "https://contoso.blob.core.windows.net.attacker.example",
      "https://contoso.blob.core.windows.net/other-container?sig=x",
    ]) {
      const response = await call("PUT", "/v1/sources/foreign", {
        body: { type: "azure-blob", accountUrl, container: "exports" },
      });
      expect(response.status, accountUrl).toBeGreaterThanOrEqual(400);
      expect(response.status, accountUrl).toBeLessThan(500);
      expect(["SOURCE_NOT_ALLOWED", "VALIDATION_FAILED"]).toContain(response.json.error.code);
    }
    const plainHttp = await call("PUT", "/v1/sources/foreign", {
      body: {
        type: "azure-blob",
        accountUrl: "http://contoso.blob.core.windows.net",
        container: "exports",
      },
    });
    expect(plainHttp.status).toBe(400);
  });

  it("seals a postgres connection string: never returned, only its fingerprint", async () => {
    const body = {
      type: "postgres",
      sharing: "contributors",
      connectionString: sourceConnectionString,
      queries: { "high-value": "SELECT email FROM customers WHERE ltv > 1000" },
    };
    const created = await call("PUT", "/v1/sources/crm", { body });
    expect(created.status).toBe(201);
    expect(created.json.connectionStringFingerprint).toMatch(/^sha256:/);
    expect(created.text).not.toContain(sourceConnectionString);
    // Without the connection string the stored one is kept; the same one changes nothing.
    const { connectionString: _omitted, ...withoutSecret } = body;
    expect((await call("PUT", "/v1/sources/crm", { body: withoutSecret })).json.generation).toBe(1);
    expect((await call("PUT", "/v1/sources/crm", { body })).json.generation).toBe(1);
    const row = await db.query<{ secret_ciphertext: string }>(
      "SELECT secret_ciphertext FROM segment_sources WHERE name = 'crm'",
    );
    expect(row[0]?.secret_ciphertext).toMatch(/^v1\./);
    const created2 = await call("PUT", "/v1/sources/crm-new", { body: withoutSecret });
    expect(created2.status).toBe(400);
    expect(created2.json.error.message).toContain("connectionString");
  });

  it("shows contributors name, type and segments of shared sources only, and viewers nothing", async () => {
    const asContributor = await call("GET", "/v1/sources", { token: "contributor" });
    expect(asContributor.status).toBe(200);
    const names = asContributor.json.items.map((item: { name: string }) => item.name);
    expect(names).toContain("segments");
    expect(names).not.toContain("admin-only");
    expect(asContributor.text).not.toContain(root);
    expect(asContributor.json.items.find((item: { name: string }) => item.name === "crm")).toEqual({
      name: "crm",
      type: "postgres",
      segments: ["high-value"],
    });
    expect((await call("GET", "/v1/sources/segments", { token: "contributor" })).status).toBe(403);
    expect((await call("GET", "/v1/sources", { token: "viewer" })).status).toBe(403);
  });

  it("lets contributors export only from sources shared with them, and only segments a source defines", async () => {
    const adminOnly = await call("PUT", "/v1/exports/from-private-source", {
      token: "contributor",
      body: exportBody("shared", { source: "admin-only" }),
    });
    expect(adminOnly.status).toBe(403);
    expect(adminOnly.json.error.message).toContain("source 'admin-only' needs the admin role");
    const missing = await call("PUT", "/v1/exports/from-nowhere", {
      token: "contributor",
      body: exportBody("shared", { source: "nowhere" }),
    });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toContain("source 'nowhere' does not exist");
    const undefinedSegment = await call("PUT", "/v1/exports/from-crm", {
      token: "contributor",
      body: exportBody("shared", { source: "crm", segments: ["payroll"] }),
    });
    expect(undefinedSegment.status).toBe(400);
    expect(undefinedSegment.json.error.code).toBe("SEGMENT_NOT_IN_SOURCE");
    const fromCrm = await call("PUT", "/v1/exports/from-crm", {
      token: "contributor",
      body: exportBody("shared", { source: "crm" }),
    });
    expect(fromCrm.status).toBe(201);
  });

  it("refuses to delete a source while exports read it, naming them", async () => {
    await call("PUT", "/v1/exports/reads-crm", { body: exportBody("shared", { source: "crm" }) });
    const refused = await call("DELETE", "/v1/sources/crm");
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe("SOURCE_IN_USE");
    expect(refused.json.error.details.exports).toEqual(expect.arrayContaining(["reads-crm"]));
    expect((await call("PUT", "/v1/sources/unused", { body: filesSourceBody(root) })).status).toBe(
      201,
    );
    expect((await call("DELETE", "/v1/sources/unused")).status).toBe(204);
    expect((await call("DELETE", "/v1/sources/unused")).status).toBe(404);
  });

  it("treats an export whose connection was deleted as admin-only", async () => {
    expect(
      (
        await call("PUT", "/v1/connections/short-lived", {
          body: connectionBody(credentialsFor("acc-short"), { sharing: "contributors" }),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call("PUT", "/v1/exports/orphaned", {
          token: "contributor",
          body: exportBody("short-lived"),
        })
      ).status,
    ).toBe(201);
    expect((await call("POST", "/v1/exports/orphaned/detach")).status).toBe(200);
    expect((await call("DELETE", "/v1/connections/short-lived")).status).toBe(204);
    for (const [method, path] of [
      ["PUT", "/v1/exports/orphaned"],
      ["DELETE", "/v1/exports/orphaned"],
      ["POST", "/v1/exports/orphaned/attach"],
      ["POST", "/v1/exports/orphaned/runs"],
    ] as const) {
      const response = await call(method, path, {
        token: "contributor",
        ...(method === "PUT" ? { body: exportBody("shared") } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.json.error.message).toContain("no longer exists");
    }
    const me = await call("GET", "/v1/me", { token: "contributor" });
    const entry = (me.json.exports as Array<{ name: string; actions: string[] }>).find(
      (item) => item.name === "orphaned",
    );
    expect(entry?.actions).toEqual(["export.read"]);
    expect((await call("DELETE", "/v1/exports/orphaned")).status).toBe(204);
  });
});

describe("runs", () => {
  it("queues a run with its stack and update, refuses a second, lists, gets and cancels", async () => {
    await call("PUT", "/v1/exports/runnable", { token: "contributor", body: exportBody("shared") });
    const queued = await call("POST", "/v1/exports/runnable/runs", {
      token: "contributor",
      headers: { "x-ccx-stack": "org/team/dev", "x-ccx-update-id": "upd-42" },
    });
    expect(queued.status).toBe(202);
    expect(queued.json).toMatchObject({
      export: "runnable",
      trigger: "manual",
      status: "queued",
      generation: 1,
      stack: "org/team/dev",
      updateId: "upd-42",
      requestedBy: "contributor-token",
      counts: {},
      error: null,
      startedAt: null,
    });
    const second = await call("POST", "/v1/exports/runnable/runs", { token: "admin" });
    expect(second.status).toBe(409);
    expect(second.json.error).toMatchObject({
      code: "RUN_IN_PROGRESS",
      details: { runId: queued.json.id },
    });
    const list = await call("GET", "/v1/exports/runnable/runs", { token: "viewer" });
    expect(list.json.items.map((run: { id: string }) => run.id)).toEqual([queued.json.id]);
    const got = await call("GET", `/v1/exports/runnable/runs/${queued.json.id}`, {
      token: "viewer",
    });
    expect(got.json.definitionHash).toBe(queued.json.definitionHash);
    const cancelled = await call("POST", `/v1/exports/runnable/runs/${queued.json.id}/cancel`, {
      token: "contributor",
    });
    expect(cancelled.json).toMatchObject({ status: "cancelled" });
    expect(cancelled.json.finishedAt).not.toBeNull();
    const again = await call("POST", `/v1/exports/runnable/runs/${queued.json.id}/cancel`, {
      token: "contributor",
    });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("RUN_FINISHED");
    const audit = await store.listAudit({ targetType: "export", targetName: "runnable" });
    expect(audit.find((entry) => entry.action === "run.trigger")).toMatchObject({
      stack: "org/team/dev",
      updateId: "upd-42",
    });
  });

  it("refuses to run a disabled export", async () => {
    await call("PUT", "/v1/exports/off", { body: exportBody("shared", { enabled: false }) });
    const response = await call("POST", "/v1/exports/off/runs");
    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe("EXPORT_DISABLED");
  });
});

describe("run all scheduled", () => {
  it("queues every scheduled export the caller may manage, once, and skips the rest", async () => {
    for (const [name, sharing] of [
      ["ra-shared", "contributors"],
      ["ra-private", "admins"],
    ] as const) {
      const body = connectionBody(credentialsFor(`acc-${name}`), { sharing });
      expect((await call("PUT", `/v1/connections/${name}`, { body })).status).toBe(201);
    }
    const exports = {
      "ra-scheduled": exportBody("ra-shared"),
      "ra-manual": exportBody("ra-shared", { schedule: { manualOnly: true } }),
      "ra-off": exportBody("ra-shared", { enabled: false }),
      "ra-admins-only": exportBody("ra-private"),
    };
    for (const [name, body] of Object.entries(exports)) {
      expect((await call("PUT", `/v1/exports/${name}`, { body })).status).toBe(201);
    }
    const first = await call("POST", "/v1/runs/run-all", { token: "contributor", body: {} });
    expect(first.status).toBe(202);
    const queued = first.json["queued"] as Array<{ export: string; runId: string }>;
    const skipped = first.json["skipped"] as Array<{ export: string; reason: string }>;
    const scheduled = queued.find((item) => item.export === "ra-scheduled");
    expect(scheduled).toBeDefined();
    expect(queued.map((item) => item.export)).not.toContain("ra-manual");
    expect(queued.map((item) => item.export)).not.toContain("ra-off");
    expect(skipped).toContainEqual({ export: "ra-admins-only", reason: "not-permitted" });
    const run = await call("GET", `/v1/exports/ra-scheduled/runs/${scheduled?.runId ?? ""}`);
    expect(run.json).toMatchObject({
      trigger: "manual",
      status: "queued",
      requestedBy: "contributor-token",
    });

    const again = await call("POST", "/v1/runs/run-all", { body: { connection: "ra-shared" } });
    expect(again.status).toBe(202);
    expect(again.json["queued"]).toEqual([]);
    expect(again.json["skipped"]).toEqual([{ export: "ra-scheduled", reason: "run-in-progress" }]);
    const audit = await store.listAudit({ targetType: "export", targetName: "ra-scheduled" });
    expect(audit.filter((entry) => entry.action === "run.trigger")).toHaveLength(1);
  });

  it("refuses viewers and unknown fields", async () => {
    expect((await call("POST", "/v1/runs/run-all", { token: "viewer", body: {} })).status).toBe(
      403,
    );
    const unknown = await call("POST", "/v1/runs/run-all", { body: { everything: true } });
    expect(unknown.status).toBe(400);
  });
});

describe("request budget", () => {
  it("shows a connection's budget only to those who may see the connection", async () => {
    const asViewer = await call("GET", "/v1/connections/shared/budget", { token: "viewer" });
    expect(asViewer.status).toBe(403);
    expect(asViewer.json.error.code).toBe("FORBIDDEN");
    const onPrivate = await call("GET", "/v1/connections/private/budget", {
      token: "contributor",
    });
    expect(onPrivate.status).toBe(403);
    expect(onPrivate.json.error.message).toContain("shared with admins only");
    expect(
      (await call("GET", "/v1/connections/shared/budget", { token: "contributor" })).status,
    ).toBe(200);
  });

  it("shows a connection's daily budget without its client id, and 404 for an unknown one", async () => {
    const response = await call("GET", "/v1/connections/shared/budget", { token: "admin" });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      connection: "shared",
      dailyLimit: 10_000,
      used: 0,
      remaining: 10_000,
    });
    expect(String(response.json["resetsAt"])).toMatch(/T00:00:00\.000Z$/);
    expect((await call("GET", "/v1/connections/nope/budget")).status).toBe(404);
  });
});

describe("bad input never answers 500", () => {
  it("answers malformed JSON with MALFORMED_JSON", async () => {
    const response = await call("PUT", "/v1/exports/x", { rawBody: '{"connection": "shared",' });
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe("MALFORMED_JSON");
  });

  it("answers an oversized body with 413", async () => {
    const response = await call("PUT", "/v1/exports/x", {
      rawBody: JSON.stringify({ pad: "x".repeat(100_000) }),
    });
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers a body that is not JSON with 4xx", async () => {
    const response = await call("PUT", "/v1/exports/x", {
      rawBody: "connection=shared",
      headers: { "content-type": "text/plain" },
    });
    expect(response.status).toBe(415);
    expect(response.json.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(response.json.error.message).toContain("application/json");
  });

  it("answers a bad path parameter, a bad origin header and an unknown route with 4xx", async () => {
    expect((await call("GET", "/v1/exports/Not%20Valid")).status).toBe(400);
    expect((await call("GET", "/v1/exports/runnable/runs/not-a-uuid")).status).toBe(400);
    expect((await call("GET", "/v1/exports/runnable/runs?limit=0")).status).toBe(400);
    expect(
      (await call("GET", "/v1/exports", { headers: { "x-ccx-stack": "has space" } })).status,
    ).toBe(400);
    const unknown = await call("GET", "/v1/nothing-here");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe("NOT_FOUND");
  });

  it("never answered 500 in this file", () => {
    expect(responses.filter((response) => response.status >= 500)).toEqual([]);
  });
});

describe("operational endpoints", () => {
  it("serves health, readiness and Prometheus metrics", async () => {
    expect((await call("GET", "/healthz", { token: "none" })).json).toEqual({ status: "ok" });
    expect((await call("GET", "/readyz", { token: "none" })).json).toEqual({ status: "ok" });
    const metrics = await call("GET", "/metrics", { token: "none" });
    expect(metrics.text).toMatch(
      /ccx_http_requests_total\{method="PUT",route="\/v1\/exports\/:name",status="201"\} \d+/,
    );
  });

  it("answers /readyz with 503 when the store does not answer", async () => {
    const unreachable: SqlDatabase = {
      kind: "postgres",
      query: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")),
      transaction: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")),
      close: () => Promise.resolve(),
    };
    const { app: down } = createApp({
      store: new Store(unreachable),
      verifier,
      secretBox: new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", randomBytes(32)]]) }),
      logger: pino({ level: "silent" }),
    });
    const response = await down.request("/readyz");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable" });
    expect((await down.request("/healthz")).status).toBe(200);
  });

  it("publishes an OpenAPI 3 document that lists every route with responses", async () => {
    const response = await call("GET", "/openapi.json", { token: "none" });
    const doc = response.json;
    expect(doc.openapi).toMatch(/^3\./);
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(Object.keys(operation.responses ?? {}), `${method} ${path}`).not.toHaveLength(0);
      }
    }
    const registered = app.routes
      .filter((route) => route.method !== "ALL" && route.path !== "/openapi.json")
      // The status page's static files are HTML, not part of the JSON API contract.
      .filter((route) => !route.path.startsWith("/ui"))
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(registered.length).toBeGreaterThanOrEqual(routeTable.length + 3);
    for (const entry of registered) {
      const [method = "", path = ""] = entry.split(" ");
      expect(doc.paths[path]?.[method], entry).toBeDefined();
    }
    for (const route of routeTable) {
      expect(doc.paths[route.path]?.[route.method], `${route.method} ${route.path}`).toBeDefined();
    }
    // Every reference resolves to a component.
    const refs = [...response.text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (match) => match[1] ?? "",
    );
    expect(refs.length).toBeGreaterThan(10);
    const components = (doc["components"] as { schemas: Record<string, unknown> }).schemas;
    for (const ref of new Set(refs)) expect(components[ref], ref).toBeDefined();
  });
});

describe("the version handshake", () => {
  it("names the reconciler's release and the client levels it serves", async () => {
    const response = await app.request("/v1/version", {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-ccx-reconciler")).toMatch(/^@ccx\/reconciler@\d+\.\d+\.\d+/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      reconciler: response.headers.get("x-ccx-reconciler"),
      apiLevel: API_LEVEL,
      minClientApiLevel: MIN_CLIENT_API_LEVEL,
    });
  });

  it("refuses a client of a newer API level, naming both releases and what to upgrade", async () => {
    const { status, json } = await call("GET", "/v1/exports", {
      headers: { "x-ccx-api-level": String(API_LEVEL + 1), "x-ccx-client": "@ccx/pulumi@9.0.0" },
    });
    expect(status).toBe(409);
    expect(json.error.code).toBe("CLIENT_INCOMPATIBLE");
    expect(json.error.message).toContain("@ccx/pulumi@9.0.0");
    expect(json.error.message).toMatch(/@ccx\/reconciler@\d/);
    expect(json.error.message).toContain("upgrade the reconciler");
  });

  it("refuses a client older than it serves, telling it to upgrade the client", async () => {
    const { status, json } = await call("GET", "/v1/exports", {
      headers: {
        "x-ccx-api-level": String(MIN_CLIENT_API_LEVEL - 1),
        "x-ccx-client": "@ccx/pulumi@0.0.1",
      },
    });
    expect(status).toBe(409);
    expect(json.error.message).toContain("upgrade @ccx/pulumi");
  });

  it("answers a malformed level with 400 and never echoes a hostile client header", async () => {
    const malformed = await call("GET", "/v1/exports", { headers: { "x-ccx-api-level": "1; x" } });
    expect(malformed.status).toBe(400);
    const hostile = await call("GET", "/v1/exports", {
      headers: { "x-ccx-api-level": "99", "x-ccx-client": "<script>alert(1)</script> x" },
    });
    expect(hostile.status).toBe(409);
    expect(hostile.text).not.toContain("<script>");
  });

  it("serves clients that send no level (curl, scripts) as before", async () => {
    expect((await call("GET", "/v1/exports")).status).toBe(200);
    const current = await call("GET", "/v1/exports", {
      headers: { "x-ccx-api-level": String(API_LEVEL), "x-ccx-client": "@ccx/pulumi@0.2.0" },
    });
    expect(current.status).toBe(200);
  });
});

describe("GET /v1/me: who the token is and what it may do", () => {
  interface MeBody {
    name: string;
    role: Role;
    actions: string[];
    exports: Array<{ name: string; actions: string[] }>;
  }
  const me = async (token: Role) =>
    (await call("GET", "/v1/me", { token })).json as unknown as MeBody;
  const actionsOn = (body: MeBody, name: string) =>
    body.exports.find((entry) => entry.name === name)?.actions;

  it("tells each role its permissions, per export, as the export routes enforce them", async () => {
    const admin = await me("admin");
    expect(admin).toMatchObject({ name: "admin-token", role: "admin" });
    expect(admin.actions).toContain("connection.manage");
    expect(actionsOn(admin, "on-private")).toEqual(["export.read", "export.manage"]);

    const contributor = await me("contributor");
    expect(contributor.actions).toEqual([
      "connection.list",
      "source.list",
      "export.manage",
      "export.read",
    ]);
    expect(actionsOn(contributor, "on-shared")).toEqual(["export.read", "export.manage"]);
    // The private connection is shared with admins only: the run route answers 403.
    expect(actionsOn(contributor, "on-private")).toEqual(["export.read"]);
    expect(
      (await call("POST", "/v1/exports/on-private/runs", { token: "contributor" })).status,
    ).toBe(403);

    const viewer = await me("viewer");
    expect(viewer.actions).toEqual(["export.read"]);
    expect(viewer.exports.every((entry) => entry.actions.join() === "export.read")).toBe(true);
  });
});

describe("the status page at /ui", () => {
  it("serves the page and its files without a token, with a strict content security policy", async () => {
    const page = await app.request("/ui");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<label for="token">API token</label>');
    // Every browser module of the folder, so a view added without an asset entry fails here.
    const modules = readdirSync(new URL("../ui/", import.meta.url)).filter((file) =>
      file.endsWith(".js"),
    );
    expect(modules).toEqual(expect.arrayContaining(["app.js", "api.js", "format.js", "dom.js"]));
    for (const file of [...modules, "style.css"]) {
      const response = await app.request(`/ui/${file}`);
      expect(response.status, file).toBe(200);
    }
    expect((await app.request("/ui/app.js")).headers.get("content-type")).toContain(
      "text/javascript",
    );
  });

  it("serves nothing else from its folder", async () => {
    const inherited = ["/ui/__proto__", "/ui/constructor", "/ui/toString", "/ui/hasOwnProperty"];
    for (const path of [
      "/ui/status-page.ts",
      "/ui/../app.ts",
      "/ui/tsconfig.json",
      "/ui/x",
      ...inherited,
    ]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
    }
  });
});

describe("secrets never leave in plain text", () => {
  it("are absent from every table, every log line and every response", async () => {
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.map((table) => table.table_name)).toEqual(
      expect.arrayContaining([
        "api_tokens",
        "connections",
        "segment_sources",
        "exports",
        "runs",
        "audit_log",
      ]),
    );
    let dump = "";
    for (const { table_name } of tables) {
      const rows = await db.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      dump += rows.map((row) => row.row).join("\n");
    }
    expect(dump).toContain("credentials_ciphertext");
    expect(dump).toContain("secret_ciphertext");
    const logText = logs.text();
    // Every request line names the token that acted, by its name; only secrets are redacted.
    expect(logText).toContain('"tokenName":"admin-token","role":"admin"');
    expect(logText).toContain('"tokenName":"viewer-token","role":"viewer"');
    expect(logText).not.toContain("[redacted]");
    const responseText = responses.map((response) => response.body).join("\n");
    const everySecret = [...secrets, ...verifier.issued];
    expect(everySecret.length).toBeGreaterThan(20);
    for (const secret of everySecret) {
      expect(dump.includes(secret), "database").toBe(false);
      expect(logText.includes(secret), "logs").toBe(false);
      expect(responseText.includes(secret), "responses").toBe(false);
    }
  });
});
