/**
 * Two real reconciler processes on one PostgreSQL database, sharing the work through pg-boss:
 * a hundred overlapping triggers never run one export twice at once, and a process killed in
 * the middle of a run leaves it to the other, which resumes it from its checkpoint.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import { SecretBox } from "../../reconciler/src/secrets/secret-box.ts";
import { openStore, type OpenedStore } from "../../reconciler/src/store/open-store.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { apiClient, insertConnection, scheduledExport, waitFor } from "./scheduler-fixtures.ts";
import { EXECUTIONS_TABLE } from "./scheduler-stand-in-pipeline.ts";

const child = fileURLToPath(new URL("./scheduler-child-process.ts", import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), "ccx-scheduler-replicas-"));
const key = randomBytes(32);
const adminToken = generateToken();
let database: TestDatabase;
let opened: OpenedStore;

interface Replica {
  process: ChildProcessByStdio<null, Readable, Readable>;
  url: string;
  output: () => string;
}
const replicas: Replica[] = [];

async function startReplica(name: string, chunks: number, chunkMs: number): Promise<Replica> {
  const configPath = join(workDir, `${name}.yaml`);
  writeFileSync(
    configPath,
    stringify({
      server: { host: "127.0.0.1", port: 0 },
      store: { databaseUrl: database.url, poolSize: 4 },
      secrets: { activeKeyId: "k1", keys: { k1: key.toString("base64") } },
      auth: { bootstrapAdminToken: adminToken },
      log: { level: "info" },
      scheduler: {
        tickSeconds: 0.3,
        leaseSeconds: 10,
        concurrency: 4,
        cancelPollMs: 200,
        retry: { maxAttempts: 2, initialDelaySeconds: 0.2 },
      },
    }),
  );
  const process_ = spawn(process.execPath, [child, configPath, String(chunks), String(chunkMs)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  process_.stdout.setEncoding("utf8");
  process_.stderr.setEncoding("utf8");
  process_.stderr.on("data", (chunk: string) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    process_.stdout.on("data", (chunk: string) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    process_.once("exit", (code) =>
      reject(new Error(`replica ${name} exited with ${code}: ${output}`)),
    );
  });
  const replica = { process: process_, url, output: () => output };
  replicas.push(replica);
  return replica;
}

async function stopReplica(replica: Replica): Promise<void> {
  if (replica.process.exitCode !== null || replica.process.signalCode !== null) return;
  const exited = once(replica.process, "exit");
  replica.process.kill("SIGTERM");
  await exited;
}

interface Execution {
  run_id: string;
  export_name: string;
  pid: number;
  resumed_from: number;
  started_at: Date;
  finished_at: Date | null;
}

async function executions(): Promise<Execution[]> {
  return opened.db.query<Execution & Record<string, unknown>>(
    `SELECT run_id, export_name, pid, resumed_from, started_at, finished_at
     FROM scheduler_test_executions ORDER BY started_at`,
  );
}

async function activeRuns(): Promise<number> {
  const rows = await opened.db.query(
    `SELECT count(*) AS n FROM runs WHERE status IN ('queued', 'running')`,
  );
  return Number(rows[0]?.["n"] ?? 0);
}

beforeAll(async () => {
  database = await createTestDatabase("scheduler_replicas");
  opened = await openStore({ kind: "postgres", url: database.url, poolSize: 4 });
  await opened.db.query(EXECUTIONS_TABLE);
  const secretBox = new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", key]]) });
  await insertConnection(opened.store, secretBox, "shared-app", "client-shared");
}, 60_000);

afterAll(async () => {
  for (const replica of replicas) await stopReplica(replica);
  await opened.close();
  await database.drop();
  rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe("two reconciler processes on one PostgreSQL", () => {
  it("run every export at most once at a time under 100 overlapping triggers", async () => {
    const [first, second] = await Promise.all([
      startReplica("a", 4, 120),
      startReplica("b", 4, 120),
    ]);
    if (first === undefined || second === undefined) throw new Error("replicas did not start");
    const apis = [apiClient(first.url, adminToken), apiClient(second.url, adminToken)];
    const names = ["alpha", "bravo", "charlie", "delta", "echo"];
    for (const name of names) {
      const created = await apis[0]?.(
        "PUT",
        `/v1/exports/${name}`,
        scheduledExport("shared-app", {}),
      );
      expect(created?.status).toBe(201);
    }

    // 100 triggers in waves of ten, alternating between the processes, every tenth one a
    // "run all scheduled": most of them find a run already active and are refused.
    const accepted: string[] = [];
    let refused = 0;
    for (let wave = 0; wave < 10; wave += 1) {
      const calls = Array.from({ length: 10 }, async (_, index) => {
        const api = apis[(wave + index) % 2];
        if (api === undefined) throw new Error("no api");
        if (index === 9) {
          const response = await api("POST", "/v1/runs/run-all", {});
          expect(response.status).toBe(202);
          const queued = response.json["queued"] as Array<{ runId: string }>;
          accepted.push(...queued.map((item) => item.runId));
          refused += (response.json["skipped"] as unknown[]).length;
          return;
        }
        const name = names[(wave * 10 + index) % names.length] ?? "alpha";
        const response = await api("POST", `/v1/exports/${name}/runs`, {});
        if (response.status === 202) accepted.push(String(response.json["id"]));
        else {
          expect(response.status).toBe(409);
          refused += 1;
        }
      });
      await Promise.all(calls);
      await sleep(250);
    }
    expect(accepted.length).toBeGreaterThan(names.length);
    expect(refused).toBeGreaterThan(0);

    await waitFor("every run to finish", async () =>
      (await activeRuns()) === 0 ? true : undefined,
    );

    const done = await executions();
    // Every accepted run ran exactly once, to the end.
    expect(done.map((execution) => execution.run_id).sort()).toEqual([...accepted].sort());
    const runs = await opened.db.query(`SELECT id, status, counts FROM runs`);
    expect(runs).toHaveLength(accepted.length);
    for (const run of runs) {
      expect(run["status"]).toBe("succeeded");
      expect(run["counts"]).toMatchObject({ chunks: 4, resumedFrom: 0 });
    }
    // No two executions of one export overlap in time, checked on the database's clock.
    for (const name of names) {
      const mine = done.filter((execution) => execution.export_name === name);
      for (let index = 1; index < mine.length; index += 1) {
        const previous = mine[index - 1];
        const current = mine[index];
        expect(previous?.finished_at).not.toBeNull();
        expect(current?.started_at.getTime()).toBeGreaterThanOrEqual(
          previous?.finished_at?.getTime() ?? Number.POSITIVE_INFINITY,
        );
      }
    }
    // Same from the run rows: one export's runs follow each other.
    const rows = await opened.db.query<{ export_id: string; started_at: Date; finished_at: Date }>(
      `SELECT export_id, started_at, finished_at FROM runs ORDER BY export_id, started_at`,
    );
    for (let index = 1; index < rows.length; index += 1) {
      const previous = rows[index - 1];
      const current = rows[index];
      if (previous?.export_id !== current?.export_id) continue;
      expect(current?.started_at.getTime()).toBeGreaterThanOrEqual(
        previous?.finished_at.getTime() ?? Number.POSITIVE_INFINITY,
      );
    }
    // Both processes did work.
    expect(new Set(done.map((execution) => execution.pid)).size).toBe(2);

    // Run history through the API: trigger, timings and counts of every run.
    const history = await apis[1]?.("GET", "/v1/exports/alpha/runs?limit=500");
    expect(history?.status).toBe(200);
    const items = history?.json.items ?? [];
    expect(items.length).toBe(done.filter((execution) => execution.export_name === "alpha").length);
    for (const item of items) {
      expect(item).toMatchObject({
        export: "alpha",
        trigger: "manual",
        status: "succeeded",
        counts: { read: 100, added: 5, removed: 1, chunks: 4 },
        error: null,
      });
      expect(Date.parse(String(item["finishedAt"]))).toBeGreaterThanOrEqual(
        Date.parse(String(item["startedAt"])),
      );
      expect(Date.parse(String(item["startedAt"]))).toBeGreaterThanOrEqual(
        Date.parse(String(item["queuedAt"])),
      );
    }
    await Promise.all([stopReplica(first), stopReplica(second)]);
  }, 180_000);

  it("let the other process finish a run whose process was killed, from its checkpoint", async () => {
    const [first, second] = await Promise.all([
      startReplica("c", 24, 250),
      startReplica("d", 24, 250),
    ]);
    if (first === undefined || second === undefined) throw new Error("replicas did not start");
    const api = apiClient(first.url, adminToken);
    expect((await api("PUT", "/v1/exports/long", scheduledExport("shared-app", {}))).status).toBe(
      201,
    );
    const triggered = await api("POST", "/v1/exports/long/runs", {});
    expect(triggered.status).toBe(202);
    const runId = String(triggered.json["id"]);

    // Wait until a process is a few chunks in, then kill it without warning.
    const started = await waitFor("the run to get going", async () => {
      const rows = await opened.db.query(
        `SELECT (counts->>'chunks')::integer AS chunks FROM runs WHERE id = $1`,
        [runId],
      );
      const chunks = Number(rows[0]?.["chunks"] ?? 0);
      if (chunks < 3) return undefined;
      return (await executions()).find((execution) => execution.run_id === runId);
    });
    const victim = [first, second].find((replica) => replica.process.pid === started.pid);
    const survivor = [first, second].find((replica) => replica.process.pid !== started.pid);
    if (victim === undefined || survivor === undefined) throw new Error("no replica ran the run");
    const exited = once(victim.process, "exit");
    victim.process.kill("SIGKILL");
    await exited;
    const killedAt = Date.now();

    const finished = await waitFor(
      "the survivor to finish the run",
      async () => {
        const run = await opened.store.runs.get(runId);
        return run?.status === "succeeded" ? run : undefined;
      },
      120_000,
    );
    const attempts = (await executions()).filter((execution) => execution.run_id === runId);
    expect(attempts).toHaveLength(2);
    const [killed, resumed] = attempts;
    expect(killed?.pid).toBe(victim.process.pid);
    expect(killed?.finished_at).toBeNull();
    expect(resumed?.pid).toBe(survivor.process.pid);
    // The survivor took over only after the kill, and started from the checkpoint, not from 0.
    expect(resumed?.started_at.getTime()).toBeGreaterThanOrEqual(killedAt - 1000);
    expect(resumed?.resumed_from).toBeGreaterThanOrEqual(3);
    expect(finished.counts).toMatchObject({ chunks: 24 });
    expect(finished.counts["resumedFrom"]).toBe(resumed?.resumed_from);

    const history = await apiClient(survivor.url, adminToken)(
      "GET",
      `/v1/exports/long/runs/${runId}`,
    );
    expect(history.json).toMatchObject({ id: runId, status: "succeeded", trigger: "manual" });
    await stopReplica(survivor);
  }, 180_000);
  it("hand a run over at a checkpoint when a process stops gracefully, never running it twice", async () => {
    const [first, second] = await Promise.all([
      startReplica("e", 24, 250),
      startReplica("f", 24, 250),
    ]);
    if (first === undefined || second === undefined) throw new Error("replicas did not start");
    const api = apiClient(first.url, adminToken);
    expect(
      (await api("PUT", "/v1/exports/handover", scheduledExport("shared-app", {}))).status,
    ).toBe(201);
    const triggered = await api("POST", "/v1/exports/handover/runs", {});
    expect(triggered.status).toBe(202);
    const runId = String(triggered.json["id"]);
    const started = await waitFor("the run to get going", async () => {
      const run = await opened.store.runs.get(runId);
      if ((run?.counts["chunks"] ?? 0) < 3) return undefined;
      return (await executions()).find((execution) => execution.run_id === runId);
    });
    const leaving = [first, second].find((replica) => replica.process.pid === started.pid);
    const staying = [first, second].find((replica) => replica.process.pid !== started.pid);
    if (leaving === undefined || staying === undefined) throw new Error("no replica ran the run");
    await stopReplica(leaving);
    expect(leaving.process.exitCode).toBe(0);

    const finished = await waitFor("the other process to finish the run", async () => {
      const run = await opened.store.runs.get(runId);
      return run?.status === "succeeded" ? run : undefined;
    });
    const attempts = (await executions()).filter((execution) => execution.run_id === runId);
    expect(attempts).toHaveLength(2);
    const [stopped, resumed] = attempts;
    expect(stopped?.pid).toBe(leaving.process.pid);
    expect(resumed?.pid).toBe(staying.process.pid);
    // The first process stopped at a checkpoint before the second one started.
    expect(stopped?.finished_at).not.toBeNull();
    expect(resumed?.started_at.getTime()).toBeGreaterThanOrEqual(
      stopped?.finished_at?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(resumed?.resumed_from).toBeGreaterThanOrEqual(3);
    expect(finished.counts).toMatchObject({ chunks: 24 });
    await stopReplica(staying);
  }, 180_000);
});
