/**
 * Shared pieces of the export-run suites: segment files, an emulator account with a connection
 * in the reconciler, and calls to the reconciler's HTTP API.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import { parseConfig, type ReconcilerConfigInput } from "../../reconciler/src/config.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import {
  apiCaller,
  connectionBody,
  LogSink,
  newEmulatorCredentials,
  type ApiCall,
} from "../support/reconciler-fixtures.ts";

/** A run as the API returns it (the fields the suites read). */
export interface RunJson {
  id: string;
  status: string;
  counts: Record<string, number>;
  error: { code: string; message: string; details?: Record<string, unknown> } | null;
  progress: {
    phase: string;
    rowsRead: number;
    chunksSent: number;
    chunksTotal: number;
    activitiesDone: number;
    resumed: boolean;
  } | null;
  rejectedSamples: Array<{ chunk: number; row: number; email: string; reason: string }>;
  startedAt: string | null;
  finishedAt: string | null;
}

export { apiCaller, type ApiCall };

/**
 * The reconciler settings the pipeline suites share: loopback on port 0, the store, snapshots
 * and temporary files under `dir` (also the only files root), a fresh encryption key, the
 * emulator as Constant Contact, and `adminToken` as the bootstrap admin token.
 */
export function pipelineConfigInput(
  dir: string,
  emulator: Emulator,
  adminToken: string,
): ReconcilerConfigInput & { runs: NonNullable<ReconcilerConfigInput["runs"]> } {
  return {
    server: { host: "127.0.0.1", port: 0 },
    store: { dataDir: join(dir, "store") },
    snapshots: { dir: join(dir, "snapshots") },
    sources: { files: { roots: [dir] } },
    secrets: { activeKeyId: "k1", keys: { k1: randomBytes(32).toString("base64") } },
    auth: { bootstrapAdminToken: adminToken },
    ctct: { apiBaseUrl: emulator.apiBaseUrl, tokenUrl: emulator.tokenUrl },
    runs: { tempDir: dir },
  };
}

/** A suite's reconciler (PGlite, the shared settings) and an emulator with instant activities. */
export interface PipelineStack {
  dir: string;
  emulator: Emulator;
  reconciler: RunningReconciler;
  /** Calls the reconciler's API as an admin. */
  call: ApiCall;
  /** Stops both and deletes `dir` (a suite's `afterAll`). */
  close(): Promise<void>;
}

