/**
 * Export runs with the reconciler on PostgreSQL (the production store): the same migrations,
 * checkpoints and snapshot pointer as on PGlite, through the HTTP API, writing to the emulator.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import { parseConfig } from "../../reconciler/src/config.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import {
  apiCaller,
  createConnection,
  filesExport,
  filesSource,
  listIdByName,
  people,
  runToEnd,
  writeActivities,
  writeSegment,
} from "./pipeline-run-support.ts";

const adminToken = generateToken();
let dir: string;
let database: TestDatabase;
let emulator: Emulator;
let reconciler: RunningReconciler;
const call = apiCaller(() => reconciler.url, adminToken);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ccx-pipeline-run-pg-"));
  database = await createTestDatabase("pipeline_run");
  emulator = await startEmulator({ activityTiming: "instant" });
  reconciler = await startReconciler(
    parseConfig({
      server: { host: "127.0.0.1", port: 0 },
      store: { databaseUrl: database.url, poolSize: 4 },
      snapshots: { dir: join(dir, "snapshots") },
      sources: { files: { roots: [dir] } },
      secrets: { activeKeyId: "k1", keys: { k1: randomBytes(32).toString("base64") } },
      auth: { bootstrapAdminToken: adminToken },
      log: { level: "silent" },
      ctct: { apiBaseUrl: emulator.apiBaseUrl, tokenUrl: emulator.tokenUrl },
      runs: { tempDir: dir },
    }),
  );
}, 60_000);

afterAll(async () => {
  await reconciler?.close();
  await emulator?.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("export runs on PostgreSQL", () => {
  it("exports, checkpoints each chunk, and a re-run with nothing changed writes nothing", async () => {
    const { accountId } = await createConnection(call, emulator, "pg-conn");
    const folder = join(dir, "segments");
    await writeSegment(folder, "s", people("g", 50));
    const body = filesExport("pg-conn", await filesSource(call, folder), ["s"]);
    const listName = (body["list"] as { name: string }).name;
    expect((await call("PUT", "/v1/exports/pg", body)).status).toBe(201);

    const first = await runToEnd(call, "pg");
    expect(first.status, JSON.stringify(first.error)).toBe("succeeded");
    expect(first.counts).toMatchObject({ added: 50, listMembers: 50 });
    expect(emulator.inspect.listMembers(listIdByName(emulator, accountId, listName))).toHaveLength(
      50,
    );
    const checkpoints = await reconciler.store.runs.checkpoints(first.id);
    expect(checkpoints).toMatchObject([{ phase: "import", chunkIndex: 0, state: "confirmed" }]);

    const writes = writeActivities(emulator, accountId);
    const second = await runToEnd(call, "pg");
    expect(second.counts).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 50 });
    expect(writeActivities(emulator, accountId)).toBe(writes);
  });
});
