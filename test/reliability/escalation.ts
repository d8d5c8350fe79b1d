/**
 * The `escalation` scenario: a contributor and a viewer try every way the inline sources of old
 * let them reach data or rights that belong to admins — environment variable names, SQL of their
 * own (several statements, comments, `COPY`, `pg_read_file`), paths with `..`, absolute paths,
 * symlinks out of a root (also swapped in after the source was saved), foreign storage accounts,
 * plans against admin-only exports, orphaned exports, budgets of hidden connections. The store is
 * a real PostgreSQL database and the admin's segment source is another one.
 *
 * Promises: every attempt answers 4xx with a clear code; 0 API tokens created; 0 rows read from
 * outside the admins' sources (no sentinel value in any answer, log line or contact); 0 database
 * messages echoed; 0 connections to a foreign storage host.
 */
import { createServer, type Server } from "node:net";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { connectionBody } from "../support/reconciler-fixtures.ts";
import { runToEnd, writeSegment, people } from "../integration/pipeline-run-support.ts";
import { ScenarioReport, secondsSince, type ScenarioResult } from "./scenario.ts";
import { startReliabilityStack, type ReliabilityStack, type Role } from "./stack.ts";

/** Sizes of the scenario. */
export interface EscalationSize {
  /** PostgreSQL database of the reconciler's store (the target of the SQL attempts). */
  storeDatabaseUrl: string;
  /** PostgreSQL database the admin's postgres source reads. */
  segmentsDatabaseUrl: string;
  /** Extra variants per family (environment names, traversal depths, injected segments). */
  variants: number;
}

/** One attempt and what the reconciler answered. */
export interface EscalationAttempt {
  attempt: string;
  role: Role;
  status: number;
  code: string;
  held: boolean;
}

const SALARY_SENTINEL = "SALARY-7f3a91";
const LEAK_EMAIL = "leak-sentinel@other-team.example";
/** What a PostgreSQL error looks like in text; none may reach a caller. */
const DATABASE_TEXT =
  /syntax error|invalid input syntax|permission denied|cannot insert multiple commands|relation "|SQLSTATE \w{5}: |ERROR: /i;

async function countTokens(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query<{ n: string }>("SELECT count(*)::text AS n FROM api_tokens");
    return Number(rows.rows[0]?.n ?? "0");
  } finally {
    await client.end();
  }
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A TCP listener that only counts who connects: a stand-in for a foreign storage host. */
async function countingListener(): Promise<{
  port: number;
  count(): number;
  close(): Promise<void>;
}> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    count: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function exportBody(source: unknown, segments: string[], overrides: Record<string, unknown> = {}) {
  return {
    connection: "shared",
    list: { name: "Escalation probe", create: true },
    mappings: { email: "email", firstName: "first_name" },
    segments,
    source,
    schedule: { manualOnly: true },
    ...overrides,
  };
}

