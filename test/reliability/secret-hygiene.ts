/**
 * Scenario "secret-hygiene": drives the reconciler through everything that touches a secret —
 * connections created and re-keyed, runs that fetch and rotate tokens, expired access tokens,
 * revoked refresh tokens, rejected credentials, validation errors with secrets in the wrong
 * field, a postgres source's connection string, a made-up bearer token — then looks for every secret handed out or issued (API tokens,
 * the encryption key, client secrets, every access and refresh token the token endpoint issued)
 * in: every API answer (every GET route as every role, and every error), the captured logs, every
 * row of every table of the store, and the raw bytes of every file the reconciler wrote (database
 * pages, snapshots, temporary files). Pulumi state is scanned by `test/e2e/quickstart.test.ts`.
 * Promise: zero findings.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import { openPgliteDatabase } from "../../reconciler/src/store/pglite-database.ts";
import { openPostgresDatabase } from "../../reconciler/src/store/postgres-database.ts";
import type { SqlDatabase } from "../../reconciler/src/store/sql-database.ts";
import {
  filesExport,
  filesSource,
  people,
  runToEnd,
  writeSegment,
} from "../integration/pipeline-run-support.ts";
import { connectionBody } from "../support/reconciler-fixtures.ts";
import { ScenarioReport, secondsSince, type ScenarioResult } from "./scenario.ts";
import { findSecrets, scanFiles, type SecretFinding } from "./secret-scan.ts";
import { startReliabilityStack, type ReliabilityStack, type Role } from "./stack.ts";

export interface SecretHygieneOptions {
  /** PostgreSQL URL for the store (every schema is dumped); PGlite when unset. */
  databaseUrl?: string;
  /** Contacts per segment. */
  profiles: number;
}

/** One HTTP exchange kept for the scan. */
interface Exchange {
  label: string;
  text: string;
}

async function exchange(
  stack: ReliabilityStack,
  label: string,
  path: string,
  init: { method?: string; token?: string; body?: unknown; rawBody?: string } = {},
): Promise<Exchange & { status: number }> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers["authorization"] = `Bearer ${init.token}`;
  if (init.body !== undefined || init.rawBody !== undefined)
    headers["content-type"] = "application/json";
  const response = await fetch(`${stack.reconciler.url}${path}`, {
    method: init.method ?? "GET",
    headers,
    ...(init.rawBody !== undefined
      ? { body: init.rawBody }
      : init.body !== undefined
        ? { body: JSON.stringify(init.body) }
        : {}),
  });
  const head = [...response.headers.entries()]
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
  return { label, status: response.status, text: `${head}\n\n${await response.text()}` };
}

