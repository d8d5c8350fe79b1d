/**
 * Crash safety and cancel, with the reconciler as a real child process (`node bin/ccx.js serve`)
 * writing to the emulator over HTTP: a run killed with SIGKILL while it is writing resumes from
 * its checkpoint when the reconciler starts again and ends with the list equal to the segment,
 * without sending a confirmed chunk twice; a cancelled run stops after the chunk in flight and
 * leaves the list consistent.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import {
  apiCaller,
  createConnection,
  filesExport,
  filesSource,
  importActivities,
  listIdByName,
  people,
  pipelineConfigInput,
  waitForRun,
  writeSegment,
  type RunJson,
} from "./pipeline-run-support.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const adminToken = generateToken();
/** 100,000 contacts: three import chunks of at most 40,000 (CONTRACT §7.13). */
const SEGMENT_SIZE = 100_000;
let dir: string;
let configPath: string;
let emulator: Emulator;
let child: ChildProcess | undefined;
let baseUrl = "";
const call = apiCaller(() => baseUrl, adminToken);

/** Starts `ccx serve` and resolves once it listens. */
async function startServe(): Promise<ChildProcess> {
  const started = spawn(process.execPath, ["bin/ccx.js", "serve", "--config", configPath], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  started.stderr?.on("data", (data: Buffer) => {
    stderr += data.toString();
  });
  baseUrl = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    started.stdout?.on("data", (data: Buffer) => {
      stdout += data.toString();
      const match = /ccx serve: listening on (\S+)/.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    started.once("exit", (code) => reject(new Error(`ccx serve exited with ${code}: ${stderr}`)));
  });
  return started;
}

function killHard(process: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    process.once("exit", () => resolve());
    process.kill("SIGKILL");
  });
}

function stopGently(process: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (process.exitCode !== null) return resolve();
    process.once("exit", () => resolve());
    process.kill("SIGTERM");
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ccx-pipeline-resume-"));
  emulator = await startEmulator({ activityTiming: "instant" });
  configPath = join(dir, "ccx.yaml");
  await writeFile(
    configPath,
    stringify({
      ...pipelineConfigInput(dir, emulator, adminToken),
      log: { level: "info" },
      // One activity at a time, so a kill lands between confirmed and unsent chunks.
      runs: { maxActivitiesInFlight: 1, tempDir: dir },
    }),
  );
  child = await startServe();
}, 60_000);

afterAll(async () => {
  if (child !== undefined) await stopGently(child);
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a run killed with SIGKILL while writing", () => {
  it("resumes from its checkpoint and ends with the list equal to the segment", async () => {
    const { accountId } = await createConnection(call, emulator, "resume-conn");
    const folder = join(dir, "resume");
    await writeSegment(folder, "big", people("k", SEGMENT_SIZE));
    const body = filesExport("resume-conn", await filesSource(call, folder), ["big"]);
    const listName = (body["list"] as { name: string }).name;
    expect((await call("PUT", "/v1/exports/resume", body)).status).toBe(201);
    // 40,000 items take 4 s each: long enough to kill the process mid-write.
    emulator.faults.processingSpeed(10_000);

    const queued = await call<RunJson>("POST", "/v1/exports/resume/runs");
    expect(queued.status).toBe(202);
    const runId = queued.json.id;
    // The first chunk confirmed and the second accepted: kill while it is being processed.
    const midway = await waitForRun(
      call,
      "resume",
      runId,
      (run) => (run.progress?.activitiesDone ?? 0) >= 1 && (run.progress?.chunksSent ?? 0) >= 2,
    );
    expect(midway.status).toBe("running");
    await killHard(child as ChildProcess);
    const importsAtKill = importActivities(emulator, accountId);
    expect(importsAtKill).toBe(2);

    child = await startServe();
    const finished = await waitForRun(call, "resume", runId, (run) => run.status !== "running");
    expect(finished.status, JSON.stringify(finished.error)).toBe("succeeded");
    expect(finished.progress?.resumed).toBe(true);
    expect(finished.counts).toMatchObject({
      added: SEGMENT_SIZE,
      listMembers: SEGMENT_SIZE,
      expectedMembers: SEGMENT_SIZE,
    });
    // Three chunks, each sent once: the confirmed one skipped, the accepted one waited for.
    expect(importActivities(emulator, accountId)).toBe(3);
    const members = emulator.inspect.listMembers(listIdByName(emulator, accountId, listName));
    expect(members).toHaveLength(SEGMENT_SIZE);
    expect(new Set(members).size).toBe(SEGMENT_SIZE);

    // And the snapshot became current: a re-run has nothing to write.
    emulator.faults.processingSpeed(undefined);
    const again = await call<RunJson>("POST", "/v1/exports/resume/runs");
    const rerun = await waitForRun(
      call,
      "resume",
      again.json.id,
      (run) => run.status !== "queued" && run.status !== "running",
    );
    expect(rerun.counts).toMatchObject({ added: 0, updated: 0, removed: 0 });
    expect(importActivities(emulator, accountId)).toBe(3);
  }, 180_000);
});

describe("cancelling a running run", () => {
  it("stops after the chunk in flight; the list holds exactly the confirmed chunks", async () => {
    const { accountId } = await createConnection(call, emulator, "cancel-conn");
    const folder = join(dir, "cancel");
    await writeSegment(folder, "big", people("c", SEGMENT_SIZE));
    const body = filesExport("cancel-conn", await filesSource(call, folder), ["big"]);
    const listName = (body["list"] as { name: string }).name;
    expect((await call("PUT", "/v1/exports/cancel", body)).status).toBe(201);
    emulator.faults.processingSpeed(10_000);

    const queued = await call<RunJson>("POST", "/v1/exports/cancel/runs");
    const runId = queued.json.id;
    await waitForRun(call, "cancel", runId, (run) => (run.progress?.chunksSent ?? 0) >= 1);
    const asked = await call<RunJson>("POST", `/v1/exports/cancel/runs/${runId}/cancel`);
    expect(asked.status).toBe(200);
    const finished = await waitForRun(call, "cancel", runId, (run) => run.status !== "running");
    emulator.faults.processingSpeed(undefined);
    expect(finished.status).toBe("cancelled");
    expect(finished.finishedAt).not.toBeNull();

    // Every chunk sent completed before the run ended: no activity is left running, and the
    // list holds exactly the contacts of the chunks sent.
    const imports = emulator.inspect
      .activities(accountId)
      .filter((activity) => activity.kind === "contacts_json_import");
    expect(imports.length).toBeGreaterThanOrEqual(1);
    expect(imports.length).toBeLessThan(3);
    expect(imports.every((activity) => activity.state === "completed")).toBe(true);
    const sent = imports.reduce(
      (sum, activity) => sum + (activity.status["items_total_count"] ?? 0),
      0,
    );
    const members = emulator.inspect.listMembers(listIdByName(emulator, accountId, listName));
    expect(members).toHaveLength(sent);
    expect(finished.counts["added"]).toBe(sent);

    // The next run completes the export.
    const again = await call<RunJson>("POST", "/v1/exports/cancel/runs");
    const rerun = await waitForRun(
      call,
      "cancel",
      again.json.id,
      (run) => run.status !== "queued" && run.status !== "running",
    );
    expect(rerun.status).toBe("succeeded");
    expect(emulator.inspect.listMembers(listIdByName(emulator, accountId, listName))).toHaveLength(
      SEGMENT_SIZE,
    );
  }, 180_000);
});
