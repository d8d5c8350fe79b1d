/**
 * The "nothing changed" shortcut of a run (same definition, list and segment versions as the
 * last completed run: the rows are not read again) must compare the definition the run executes,
 * not the one recorded when it was queued. A definition saved while a run waits in the queue is
 * folded into that run (one active run per export), so the queued hash can be stale.
 *
 * The scheduler ticks only when the test says so, so the run provably waits in the queue while
 * the definition changes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import { parseConfig } from "../../reconciler/src/config.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import { LogSink } from "../support/reconciler-fixtures.ts";
import {
  apiCaller,
  createConnection,
  filesExport,
  filesSource,
  people,
  pipelineConfigInput,
  waitForRun,
  writeSegment,
  type ApiCall,
  type RunJson,
} from "./pipeline-run-support.ts";

const adminToken = generateToken();
let dir: string;
let emulator: Emulator;
let reconciler: RunningReconciler;
let call: ApiCall;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ccx-pipeline-shortcut-"));
  emulator = await startEmulator({ activityTiming: "instant" });
  reconciler = await startReconciler(
    parseConfig({
      ...pipelineConfigInput(dir, emulator, adminToken),
      // Runs are handed to the workers only by the test's own ticks.
      scheduler: { tickSeconds: 300, sourcePollSeconds: 86_400 },
    }),
    { logDestination: new LogSink() },
  );
  call = apiCaller(() => reconciler.url, adminToken);
}, 60_000);

afterAll(async () => {
  await reconciler?.close();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

const FINISHED = new Set(["succeeded", "failed", "paused", "cancelled"]);

/** Queues a run of `name`; it waits in the queue until the next tick. */
async function queueRun(name: string): Promise<string> {
  const queued = await call<RunJson>("POST", `/v1/exports/${name}/runs`);
  expect(queued.status).toBe(202);
  return queued.json.id;
}

async function tickAndWait(name: string, runId: string): Promise<RunJson> {
  const scheduler = reconciler.scheduler;
  if (scheduler === undefined) throw new Error("the reconciler runs no scheduler");
  await scheduler.tick();
  return waitForRun(call, name, runId, (run) => FINISHED.has(run.status));
}

it("a definition changed while its run was queued is executed, not skipped as unchanged", async () => {
  const folder = join(dir, "segments");
  const { accountId } = await createConnection(call, emulator, "shortcut-conn");
  await writeSegment(folder, "alpha", people("s", 10));
  const body = filesExport("shortcut-conn", await filesSource(call, folder), ["alpha"]);
  expect((await call("PUT", "/v1/exports/shortcut", body)).status).toBe(201);

  const first = await tickAndWait("shortcut", await queueRun("shortcut"));
  expect(first.status, JSON.stringify(first.error)).toBe("succeeded");
  expect(first.counts).toMatchObject({ added: 10, updated: 0 });
  expect(emulator.inspect.contact("s3@example.com", accountId)?.firstName).toBe("First3");

  // Queued with the old definition; the mapping changes before it runs.
  const second = await queueRun("shortcut");
  const changed = {
    ...body,
    mappings: { email: "email", firstName: "last_name", lastName: "last_name" },
  };
  expect((await call("PUT", "/v1/exports/shortcut", changed)).status).toBe(200);
  const queued = await call<RunJson>("GET", `/v1/exports/shortcut/runs/${second}`);
  expect(queued.json.status).toBe("queued");

  const run = await tickAndWait("shortcut", second);
  expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
  expect(run.counts["sourcesUnchanged"]).toBeUndefined();
  expect(run.counts).toMatchObject({ read: 10, added: 0, updated: 10, removed: 0 });
  expect(emulator.inspect.contact("s3@example.com", accountId)?.firstName).toBe("Last3");

  // The definition it executed is now the last one synced: a third run takes the shortcut.
  const third = await tickAndWait("shortcut", await queueRun("shortcut"));
  expect(third.status).toBe("succeeded");
  expect(third.counts).toMatchObject({ sourcesUnchanged: 1, added: 0, updated: 0, removed: 0 });
});