/** Every GET route of the OpenAPI document with its path parameters filled in. */
async function getRoutes(
  stack: ReliabilityStack,
  names: { connection: string; export: string; runId: string; source: string },
): Promise<string[]> {
  const document = (await (await fetch(`${stack.reconciler.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(document.paths)
    .filter(([, item]) => "get" in item)
    .map(([path]) =>
      path
        .replace(/^\/v1\/connections\/\{name\}/, `/v1/connections/${names.connection}`)
        .replace(/^\/v1\/exports\/\{name\}/, `/v1/exports/${names.export}`)
        .replace(/^\/v1\/sources\/\{name\}/, `/v1/sources/${names.source}`)
        .replace("{runId}", names.runId),
    );
}

async function dumpDatabase(
  database: SqlDatabase,
): Promise<Array<{ table: string; text: string; rows: number }>> {
  const tables = await database.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
      ORDER BY 1, 2`,
  );
  const dumps: Array<{ table: string; text: string; rows: number }> = [];
  for (const { table_schema: schema, table_name: name } of tables) {
    const rows = await database.query(`SELECT * FROM "${schema}"."${name}"`);
    const text = JSON.stringify(rows, (_key, value: unknown) =>
      value instanceof Uint8Array ? Buffer.from(value).toString("latin1") : value,
    );
    dumps.push({ table: `${schema}.${name}`, text, rows: rows.length });
  }
  return dumps;
}

export async function secretHygiene(options: SecretHygieneOptions): Promise<ScenarioResult> {
  const report = new ScenarioReport(
    options.databaseUrl === undefined ? "secret-hygiene" : "secret-hygiene-postgres",
  );
  const started = performance.now();
  const stack = await startReliabilityStack(
    options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl },
  );
  const exchanges: Exchange[] = [];
  const findings: SecretFinding[] = [];
  try {
    const admin = stack.tokens.admin;
    // A healthy connection and export, run twice, the second time with expired access tokens so
    // the reconciler refreshes (and rotates) mid-flight.
    const main = await stack.connect("hygiene-conn");
    const folder = join(stack.segmentsDir, "hygiene");
    await writeSegment(folder, "members", people("h", options.profiles));
    await stack.call(
      "PUT",
      "/v1/exports/hygiene",
      filesExport("hygiene-conn", await filesSource(stack.call, folder), ["members"]),
    );
    const first = await runToEnd(stack.call, "hygiene");
    report.expect(
      first.status === "succeeded",
      `first run ${first.status}: ${JSON.stringify(first.error)}`,
    );
    stack.emulator.faults.expireAccessTokens({ clientId: main.clientId });
    await writeSegment(folder, "members", people("h", options.profiles + 5));
    const second = await runToEnd(stack.call, "hygiene");
    report.expect(
      second.status === "succeeded",
      `run after expiry ${second.status}: ${JSON.stringify(second.error)}`,
    );

    // Re-keying a connection with fresh credentials, and a connection whose refresh token was
    // revoked behind the reconciler's back: the failed run explains itself without the token.
    const rekeyed = stack.emulator.issueTokens(main.clientId, main.accountId);
    stack.addSecret(rekeyed.accessToken);
    stack.addSecret(rekeyed.refreshToken);
    exchanges.push(
      await exchange(stack, "PUT connection (re-key)", "/v1/connections/hygiene-conn", {
        method: "PUT",
        token: admin,
        body: connectionBody({ ...main.credentials, refreshToken: rekeyed.refreshToken }),
      }),
    );
    const revoked = await stack.connect("revoked-conn");
    await stack.call(
      "PUT",
      "/v1/exports/revoked",
      filesExport("revoked-conn", await filesSource(stack.call, folder), ["members"]),
    );
    stack.emulator.faults.revokeRefreshTokens({ clientId: revoked.clientId });
    stack.emulator.faults.expireAccessTokens({ clientId: revoked.clientId });
    const failed = await runToEnd(stack.call, "revoked");
    report.expect(
      failed.status === "failed",
      `run with a revoked refresh token ended ${failed.status}`,
    );
    exchanges.push({ label: "failed run record", text: JSON.stringify(failed) });

    // Rejected credentials and secrets in the wrong fields: errors must not echo them.
    const stale = main.credentials.refreshToken;
    exchanges.push(
      await exchange(stack, "PUT connection (stale refresh token)", "/v1/connections/stale-conn", {
        method: "PUT",
        token: admin,
        body: connectionBody({ ...main.credentials, refreshToken: stale }),
      }),
      await exchange(
        stack,
        "PUT connection (wrong client secret)",
        "/v1/connections/wrong-secret",
        {
          method: "PUT",
          token: admin,
          body: connectionBody({
            ...main.credentials,
            clientSecret: `${main.credentials.clientSecret}x`,
          }),
        },
      ),
      await exchange(
        stack,
        "PUT connection (secret as display name)",
        "/v1/connections/misplaced",
        {
          method: "PUT",
          token: admin,
          body: connectionBody(main.credentials, {
            displayName: { secret: main.credentials.clientSecret },
            sharing: main.credentials.refreshToken,
          }),
        },
      ),
      await exchange(
        stack,
        "PUT connection (credentials of the wrong type)",
        "/v1/connections/typed",
        {
          method: "PUT",
          token: admin,
          body: connectionBody({
            ...main.credentials,
            refreshToken: [main.credentials.refreshToken],
          } as never),
        },
      ),
      await exchange(stack, "PUT connection (malformed JSON)", "/v1/connections/malformed", {
        method: "PUT",
        token: admin,
        rawBody: `{"credentials":{"clientSecret":"${main.credentials.clientSecret}"`,
      }),
      await exchange(stack, "PUT connection as contributor", "/v1/connections/by-contributor", {
        method: "PUT",
        token: stack.tokens.contributor,
        body: connectionBody(main.credentials),
      }),
    );
    // A postgres source: its connection string is sealed, and neither the API's answers (to a
    // change, a misplaced copy, a contributor) nor the failed plan and run may show it.
    const connectionString = `postgres://crm:${randomBytes(12).toString("hex")}@127.0.0.1:1/crm`;
    stack.addSecret(connectionString);
    const sourceBody = {
      type: "postgres",
      sharing: "contributors",
      connectionString,
      queries: { members: "SELECT email FROM customers" },
    };
    exchanges.push(
      await exchange(stack, "PUT postgres source", "/v1/sources/hygiene-crm", {
        method: "PUT",
        token: admin,
        body: sourceBody,
      }),
      await exchange(stack, "PUT source (secret as description)", "/v1/sources/hygiene-crm", {
        method: "PUT",
        token: admin,
        body: { ...sourceBody, description: { secret: connectionString } },
      }),
      await exchange(stack, "PUT source as contributor", "/v1/sources/by-contributor", {
        method: "PUT",
        token: stack.tokens.contributor,
        body: sourceBody,
      }),
    );
    await stack.call(
      "PUT",
      "/v1/exports/hygiene-pg",
      filesExport("hygiene-conn", "hygiene-crm", ["members"]),
    );
    exchanges.push(
      await exchange(
        stack,
        "POST plan of an unreachable postgres source",
        "/v1/exports/hygiene-pg/plan",
        {
          method: "POST",
          token: stack.tokens.contributor,
        },
      ),
    );

    // A made-up bearer token, and a real one with a character changed.
    const probe = generateToken();
    const corrupted = `${admin.slice(0, -1)}${admin.endsWith("A") ? "B" : "A"}`;
    stack.addSecret(probe);
    stack.addSecret(corrupted);
    exchanges.push(
      await exchange(stack, "GET with an unknown token", "/v1/exports", { token: probe }),
      await exchange(stack, "GET with a corrupted token", "/v1/exports", {
        token: corrupted,
      }),
    );

    // Every GET route as every role, and the status page.
    const routes = await getRoutes(stack, {
      connection: "hygiene-conn",
      export: "hygiene",
      runId: first.id,
      source: "hygiene-crm",
    });
    for (const role of ["admin", "contributor", "viewer"] as Role[]) {
      for (const path of [...routes, "/ui", "/v1/exports/hygiene/plan"]) {
        const method = path.endsWith("/plan") ? "POST" : "GET";
        exchanges.push(
          await exchange(stack, `${method} ${path} as ${role}`, path, {
            method,
            token: stack.tokens[role],
          }),
        );
      }
    }
    report.figures["exchanges"] = exchanges.length;

    const secrets = stack.secrets();
    report.figures["secrets"] = secrets.length;
    report.figures["tokensIssued"] = stack.tokenRecorder.issued.length;
    report.expect(
      stack.tokenRecorder.issued.length >= 4,
      "the reconciler fetched fewer tokens than the scenario forces",
    );
    for (const item of exchanges) findings.push(...findSecrets(item.label, item.text, secrets));
    // Canaries prove each scan can see: a logged value, and the account id (stored in clear).
    const canary = `canary-${generateToken()}`;
    stack.reconciler.logger.info({ canary }, "secret hygiene canary");
    const logText = stack.logs.text();
    report.expect(
      findSecrets("log", logText, [canary]).length === 1,
      "the log scan cannot see logged values",
    );
    report.figures["logLines"] = stack.logs.lines.length;
    findings.push(...findSecrets("log", logText, secrets));

    // The store, row by row, once the reconciler has let go of it.
    await stack.stopReconciler();
    findings.push(...findSecrets("log", stack.logs.text().slice(logText.length), secrets));
    const database =
      stack.store.databaseUrl === undefined
        ? await openPgliteDatabase(stack.store.dataDir)
        : await openPostgresDatabase({ url: stack.store.databaseUrl });
    try {
      const dumps = await dumpDatabase(database);
      report.figures["tables"] = dumps.length;
      report.figures["rows"] = dumps.reduce((sum, dump) => sum + dump.rows, 0);
      for (const dump of dumps)
        findings.push(...findSecrets(`table ${dump.table}`, dump.text, secrets));
      report.expect(
        dumps.some((dump) => dump.text.includes(main.accountId)),
        "the table scan cannot see the connection's account id",
      );
    } finally {
      await database.close();
    }
    // Raw bytes of everything written to disk (the segments are the scenario's own input).
    const files = await scanFiles(stack.dir, secrets, [stack.segmentsDir]);
    report.figures["files"] = files.files;
    report.figures["fileMB"] = Math.round(files.bytes / 1e5) / 10;
    findings.push(...files.findings);

    report.trials = exchanges.length + 3;
    report.figures["findings"] = findings.length;
    for (const finding of findings)
      report.fail(`secret ${finding.secret} found in ${finding.where}`);
    report.figures["seconds"] = secondsSince(started);
  } finally {
    await stack.close();
  }
  return report.result();
}