/** Starts a {@link PipelineStack} in a new temporary folder named after `prefix`. */
export async function startPipelineStack(prefix: string): Promise<PipelineStack> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const emulator = await startEmulator({ activityTiming: "instant" });
  const adminToken = generateToken();
  const reconciler = await startReconciler(
    parseConfig(pipelineConfigInput(dir, emulator, adminToken)),
    { logDestination: new LogSink() },
  );
  return {
    dir,
    emulator,
    reconciler,
    call: apiCaller(() => reconciler.url, adminToken),
    async close() {
      await reconciler.close();
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A new app + account in the emulator and the reconciler connection that uses it. */
export async function createConnection(
  call: ApiCall,
  emulator: Emulator,
  name: string,
): Promise<{ accountId: string; clientId: string }> {
  const { accountId, credentials } = newEmulatorCredentials(emulator, `Org ${name}`);
  const created = await call("PUT", `/v1/connections/${name}`, connectionBody(credentials));
  if (created.status !== 201 && created.status !== 200) {
    throw new Error(`connection ${name}: HTTP ${created.status} ${JSON.stringify(created.json)}`);
  }
  return { accountId, clientId: credentials.clientId };
}

/** One synthetic person. */
export interface Person {
  email: string;
  first: string;
  last?: string;
}

/** `count` people `<prefix><i>@example.com`, i from `from`. */
export function people(prefix: string, count: number, from = 0): Person[] {
  return Array.from({ length: count }, (_, k) => ({
    email: `${prefix}${from + k}@example.com`,
    first: `First${from + k}`,
    last: `Last${from + k}`,
  }));
}

/** Writes `<folder>/<segment>.csv` with the header `email,first_name,last_name`. */
export async function writeSegment(
  folder: string,
  segment: string,
  rows: ReadonlyArray<Person | string>,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  const lines = ["email,first_name,last_name"];
  for (const row of rows) {
    lines.push(typeof row === "string" ? row : `${row.email},${row.first},${row.last ?? ""}`);
  }
  await writeFile(join(folder, `${segment}.csv`), `${lines.join("\n")}\n`);
}

/**
 * Creates (or keeps) a files source for `folder` through the API — an admin's call, since
 * sources are admin-owned — and returns its name. The folder must be under a configured root.
 */
/** The name {@link filesSource} gives the source of `folder`. */
export function filesSourceName(folder: string): string {
  return `files-${createHash("sha256").update(folder).digest("hex").slice(0, 12)}`;
}

export async function filesSource(
  call: ApiCall,
  folder: string,
  sharing: "admins" | "contributors" = "contributors",
): Promise<string> {
  const name = filesSourceName(folder);
  await mkdir(folder, { recursive: true });
  const put = await call("PUT", `/v1/sources/${name}`, { type: "files", sharing, path: folder });
  if (put.status !== 201 && put.status !== 200) {
    throw new Error(`source for ${folder}: HTTP ${put.status} ${JSON.stringify(put.json)}`);
  }
  return name;
}

/** An export body reading `segments` from the source `source` (see {@link filesSource}). */
export function filesExport(
  connection: string,
  source: string,
  segments: string[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    connection,
    list: {
      name: `list-${segments.join("-")}-${Math.random().toString(36).slice(2, 8)}`,
      create: true,
    },
    mappings: { email: "email", firstName: "first_name", lastName: "last_name" },
    segments,
    source,
    schedule: { manualOnly: true },
    ...overrides,
  };
}

const FINISHED = new Set(["succeeded", "failed", "paused", "cancelled"]);

/** Triggers a run of `name` and waits until it has finished. */
export async function runToEnd(call: ApiCall, name: string, timeoutMs = 120_000): Promise<RunJson> {
  const queued = await call<RunJson>("POST", `/v1/exports/${name}/runs`);
  if (queued.status !== 202) {
    throw new Error(`run of ${name}: HTTP ${queued.status} ${JSON.stringify(queued.json)}`);
  }
  return waitForRun(call, name, queued.json.id, (run) => FINISHED.has(run.status), timeoutMs);
}

/** Polls a run until `done(run)`. */
export async function waitForRun(
  call: ApiCall,
  name: string,
  runId: string,
  done: (run: RunJson) => boolean,
  timeoutMs = 120_000,
): Promise<RunJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, json } = await call<RunJson>("GET", `/v1/exports/${name}/runs/${runId}`);
    if (status === 200 && done(json)) return json;
    if (Date.now() > deadline) {
      throw new Error(`run ${runId} of ${name} did not get there in time: ${JSON.stringify(json)}`);
    }
    await sleep(100);
  }
}

/** The id of the list named exactly `name` in the emulator. */
export function listIdByName(emulator: Emulator, accountId: string, name: string): string {
  const list = emulator.inspect.lists(accountId).find((l) => l.name === name && !l.deleted);
  if (list === undefined) throw new Error(`no list named ${name}`);
  return list.listId;
}

/** Import activities the emulator received for an account. */
export function importActivities(emulator: Emulator, accountId: string): number {
  return emulator.inspect.activities(accountId).filter((a) => a.kind === "contacts_json_import")
    .length;
}

/** Write activities (imports and removals) the emulator received for an account. */
export function writeActivities(emulator: Emulator, accountId: string): number {
  return emulator.inspect
    .activities(accountId)
    .filter((a) => a.kind === "contacts_json_import" || a.kind === "remove_list_memberships")
    .length;
}
