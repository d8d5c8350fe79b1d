/**
 * The scheduler in one reconciler on the embedded store (PGlite, in-process queue): cron, stack
 * and source-change triggers, disabled and detached exports, cancel, retries with backoff, the
 * webhook and e-mail sent to admins on a permanent failure, the fail-fast of a connection that
 * needs re-authorisation, and the daily request budget shared by one application's exports.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import { parseConfig } from "../../reconciler/src/config.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import { SecretBox } from "../../reconciler/src/secrets/secret-box.ts";
import { LogSink } from "../support/reconciler-fixtures.ts";
import {
  apiClient,
  ensureSource,
  insertConnection,
  scheduledExport,
  waitFor,
} from "./scheduler-fixtures.ts";
import { createStandInPipeline } from "./scheduler-stand-in-pipeline.ts";

const key = randomBytes(32);
const secretBox = new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", key]]) });
const adminToken = generateToken();
const smtpPassword = `smtp-${randomBytes(8).toString("hex")}`;
const segmentsDir = mkdtempSync(join(tmpdir(), "ccx-scheduler-segments-"));
const logs = new LogSink();
let reconciler: RunningReconciler;
let api: ReturnType<typeof apiClient>;

const webhookCalls: Array<Record<string, unknown>> = [];
let webhook: Server;
const mails: Array<{ from: string; to: string[]; data: string; user: string | undefined }> = [];
let smtp: SMTPServer;

async function runsOf(name: string) {
  const response = await api("GET", `/v1/exports/${name}/runs?limit=500`);
  expect(response.status).toBe(200);
  return response.json.items;
}

async function finishedRun(name: string, runId: string) {
  return waitFor(`run ${runId} of ${name} to finish`, async () => {
    const response = await api("GET", `/v1/exports/${name}/runs/${runId}`);
    const status = response.json["status"];
    return status === "queued" || status === "running" ? undefined : response.json;
  });
}

async function trigger(name: string): Promise<string> {
  const response = await api("POST", `/v1/exports/${name}/runs`, {});
  expect(response.status).toBe(202);
  return String(response.json["id"]);
}

async function executionsOf(runId: string): Promise<number> {
  const rows = await reconciler.store.db.query(
    `SELECT count(*) AS n FROM scheduler_test_executions WHERE run_id = $1`,
    [runId],
  );
  return Number(rows[0]?.["n"] ?? 0);
}

beforeAll(async () => {
  webhook = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      webhookCalls.push({
        contentType: request.headers["content-type"],
        ...(JSON.parse(body) as Record<string, unknown>),
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  smtp = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    authOptional: false,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === "ccx" && auth.password === smtpPassword)
        callback(null, { user: "ccx" });
      else callback(new Error("invalid credentials"));
    },
    onData(stream, session, callback) {
      let data = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => (data += chunk));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          data,
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));

  const config = parseConfig({
    server: { host: "127.0.0.1", port: 0 },
    store: { dataDir: "memory://" },
    sources: { files: { roots: [segmentsDir] } },
    secrets: { activeKeyId: "k1", keys: { k1: key.toString("base64") } },
    auth: { bootstrapAdminToken: adminToken },
    log: { level: "debug" },
    scheduler: {
      tickSeconds: 0.2,
      sourcePollSeconds: 0.5,
      concurrency: 4,
      cancelPollMs: 100,
      retry: { maxAttempts: 3, initialDelaySeconds: 0.2, backoffFactor: 2, maxDelaySeconds: 1 },
      budget: { dailyRequests: 2_000, defaultRunRequests: 150 },
      notify: {
        webhookUrl: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/ccx`,
        smtp: {
          host: "127.0.0.1",
          port: (smtp.server.address() as AddressInfo).port,
          user: "ccx",
          password: smtpPassword,
          from: "ccx@example.com",
          to: ["admins@example.com"],
        },
      },
    },
  });
  reconciler = await startReconciler(config, {
    logDestination: logs,
    createPipeline: (context) => createStandInPipeline(context, { chunks: 2, chunkMs: 20 }),
  });
  api = apiClient(reconciler.url, adminToken);
  await insertConnection(reconciler.store, secretBox, "main", "client-main");
}, 60_000);

afterAll(async () => {
  await reconciler?.close();
  await new Promise<void>((resolve) => webhook.close(() => resolve()));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  rmSync(segmentsDir, { recursive: true, force: true });
});

describe("triggers", () => {
  it("runs a cron schedule, and never a disabled or a detached export", async () => {
    const everySecond = { cron: "* * * * * *", timeZone: "Europe/Berlin" };
    expect(
      (await api("PUT", "/v1/exports/ticking", scheduledExport("main", everySecond))).status,
    ).toBe(201);
    const off = scheduledExport("main", everySecond, { enabled: false });
    expect((await api("PUT", "/v1/exports/switched-off", off)).status).toBe(201);
    expect(
      (await api("PUT", "/v1/exports/cut-loose", scheduledExport("main", everySecond))).status,
    ).toBe(201);
    expect((await api("POST", "/v1/exports/cut-loose/detach")).status).toBe(200);

    const runs = await waitFor("two cron runs", async () => {
      const items = await runsOf("ticking");
      return items.filter((run) => run["status"] === "succeeded").length >= 2 ? items : undefined;
    });
    for (const run of runs)
      expect(run).toMatchObject({ trigger: "schedule", requestedBy: "scheduler" });

    // Disabled now: after the run in flight, nothing more.
    const disabled = scheduledExport("main", everySecond, { enabled: false });
    expect((await api("PUT", "/v1/exports/ticking", disabled)).status).toBe(200);
    await sleep(400);
    const settled = (await runsOf("ticking")).length;
    await sleep(2_500);
    expect((await runsOf("ticking")).length).toBe(settled);
    expect(await runsOf("switched-off")).toEqual([]);
    expect(await runsOf("cut-loose")).toEqual([]);
  }, 30_000);

  it("runs an onStackChange export for each new generation, once", async () => {
    const body = scheduledExport("main", { onStackChange: true });
    expect((await api("PUT", "/v1/exports/stacked", body)).status).toBe(201);
    const first = await waitFor("the first stack-change run", async () => {
      const items = await runsOf("stacked");
      return items[0]?.["status"] === "succeeded" ? items : undefined;
    });
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ trigger: "stack-change", generation: 1 });

    const changed = scheduledExport("main", { onStackChange: true }, { segments: ["vip"] });
    expect((await api("PUT", "/v1/exports/stacked", changed)).status).toBe(200);
    const second = await waitFor("the second stack-change run", async () => {
      const items = await runsOf("stacked");
      return items.length === 2 && items[0]?.["status"] === "succeeded" ? items : undefined;
    });
    expect(second[0]).toMatchObject({ trigger: "stack-change", generation: 2 });
    await sleep(1_000);
    expect(await runsOf("stacked")).toHaveLength(2);
  }, 30_000);

  it("runs an onSourceChange export when its segment data changes, not before", async () => {
    writeFileSync(join(segmentsDir, "high-value.csv"), "email\nann@example.com\n");
    await ensureSource(reconciler.store, "watched", segmentsDir);
    const body = scheduledExport("main", { onSourceChange: true }, { source: "watched" });
    expect((await api("PUT", "/v1/exports/watching", body)).status).toBe(201);
    // The first version seen is the baseline: no run for it.
    await sleep(1_500);
    expect(await runsOf("watching")).toEqual([]);

    writeFileSync(join(segmentsDir, "high-value.csv"), "email\nann@example.com\nbob@example.com\n");
    const runs = await waitFor("a source-change run", async () => {
      const items = await runsOf("watching");
      return items[0]?.["status"] === "succeeded" ? items : undefined;
    });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: "source-change" });
  }, 30_000);

  it("stops a running export after the chunk in flight when it is cancelled", async () => {
    expect((await api("PUT", "/v1/exports/slow-one", scheduledExport("main", {}))).status).toBe(
      201,
    );
    const runId = await trigger("slow-one");
    await waitFor("the run to make progress", async () => {
      const run = await reconciler.store.runs.get(runId);
      return (run?.counts["chunks"] ?? 0) >= 2 ? run : undefined;
    });
    expect((await api("POST", `/v1/exports/slow-one/runs/${runId}/cancel`)).status).toBe(200);
    const run = await finishedRun("slow-one", runId);
    expect(run["status"]).toBe("cancelled");
    const chunks = (run["counts"] as Record<string, number>)["chunks"] ?? 0;
    expect(chunks).toBeGreaterThanOrEqual(2);
    expect(chunks).toBeLessThan(50);
  }, 30_000);
});

describe("failures", () => {
  it("retries a transient failure with backoff and succeeds without notifying anyone", async () => {
    expect(
      (await api("PUT", "/v1/exports/recovers-once", scheduledExport("main", {}))).status,
    ).toBe(201);
    const runId = await trigger("recovers-once");
    const run = await finishedRun("recovers-once", runId);
    expect(run).toMatchObject({ status: "succeeded", counts: { chunks: 2 } });
    expect(await executionsOf(runId)).toBe(2);
    expect(webhookCalls.filter((call) => call["runId"] === runId)).toEqual([]);
  }, 30_000);

  it("fails for good after the last retry and notifies admins by webhook and e-mail", async () => {
    expect((await api("PUT", "/v1/exports/flaky-feed", scheduledExport("main", {}))).status).toBe(
      201,
    );
    const runId = await trigger("flaky-feed");
    const run = await finishedRun("flaky-feed", runId);
    expect(run).toMatchObject({
      status: "failed",
      trigger: "manual",
      error: { code: "SOURCE_UNAVAILABLE", details: { attempts: 3 } },
    });
    expect(run["finishedAt"]).not.toBeNull();
    expect(await executionsOf(runId)).toBe(3);

    const notice = await waitFor("the webhook", async () =>
      webhookCalls.find((call) => call["runId"] === runId),
    );
    expect(notice).toMatchObject({
      contentType: "application/json",
      event: "run.failed",
      export: "flaky-feed",
      attempts: 3,
      error: { code: "SOURCE_UNAVAILABLE", message: "the segment source did not answer" },
    });
    const mail = await waitFor("the e-mail", async () =>
      mails.find((item) => item.data.includes(runId)),
    );
    expect(mail).toMatchObject({
      from: "ccx@example.com",
      to: ["admins@example.com"],
      user: "ccx",
    });
    expect(mail.data).toContain("Subject: ccx: export 'flaky-feed' failed (SOURCE_UNAVAILABLE)");
    expect(mail.data).toContain("after 3 attempt(s)");
  }, 30_000);

  it("fails a permanent error at once, with one notice", async () => {
    expect((await api("PUT", "/v1/exports/broken-list", scheduledExport("main", {}))).status).toBe(
      201,
    );
    const runId = await trigger("broken-list");
    const run = await finishedRun("broken-list", runId);
    expect(run).toMatchObject({ status: "failed", error: { code: "EXPORT_LIST_MISSING" } });
    expect(await executionsOf(runId)).toBe(1);
    await waitFor("the webhook", async () => webhookCalls.find((call) => call["runId"] === runId));
    expect(webhookCalls.filter((call) => call["runId"] === runId)).toHaveLength(1);
  }, 30_000);

  it("fails the exports of a connection that needs re-authorisation fast, with that reason", async () => {
    await insertConnection(reconciler.store, secretBox, "stale", "client-stale");
    expect((await api("PUT", "/v1/exports/on-stale", scheduledExport("stale", {}))).status).toBe(
      201,
    );
    await reconciler.store.setConnectionStatus("stale", "needs-reauthorisation");
    const runId = await trigger("on-stale");
    const run = await finishedRun("on-stale", runId);
    expect(run).toMatchObject({
      status: "failed",
      error: { code: "CONNECTION_NEEDS_REAUTHORISATION" },
    });
    expect(String((run["error"] as Record<string, unknown>)["message"])).toContain("ccx connect");
    expect(await executionsOf(runId)).toBe(0);
    const notice = await waitFor("the webhook", async () =>
      webhookCalls.find((call) => call["runId"] === runId),
    );
    expect(notice).toMatchObject({ error: { code: "CONNECTION_NEEDS_REAUTHORISATION" } });
  }, 30_000);

  it("never puts the SMTP password or a client secret in a notice or a log line", () => {
    const everything = JSON.stringify(webhookCalls) + JSON.stringify(mails) + logs.text();
    expect(everything).not.toContain(smtpPassword);
    expect(everything).not.toContain("secret-");
  });
});

describe("the daily request budget", () => {
  it("is shared by every export of one application, defers what does not fit, and is shown", async () => {
    // Two connections on the same Constant Contact application, one on another.
    await insertConnection(reconciler.store, secretBox, "budgeted", "client-budget");
    await insertConnection(reconciler.store, secretBox, "budgeted-too", "client-budget");
    await insertConnection(reconciler.store, secretBox, "elsewhere", "client-elsewhere");
    for (const [name, connection] of [
      ["big-sync", "budgeted"],
      ["small-sync", "budgeted-too"],
      ["other-sync", "elsewhere"],
    ] as const) {
      expect(
        (await api("PUT", `/v1/exports/${name}`, scheduledExport(connection, {}))).status,
      ).toBe(201);
    }
    // The first big run fits (150 set aside) and uses 1,900 of 2,000 requests.
    const first = await finishedRun("big-sync", await trigger("big-sync"));
    expect(first).toMatchObject({ status: "succeeded", counts: { requests: 1_900 } });

    const budget = await api("GET", "/v1/connections/budgeted-too/budget");
    expect(budget.status).toBe(200);
    expect(budget.json).toMatchObject({
      connection: "budgeted-too",
      dailyLimit: 2_000,
      used: 1_900,
      reserved: 0,
      remaining: 100,
    });
    expect(String(budget.json["application"])).toMatch(/^app_[0-9a-f]{16}$/);
    expect(JSON.stringify(budget.json)).not.toContain("client-budget");

    // The next big run needs what the last one used; the small one the default 150: neither fits.
    for (const name of ["big-sync", "small-sync"]) {
      const runId = await trigger(name);
      const deferred = await waitFor(`the ${name} run to be deferred`, async () => {
        const run = await reconciler.store.runs.get(runId);
        return run?.error?.code === "RUN_DEFERRED_BUDGET" ? run : undefined;
      });
      expect(deferred.status).toBe("queued");
      expect(deferred.error?.message).toContain("budget");
      expect(deferred.error?.details).toMatchObject({ remaining: 100 });
      expect(await executionsOf(runId)).toBe(0);
    }
    // Another application's budget is untouched.
    const other = await finishedRun("other-sync", await trigger("other-sync"));
    expect(other["status"]).toBe("succeeded");
    const otherBudget = await api("GET", "/v1/connections/elsewhere/budget");
    expect(otherBudget.json).toMatchObject({ used: 10, remaining: 1_990 });
    expect((await api("GET", "/v1/connections/missing/budget")).status).toBe(404);
  }, 30_000);
});
