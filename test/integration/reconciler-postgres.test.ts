/**
 * The reconciler on PostgreSQL over real HTTP, and `ccx token create` against the same database:
 * the same migrations and queries as on PGlite. Fails (never skips) when PostgreSQL is down.
 */
import { execFile } from "node:child_process";
import { realpathSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../reconciler/src/config.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import {
  connectionBody,
  exportBody,
  filesSourceBody,
  LogSink,
  apiCaller,
  RotatingTokenVerifier,
} from "../support/reconciler-fixtures.ts";

const run = promisify(execFile);
const cli = join(fileURLToPath(new URL("../../", import.meta.url)), "bin/ccx.js");
const verifier = new RotatingTokenVerifier();
const logs = new LogSink();
let database: TestDatabase;
let reconciler: RunningReconciler;
let token: string;
const seen: string[] = [];

// Every response body is kept, to be scanned for secrets.
const call = apiCaller(
  () => reconciler.url,
  () => token,
  { observe: (text) => seen.push(text) },
);

beforeAll(async () => {
  database = await createTestDatabase("reconciler");
  // The token exists before the server starts: created by the CLI straight in the database.
  const created = await run(
    process.execPath,
    [cli, "token", "create", "--role", "admin", "--name", "ops", "--json"],
    {
      env: { ...process.env, CCX_DATABASE_URL: database.url },
    },
  );
  token = (JSON.parse(created.stdout) as { token: string }).token;
  const config = parseConfig({
    server: { port: 0 },
    store: { databaseUrl: database.url, poolSize: 4 },
    sources: { files: { roots: [tmpdir()] } },
    secrets: { keys: { default: randomBytes(32).toString("base64") } },
    log: { level: "debug" },
    // This suite is about the API and the store: runs stay queued, and nothing (not even a run
    // that would fail) may reach for Constant Contact beyond loopback.
    scheduler: { enabled: false },
    ctct: { apiBaseUrl: "http://127.0.0.1:9/v3", tokenUrl: "http://127.0.0.1:9/token" },
  });
  reconciler = await startReconciler(config, { verifier, logDestination: logs });
});

afterAll(async () => {
  await reconciler?.close();
  await database?.drop();
});

describe("reconciler on PostgreSQL", () => {
  it("authenticates a token made by `ccx token create` and runs the connection/export/run flow", async () => {
    const credentials = {
      clientId: "client-pg",
      clientSecret: `secret-${randomBytes(8).toString("hex")}`,
      refreshToken: "",
    };
    credentials.refreshToken = verifier.issue({
      ...credentials,
      accountId: "acc-pg",
      organizationName: "PG Org",
    });
    const created = await call("PUT", "/v1/connections/pg-conn", connectionBody(credentials));
    expect(created).toMatchObject({ status: 201, json: { accountId: "acc-pg", generation: 1 } });
    // The admin's segment source, shared with contributors; runs stay queued, so nothing reads it.
    const source = await call(
      "PUT",
      "/v1/sources/segments",
      filesSourceBody(realpathSync(tmpdir())),
    );
    expect(source.status).toBe(201);
    expect((await call("PUT", "/v1/exports/pg-export", exportBody("pg-conn"))).status).toBe(201);
    const queued = await call("POST", "/v1/exports/pg-export/runs");
    expect(queued).toMatchObject({ status: 202, json: { status: "queued", requestedBy: "ops" } });
    expect((await call("POST", "/v1/exports/pg-export/runs")).status).toBe(409);
    const refused = await call("DELETE", "/v1/connections/pg-conn");
    expect(refused).toMatchObject({
      status: 409,
      json: { error: { details: { exports: ["pg-export"] } } },
    });

    // No secret in any table, any response or any log line.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      let dump = "";
      for (const { table_name } of tables.rows) {
        const rows = await client.query<{ row: string }>(
          `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
        );
        dump += rows.rows.map((row) => row.row).join("\n");
      }
      expect(dump).toContain("pg-conn");
      for (const secret of [token, credentials.clientSecret, ...verifier.issued]) {
        expect(dump.includes(secret)).toBe(false);
        expect(seen.join("\n").includes(secret)).toBe(false);
        expect(logs.text().includes(secret)).toBe(false);
      }
    } finally {
      await client.end();
    }
  });
});
