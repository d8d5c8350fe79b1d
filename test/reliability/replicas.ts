/**
 * Scenario "replicas": two `ccx serve` processes on one PostgreSQL (a private server, see
 * private-postgres.ts), sharing the work through the pg-boss scheduler and running the real
 * export pipeline against the emulator.
 * 1. 100 overlapping triggers (waves of ten, alternating between the replicas, every tenth a
 *    "run all"): no export ever has two runs at once (run intervals checked on the run history),
 *    every accepted run ends `succeeded`, and every list equals its segment.
 * 2. PostgreSQL restarted (`pg_ctl restart -m fast`, every connection cut) while a large export
 *    is writing: the run recovers and ends `succeeded` with the list equal to the segment.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import {
  apiCaller,
  createConnection,
  filesExport,
  filesSource,
  listIdByName,
  people,
  waitForRun,
  writeSegment,
  type ApiCall,
  type RunJson,
} from "../integration/pipeline-run-support.ts";
import { startPrivatePostgres, type PrivatePostgres } from "./private-postgres.ts";
import { messageOf, ScenarioReport, secondsSince, type ScenarioResult } from "./scenario.ts";
import { startServe, writeServeConfig, type ServeProcess } from "./serve-process.ts";

export interface ReplicasSize {
  /** Overlapping triggers, in waves of ten. */
  triggers: number;
  /** Exports the triggers spread over. */
  exports: number;
  /** Contacts per export in the trigger part. */
  profiles: number;
  /** Contacts of the export that is writing when PostgreSQL restarts. */
  restartProfiles: number;
}

const FINISHED = new Set(["succeeded", "failed", "paused", "cancelled"]);

interface RunListJson {
  items: Array<{ id: string; status: string; startedAt: string | null; finishedAt: string | null }>;
}

/** Pairs of one export's runs whose [startedAt, finishedAt] intervals overlap. */
function overlaps(items: RunListJson["items"]): number {
  const intervals = items
    .filter((run) => run.startedAt !== null)
    .map((run) => ({
      start: Date.parse(run.startedAt as string),
      end: run.finishedAt === null ? Number.POSITIVE_INFINITY : Date.parse(run.finishedAt),
    }))
    .sort((a, b) => a.start - b.start);
  let count = 0;
  for (let i = 1; i < intervals.length; i += 1) {
    if ((intervals[i]?.start ?? 0) < (intervals[i - 1]?.end ?? 0)) count += 1;
  }
  return count;
}

function listEquals(
  emulator: Emulator,
  accountId: string,
  listName: string,
  emails: string[],
): boolean {
  const members = emulator.inspect.listMembers(listIdByName(emulator, accountId, listName));
  const expected = [...emails].sort();
  return members.length === expected.length && members.every((email, i) => email === expected[i]);
}

async function waitUntilIdle(call: ApiCall, names: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let active = 0;
    for (const name of names) {
      const { json } = await call<RunListJson>("GET", `/v1/exports/${name}/runs?limit=500`);
      active += (json.items ?? []).filter((run) => !FINISHED.has(run.status)).length;
    }
    if (active === 0) return;
    if (Date.now() > deadline) throw new Error(`${active} runs still active after ${timeoutMs} ms`);
    await sleep(500);
  }
}