export async function escalation(
  size: EscalationSize,
): Promise<ScenarioResult & { attempts: EscalationAttempt[] }> {
  const started = performance.now();
  const report = new ScenarioReport("escalation");
  const attempts: EscalationAttempt[] = [];
  const outside = await mkdtemp(join(tmpdir(), "ccx-escalation-outside-"));
  const foreign = await countingListener();
  let stack: ReliabilityStack | undefined;
  const bodies: string[] = [];
  try {
    stack = await startReliabilityStack({
      databaseUrl: size.storeDatabaseUrl,
      sources: {
        azureBlob: { allowed: [{ accountUrl: "https://contoso.blob.core.windows.net" }] },
        postgres: { statementTimeoutMs: 2_000, maxRows: 10_000, maxBytes: 1_000_000 },
      },
      // Every attempt must meet the authorisation check itself, not the plan rate limit.
      plans: { perTokenPerMinute: 10_000 },
    });
    const s = stack;
    const calls = {
      admin: s.callAs("admin"),
      contributor: s.callAs("contributor"),
      viewer: s.callAs("viewer"),
    };

    /** Sends one attempt and records it; `held` when it answered 4xx (with `code`, if given). */
    const attempt = async (
      name: string,
      role: Role,
      method: string,
      path: string,
      body?: unknown,
      code?: string,
    ): Promise<{ status: number; json: Record<string, unknown> }> => {
      const response = await calls[role]<Record<string, unknown>>(method, path, body);
      const text = JSON.stringify(response.json ?? {});
      bodies.push(text);
      const error = (response.json?.["error"] ?? {}) as { code?: string };
      const got = error.code ?? "";
      const held =
        response.status >= 400 && response.status < 500 && (code === undefined || got === code);
      attempts.push({ attempt: name, role, status: response.status, code: got, held });
      report.trials += 1;
      report.expect(
        held,
        `${name} (${role}): HTTP ${response.status} ${got}, expected 4xx ${code ?? ""}`,
      );
      return response;
    };

    // --- What the admins set up -------------------------------------------------------------
    await sql(
      size.segmentsDatabaseUrl,
      `CREATE TABLE customers (id int PRIMARY KEY, email text, first_name text, tier text);
       INSERT INTO customers SELECT i, 'crm' || i || '@example.com', 'First' || i,
         CASE WHEN i % 2 = 0 THEN 'vip' ELSE 'regular' END FROM generate_series(1, 20) AS i;
       CREATE TABLE salaries (email text, salary text);
       INSERT INTO salaries VALUES ('${LEAK_EMAIL}', '${SALARY_SENTINEL}');`,
    );
    const admin = calls.admin;
    const { accountId } = await s.connect("shared");
    const hidden = await s.connect("private");
    await admin("PUT", "/v1/connections/private", {
      ...connectionBody(hidden.credentials),
      sharing: "admins",
    });
    s.addSecret(size.segmentsDatabaseUrl);
    const crm = await admin("PUT", "/v1/sources/crm", {
      type: "postgres",
      sharing: "contributors",
      connectionString: size.segmentsDatabaseUrl,
      queries: {
        vip: "SELECT email, first_name FROM customers WHERE tier = 'vip' ORDER BY id",
        // A query that fails with data values in the database's message.
        broken: "SELECT email::int AS email FROM customers",
      },
    });
    report.expect(crm.status === 201, `admin source crm answered ${crm.status}`);
    const teamFolder = join(s.segmentsDir, "team-a");
    await writeSegment(teamFolder, "members", people("team-a-", 10));
    await writeSegment(join(s.segmentsDir, "payroll"), "staff", people("payroll-", 5));
    for (const [name, path, sharing] of [
      ["team-a", teamFolder, "contributors"],
      ["payroll", join(s.segmentsDir, "payroll"), "admins"],
    ] as const) {
      const put = await admin("PUT", `/v1/sources/${name}`, { type: "files", sharing, path });
      report.expect(put.status === 201, `admin source ${name} answered ${put.status}`);
    }
    // Another team's data outside every root, and a symlink from inside a root to it.
    await writeFile(
      join(outside, "members.csv"),
      `email,first_name\n${LEAK_EMAIL},${SALARY_SENTINEL}\n`,
    );
    await symlink(outside, join(s.segmentsDir, "escape"));
    // An admin-only export with a synced list, whose members a contributor must not learn.
    await admin("PUT", "/v1/exports/payroll", exportBody("payroll", ["staff"]));
    const payrollRun = await runToEnd(admin, "payroll");
    report.expect(payrollRun.status === "succeeded", `payroll run ${payrollRun.status}`);
    await admin(
      "PUT",
      "/v1/exports/team",
      exportBody("team-a", ["members"], { list: { name: "Team A", create: true } }),
    );
    const tokensBefore = await countTokens(size.storeDatabaseUrl);

    // --- SQL and environment variables, from the export definition ---------------------------
    const injection =
      "SELECT 'a@b.example' AS email) AS t; INSERT INTO api_tokens (id, name, role, token_hash) " +
      "VALUES ('x', 'pwned', 'admin', 'c01ae37c'); SELECT 1 FROM (SELECT 1";
    const envNames = ["CCX_DATABASE_URL", "CCX_ENCRYPTION_KEY", "DATABASE_URL", "PATH", "HOME"];
    for (let i = 0; i < size.variants; i += 1) envNames.push(`CCX_PROBE_${i}`);
    for (const env of envNames) {
      await attempt(
        `inline postgres source naming $${env}`,
        "contributor",
        "PUT",
        "/v1/exports/evil",
        exportBody({ type: "postgres", connectionStringEnv: env, queries: { s: "SELECT 1" } }, [
          "s",
        ]),
        "VALIDATION_FAILED",
      );
    }
    const contributorSql: Array<[string, string]> = [
      ["multi-statement SQL", injection],
      ["comment-injected SQL", "SELECT email FROM customers -- ' OR 1=1"],
      ["COPY TO PROGRAM", "COPY (SELECT 1) TO PROGRAM 'id'"],
      ["pg_read_file", "SELECT pg_read_file('/etc/passwd') AS email"],
      ["salary table", "SELECT email, salary AS first_name FROM salaries"],
    ];
    for (const [label, query] of contributorSql) {
      const source = {
        type: "postgres",
        connectionStringEnv: "CCX_DATABASE_URL",
        queries: { s: query },
      };
      await attempt(
        `export with ${label}`,
        "contributor",
        "PUT",
        "/v1/exports/evil",
        exportBody(source, ["s"]),
        "VALIDATION_FAILED",
      );
      await attempt(
        `plan with ${label}`,
        "contributor",
        "POST",
        "/v1/exports/evil/plan",
        exportBody(source, ["s"]),
        "VALIDATION_FAILED",
      );
      await attempt(
        `source PUT with ${label}`,
        "contributor",
        "PUT",
        "/v1/sources/evil",
        { type: "postgres", connectionString: size.storeDatabaseUrl, queries: { s: query } },
        "FORBIDDEN",
      );
    }
    await attempt(
      "source PUT with the store's URL",
      "viewer",
      "PUT",
      "/v1/sources/evil",
      { type: "postgres", connectionString: size.storeDatabaseUrl, queries: { s: "SELECT 1" } },
      "FORBIDDEN",
    );
    const segmentInjections = [
      "vip'; INSERT INTO api_tokens VALUES ('x'); --",
      "vip' OR '1'='1",
      "vip/*",
      "vip\u0000",
    ];
    for (let i = 0; i < size.variants; i += 1) segmentInjections.push(`vip'${"-".repeat(i + 2)}`);
    for (const segment of segmentInjections) {
      await attempt(
        `segment name ${JSON.stringify(segment)}`,
        "contributor",
        "PUT",
        "/v1/exports/evil",
        exportBody("crm", [segment]),
        "VALIDATION_FAILED",
      );
    }
    await attempt(
      "comment-looking segment not in the source",
      "contributor",
      "PUT",
      "/v1/exports/evil",
      exportBody("crm", ["vip --"]),
      "SEGMENT_NOT_IN_SOURCE",
    );
    await attempt(
      "a query's database error with data values",
      "contributor",
      "POST",
      "/v1/exports/evil/plan",
      exportBody("crm", ["broken"]),
      "SOURCE_MALFORMED",
    );

    // --- Defence in depth: an admin's own SQL runs as one read-only statement -----------------
    await admin("PUT", "/v1/sources/admin-sql", {
      type: "postgres",
      sharing: "contributors",
      connectionString: size.storeDatabaseUrl,
      queries: {
        // The probe's own text, now an admin's query: still one statement or nothing.
        multi: `SELECT * FROM (${injection}) AS t`,
        write:
          "INSERT INTO api_tokens (id, name, role, token_hash) VALUES ('y', 'pwned2', 'admin', 'd') RETURNING name AS email",
        copy: "COPY (SELECT 1) TO PROGRAM 'id'",
        file: "SELECT pg_read_file('/etc/passwd') AS email",
      },
    });
    for (const segment of ["multi", "write", "copy", "file"]) {
      await attempt(
        `admin-defined ${segment} SQL, planned by a contributor`,
        "contributor",
        "POST",
        "/v1/exports/evil/plan",
        exportBody("admin-sql", [segment]),
        "SOURCE_MALFORMED",
      );
    }

    // --- Folders -------------------------------------------------------------------------------
    const traversals = ["../../etc", "../outside", "/etc"];
    for (let i = 0; i < size.variants; i += 1) traversals.push(`${"../".repeat(i + 1)}${outside}`);
    await attempt(
      "inline files source /etc",
      "contributor",
      "PUT",
      "/v1/exports/evil",
      exportBody({ type: "files", path: "/etc" }, ["passwd"]),
      "VALIDATION_FAILED",
    );
    for (const segment of ["../payroll/staff", "..", "/etc/passwd", "payroll/staff"]) {
      await attempt(
        `segment path ${segment}`,
        "contributor",
        "POST",
        "/v1/exports/evil/plan",
        exportBody("team-a", [segment]),
        "VALIDATION_FAILED",
      );
    }
    await attempt(
      "files source outside the roots",
      "contributor",
      "PUT",
      "/v1/sources/evil",
      { type: "files", path: outside },
      "FORBIDDEN",
    );
    for (const traversal of traversals) {
      await attempt(
        `admin folder ${traversal}`,
        "admin",
        "PUT",
        "/v1/sources/evil",
        {
          type: "files",
          path: traversal.startsWith("/") ? traversal : join(s.segmentsDir, traversal),
        },
        "SOURCE_OUTSIDE_ROOTS",
      );
    }
    await attempt(
      "admin folder: symlink out of the root",
      "admin",
      "PUT",
      "/v1/sources/evil",
      { type: "files", path: join(s.segmentsDir, "escape") },
      "SOURCE_OUTSIDE_ROOTS",
    );
    await attempt(
      "a segment that does not exist (probing folders)",
      "contributor",
      "POST",
      "/v1/exports/team/plan",
      exportBody("team-a", ["no-such-segment"], { list: { name: "Team A", create: true } }),
      "SOURCE_NOT_FOUND",
    );
    // Swapped after saving: the segment file, then the whole folder, become symlinks outward.
    await rm(join(teamFolder, "members.csv"));
    await symlink(join(outside, "members.csv"), join(teamFolder, "members.csv"));
    await attempt(
      "segment file swapped for a symlink out of the root",
      "contributor",
      "POST",
      "/v1/exports/team/plan",
      undefined,
      "SOURCE_OUTSIDE_ROOTS",
    );
    await rm(teamFolder, { recursive: true });
    await symlink(outside, teamFolder);
    // A run is accepted (the export is the contributor's); it must fail without reading a row.
    const lastRun = await runToEnd(calls.contributor, "team");
    bodies.push(JSON.stringify(lastRun));
    const runHeld = lastRun?.status === "failed" && lastRun.error?.code === "SOURCE_OUTSIDE_ROOTS";
    attempts.push({
      attempt: "run of a source whose folder was swapped for a symlink",
      role: "contributor",
      status: runHeld ? 422 : 200,
      code: lastRun?.error?.code ?? lastRun?.status ?? "",
      held: runHeld,
    });
    report.trials += 1;
    report.expect(
      runHeld,
      `swapped-folder run ended ${lastRun?.status} ${lastRun?.error?.code ?? ""}`,
    );

    // --- Storage accounts ------------------------------------------------------------------------
    await attempt(
      "inline azure-blob source",
      "contributor",
      "PUT",
      "/v1/exports/evil",
      exportBody(
        { type: "azure-blob", accountUrl: `https://127.0.0.1:${foreign.port}`, container: "x" },
        ["s"],
      ),
      "VALIDATION_FAILED",
    );
    await attempt(
      "azure-blob source by a contributor",
      "contributor",
      "PUT",
      "/v1/sources/evil",
      { type: "azure-blob", accountUrl: `https://127.0.0.1:${foreign.port}`, container: "exports" },
      "FORBIDDEN",
    );
    for (const accountUrl of [
      `https://127.0.0.1:${foreign.port}`,
      "https://contoso.blob.core.windows.net.attacker.example",
      "https://attacker.blob.core.windows.net",
    ]) {
      await attempt(
        `admin account ${accountUrl}`,
        "admin",
        "PUT",
        "/v1/sources/evil",
        { type: "azure-blob", accountUrl, container: "exports" },
        "SOURCE_NOT_ALLOWED",
      );
    }
    await attempt(
      "admin account over http",
      "admin",
      "PUT",
      "/v1/sources/evil",
      {
        type: "azure-blob",
        accountUrl: "http://contoso.blob.core.windows.net",
        container: "exports",
      },
      "VALIDATION_FAILED",
    );

    // The team's folder is put back for the remaining attempts.
    await rm(teamFolder);
    await writeSegment(teamFolder, "members", people("team-a-", 10));

    // --- Authorisation gaps ------------------------------------------------------------------
    const payrollList = s.emulator.inspect
      .lists(accountId)
      .find((list) => list.name === "Escalation probe")?.listId;
    await attempt(
      "plan against an admin-only export with its admin-only source",
      "contributor",
      "POST",
      "/v1/exports/payroll/plan",
      exportBody("payroll", ["staff"], { list: undefined, listId: payrollList }),
      "FORBIDDEN",
    );
    const probe = await calls.contributor<Record<string, unknown>>(
      "POST",
      "/v1/exports/payroll/plan",
      exportBody("team-a", ["members"], { list: undefined, listId: payrollList }),
    );
    bodies.push(JSON.stringify(probe.json));
    // Whatever the plan says, it must not be a diff against the payroll export's snapshot.
    const notCompared =
      probe.status === 200 &&
      probe.json["comparedWithSnapshot"] === false &&
      (probe.json["counts"] as { removals?: number } | undefined)?.removals === 0;
    attempts.push({
      attempt: "plan against an admin-only export, shared source (answers, uncompared)",
      role: "contributor",
      status: probe.status,
      code: String((probe.json["error"] as { code?: string } | undefined)?.code ?? "not compared"),
      held: notCompared,
    });
    report.trials += 1;
    report.expect(
      notCompared,
      `payroll probe compared with the snapshot: ${JSON.stringify(probe.json)}`,
    );
    await attempt(
      "export on an admin-only source",
      "contributor",
      "PUT",
      "/v1/exports/evil",
      exportBody("payroll", ["staff"]),
      "FORBIDDEN",
    );
    await attempt(
      "move a shared export to an admin-only source",
      "contributor",
      "PUT",
      "/v1/exports/team",
      exportBody("payroll", ["staff"], { list: { name: "Team A", create: true } }),
      "FORBIDDEN",
    );
    await attempt(
      "read a source's details",
      "contributor",
      "GET",
      "/v1/sources/crm",
      undefined,
      "FORBIDDEN",
    );
    await attempt(
      "delete a source",
      "contributor",
      "DELETE",
      "/v1/sources/crm",
      undefined,
      "FORBIDDEN",
    );
    await attempt("list sources", "viewer", "GET", "/v1/sources", undefined, "FORBIDDEN");
    await attempt(
      "read a source's details",
      "viewer",
      "GET",
      "/v1/sources/crm",
      undefined,
      "FORBIDDEN",
    );
    await attempt(
      "budget of an admin-only connection",
      "contributor",
      "GET",
      "/v1/connections/private/budget",
      undefined,
      "FORBIDDEN",
    );
    await attempt(
      "budget of a connection",
      "viewer",
      "GET",
      "/v1/connections/shared/budget",
      undefined,
      "FORBIDDEN",
    );
    // Orphaned: a contributor's export whose connection an admin deleted.
    await s.connect("short-lived");
    await calls.contributor(
      "PUT",
      "/v1/exports/orphan",
      exportBody("team-a", ["members"], {
        connection: "short-lived",
        list: { name: "Orphan", create: true },
      }),
    );
    await admin("POST", "/v1/exports/orphan/detach");
    await admin("DELETE", "/v1/connections/short-lived");
    for (const [method, path, body] of [
      ["PUT", "/v1/exports/orphan", exportBody("team-a", ["members"])],
      ["POST", "/v1/exports/orphan/attach", { connection: "shared" }],
      ["POST", "/v1/exports/orphan/runs", undefined],
      ["DELETE", "/v1/exports/orphan", undefined],
    ] as const) {
      await attempt(
        `orphaned export: ${method} ${path.split("/").at(-1) ?? ""}`,
        "contributor",
        method,
        path,
        body,
        "FORBIDDEN",
      );
    }

    // --- The promises ------------------------------------------------------------------------
    const tokensCreated = (await countTokens(size.storeDatabaseUrl)) - tokensBefore;
    const everything = [...bodies, s.logs.text()].join("\n");
    const contacts = s.emulator.inspect.contacts(accountId).map((contact) => contact.email);
    const leakedRows =
      (everything.includes(SALARY_SENTINEL) ? 1 : 0) +
      (everything.includes(LEAK_EMAIL) ? 1 : 0) +
      contacts.filter((email) => email === LEAK_EMAIL).length;
    const echoed = bodies.filter(
      (body) => DATABASE_TEXT.test(body) || /crm\d+@example\.com/.test(body),
    ).length;
    const hostPaths = bodies.filter(
      (body) => body.includes(s.dir) || body.includes(outside),
    ).length;
    report.expect(tokensCreated === 0, `${tokensCreated} API tokens were created`);
    report.expect(leakedRows === 0, `${leakedRows} rows from outside the admins' sources surfaced`);
    report.expect(echoed === 0, `${echoed} answers echoed database text or values`);
    report.expect(hostPaths === 0, `${hostPaths} answers named a host path`);
    report.expect(foreign.count() === 0, `${foreign.count()} connections reached the foreign host`);
    Object.assign(report.figures, {
      attempts: attempts.length,
      held: attempts.filter((entry) => entry.held).length,
      tokensCreated,
      leakedRows,
      echoedDbMessages: echoed,
      hostPaths,
      foreignConnections: foreign.count(),
      seconds: secondsSince(started),
    });
  } catch (error) {
    report.fail(
      `escalation scenario crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  } finally {
    await stack?.close();
    await foreign.close();
    await rm(outside, { recursive: true, force: true });
  }
  return { ...report.result(), attempts };
}
