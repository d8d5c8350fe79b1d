import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IN_MEMORY, openPgliteDatabase } from "../store/pglite-database.ts";
import { migrate } from "../store/migrations.ts";
import { claimRun, finishRun } from "../store/run-store.ts";
import type { SqlDatabase } from "../store/sql-database.ts";
import { insertSource } from "../store/source-store.ts";
import { Store, type RunRecord } from "../store/store.ts";
import { startRunExecutor, type ExecuteRun } from "./run-executor.ts";

let db: SqlDatabase;
let store: Store;
const logger = pino({ level: "silent" });

beforeAll(async () => {
  db = await openPgliteDatabase(IN_MEMORY);
  await migrate(db);
  store = new Store(db);
  await insertSource(store, "nowhere", {
    type: "files",
    sharing: "admins",
    description: null,
    settings: { type: "files", path: "/nowhere" },
    secret: null,
  });
}, 30_000);

afterAll(async () => {
  await db?.close();
});

let exports = 0;
/** A new export with one queued run. */
async function queuedRun(): Promise<RunRecord> {
  exports += 1;
  const connection = await store.insertConnection(`conn-${exports}`, {
    displayName: "C",
    sharing: "admins",
    exportUser: "ops@example.com",
    consent: {
      accepted: true,
      statementVersion: "1",
      acceptedBy: "ops@example.com",
      acceptedAt: "2026-11-23T10:00:00.000Z",
      accountId: "acc",
    },
    accountId: "acc",
    organizationName: "Org",
    status: "connected",
    credentialsKeyId: "k1",
    credentialsCiphertext: "sealed",
    credentialsInputHash: "h",
    refreshTokenFingerprint: "f",
  });
  const record = await store.insertExport({
    name: `export-${exports}`,
    connectionId: connection.id,
    definitionHash: "hash",
    definition: {
      connection: connection.name,
      listId: "6f1c5b7e-3c2a-4e0b-9a55-0a3c2b1d4e5f",
      mappings: { email: "email" },
      segments: ["s"],
      source: "nowhere",
      schedule: {},
      membership: "mirror",
      guards: { maxRemovePercent: 10 },
      onDelete: "keep-members",
      enabled: true,
    },
  });
  return store.insertRun({
    exportId: record.id,
    trigger: "manual",
    generation: 1,
    definitionHash: "hash",
    stack: null,
    updateId: null,
    requestedBy: "test",
  });
}

/** Executes a run the way the pipeline records it: claim, then succeed. */
function recordingExecutor(calls: string[]): ExecuteRun {
  return async (runId) => {
    calls.push(runId);
    await claimRun(store, runId);
    return (await finishRun(store, runId, { status: "succeeded", counts: {} })) as RunRecord;
  };
}

describe("the in-process run executor", () => {
  it("resumes runs left running at start, then picks up queued ones, each once", async () => {
    const interrupted = await queuedRun();
    await claimRun(store, interrupted.id);
    const queued = await queuedRun();
    const calls: string[] = [];
    const executor = startRunExecutor({
      store,
      logger,
      execute: recordingExecutor(calls),
      pollIntervalMs: 20,
    });
    await executor.idle();
    const later = await queuedRun();
    executor.submit(later.id);
    executor.submit(later.id);
    await executor.idle();
    await executor.close();
    expect(calls).toEqual([interrupted.id, queued.id, later.id]);
    for (const run of [interrupted, queued, later]) {
      expect((await store.getRun(run.id))?.status).toBe("succeeded");
    }
  });

  it("finds runs queued by others on its own, within a poll interval", async () => {
    const calls: string[] = [];
    const executor = startRunExecutor({
      store,
      logger,
      execute: recordingExecutor(calls),
      pollIntervalMs: 20,
    });
    await executor.idle();
    const queued = await queuedRun();
    for (let i = 0; i < 200 && calls.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await executor.idle();
    await executor.close();
    expect(calls).toEqual([queued.id]);
  });

  it("close aborts the runs in progress and waits for them", async () => {
    const queued = await queuedRun();
    let aborted = false;
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const executor = startRunExecutor({
      store,
      logger,
      pollIntervalMs: 20,
      execute: async (runId, signal) => {
        await claimRun(store, runId);
        started();
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
        aborted = true;
        return (await store.getRun(runId)) as RunRecord;
      },
    });
    await running;
    await executor.close();
    expect(aborted).toBe(true);
    // Left running, to be resumed by the next start.
    expect((await store.getRun(queued.id))?.status).toBe("running");
  });
});