export async function replicas(size: ReplicasSize): Promise<ScenarioResult> {
  const report = new ScenarioReport("replicas");
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "ccx-replicas-"));
  const emulator = await startEmulator({ activityTiming: "instant" });
  let postgres: PrivatePostgres | undefined;
  const processes: ServeProcess[] = [];
  const adminToken = generateToken();
  try {
    postgres = await startPrivatePostgres();
    const key = randomBytes(32).toString("base64");
    for (const name of ["a", "b"]) {
      const configPath = join(dir, `${name}.yaml`);
      await writeServeConfig(configPath, {
        server: { host: "127.0.0.1", port: 0 },
        store: { databaseUrl: postgres.url, poolSize: 4 },
        snapshots: { dir: join(dir, "snapshots") },
        sources: { files: { roots: [dir] } },
        secrets: { activeKeyId: "k1", keys: { k1: key } },
        auth: { bootstrapAdminToken: adminToken },
        log: { level: "warn" },
        ctct: { apiBaseUrl: emulator.apiBaseUrl, tokenUrl: emulator.tokenUrl },
        runs: { tempDir: dir },
        scheduler: {
          tickSeconds: 0.3,
          leaseSeconds: 10,
          concurrency: 4,
          cancelPollMs: 200,
          retry: { maxAttempts: 4, initialDelaySeconds: 1 },
        },
      });
      // One after the other: both would migrate the same empty database at once.
      processes.push(await startServe(configPath));
    }
    const apis = processes.map((serve) => apiCaller(() => serve.url, adminToken));
    const call = apis[0] as ApiCall;

    // Part 1: overlapping triggers.
    const names = Array.from({ length: size.exports }, (_, i) => `replica-${i}`);
    const lists = new Map<string, { accountId: string; listName: string; emails: string[] }>();
    for (const [i, name] of names.entries()) {
      const { accountId } = await createConnection(call, emulator, `${name}-conn`);
      const folder = join(dir, name);
      const segment = people(`p${i}-`, size.profiles);
      await writeSegment(folder, "seg", segment);
      const body = filesExport(`${name}-conn`, await filesSource(call, folder), ["seg"]);
      const put = await call("PUT", `/v1/exports/${name}`, body);
      report.expect(put.status === 201, `PUT ${name} answered ${put.status}`);
      lists.set(name, {
        accountId,
        listName: (body["list"] as { name: string }).name,
        emails: segment.map((person) => person.email),
      });
    }
    let accepted = 0;
    let refused = 0;
    for (let wave = 0; wave * 10 < size.triggers; wave += 1) {
      await Promise.all(
        Array.from({ length: Math.min(10, size.triggers - wave * 10) }, async (_, index) => {
          const api = apis[(wave + index) % 2] as ApiCall;
          if (index === 9) {
            const response = await api<{ queued: unknown[]; skipped: unknown[] }>(
              "POST",
              "/v1/runs/run-all",
              {},
            );
            accepted += response.json.queued?.length ?? 0;
            refused += response.json.skipped?.length ?? 0;
            return;
          }
          const name = names[(wave * 10 + index) % names.length] as string;
          const response = await api("POST", `/v1/exports/${name}/runs`);
          if (response.status === 202) accepted += 1;
          else if (response.status === 409) refused += 1;
          else
            report.fail(
              `trigger of ${name} answered ${response.status} ${JSON.stringify(response.json)}`,
            );
        }),
      );
      // Runs take a few seconds: triggers keep arriving while some runs are active and others
      // have just finished, on both replicas.
      await sleep(1000);
    }
    report.trials += size.triggers;
    await waitUntilIdle(call, names, 600_000);
    let runs = 0;
    let doubleRuns = 0;
    for (const name of names) {
      const { json } = await apis[1]!<RunListJson>("GET", `/v1/exports/${name}/runs?limit=500`);
      const items = json.items ?? [];
      runs += items.length;
      doubleRuns += overlaps(items);
      for (const run of items) {
        report.expect(run.status === "succeeded", `${name}: run ${run.id} ended ${run.status}`);
      }
      const list = lists.get(name);
      if (list !== undefined) {
        report.expect(
          listEquals(emulator, list.accountId, list.listName, list.emails),
          `${name}: the list is not equal to the segment`,
        );
      }
    }
    report.expect(doubleRuns === 0, `${doubleRuns} overlapping runs of one export`);
    report.figures["triggers"] = size.triggers;
    report.figures["accepted"] = accepted;
    report.figures["refused"] = refused;
    report.figures["runs"] = runs;
    report.figures["doubleRuns"] = doubleRuns;

    // Part 2: PostgreSQL restarted while a large export writes.
    report.trials += 1;
    try {
      const { accountId } = await createConnection(call, emulator, "restart-conn");
      const folder = join(dir, "restart");
      const segment = people("pg-", size.restartProfiles);
      await writeSegment(folder, "seg", segment);
      const body = filesExport("restart-conn", await filesSource(call, folder), ["seg"]);
      await call("PUT", "/v1/exports/restart", body);
      emulator.faults.processingSpeed(20_000);
      const queued = await call<RunJson>("POST", "/v1/exports/restart/runs");
      const runId = queued.json.id;
      await waitForRun(
        call,
        "restart",
        runId,
        (run) => FINISHED.has(run.status) || (run.progress?.chunksSent ?? 0) >= 1,
        600_000,
      );
      const restartStarted = performance.now();
      await postgres.restart();
      report.figures["restartSeconds"] = secondsSince(restartStarted);
      const finished = await waitForRun(
        call,
        "restart",
        runId,
        (run) => FINISHED.has(run.status),
        600_000,
      );
      report.expect(
        finished.status === "succeeded",
        `run across the PostgreSQL restart ended ${finished.status}: ${JSON.stringify(finished.error)}`,
      );
      report.expect(
        listEquals(
          emulator,
          accountId,
          (body["list"] as { name: string }).name,
          segment.map((p) => p.email),
        ),
        "after the PostgreSQL restart the list is not equal to the segment",
      );
      report.figures["restartProfiles"] = size.restartProfiles;
      report.figures["restartRunStatus"] = finished.status;
    } catch (error) {
      report.fail(`PostgreSQL restart part crashed: ${messageOf(error)}`);
    } finally {
      emulator.faults.processingSpeed(undefined);
    }
    report.figures["seconds"] = secondsSince(started);
  } catch (error) {
    report.fail(`scenario crashed: ${messageOf(error)}`);
    for (const serve of processes) report.fail(`replica output: ${serve.output().slice(-1500)}`);
  } finally {
    for (const serve of processes) await serve.stop();
    await postgres?.stop();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
  return report.result();
}
