/**
 * Pipeline benchmark: generates N profiles (default 1,000,000) as CSV segments, then measures,
 * each phase in its own process so its peak RSS is its own:
 *   (a) read + map + validate + sort + de-duplicate (external sort; and the in-memory variant),
 *   (b) writing the sorted snapshot (gzip levels 0, 1, 6) and reading it back as a stream,
 *   (c) the streaming diff of N vs N, with nothing changed and with 1 % changed,
 *   (d) end-to-end export runs (the run worker and the pipeline, as the reconciler does them) into the emulator with
 *       its real timing and rate limits, in a process of its own: the first full export, a
 *       re-run with nothing changed, and a re-run with 1 % changed (adds, removals and field
 *       changes), each with wall time, Constant Contact requests and peak RSS (DESIGN §6).
 *
 * The store of (d) is a fresh PostgreSQL database on `CCX_TEST_POSTGRES_URL` when that server
 * answers, else PGlite in a temporary directory (whose start-up alone peaks near 1 GB RSS, so the
 * table also shows the RSS sampled during the run itself).
 *
 * Usage: `npm run bench -- pipeline [--profiles 1000000] [--segments 4] [--only phases|e2e]
 * [--heap-mb N] [--malloc ccx|default] [--json] [--keep]`; `--heap-mb` bounds the V8 heap of the
 * run processes, as a container's memory limit would. The phase processes start with the malloc
 * setting `ccx` starts itself with (`reconciler/bin/malloc-threshold.js`, ADR 0013), or with
 * glibc's default (`--malloc default`) to see what it saves.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getHeapSpaceStatistics } from "node:v8";
import { countChanges, diffSorted, emptyDiffCounts } from "../../reconciler/src/core/diff.ts";
import { collectDesiredContacts } from "../../reconciler/src/export/desired-contacts.ts";
import { recordNextSnapshot } from "../../reconciler/src/export/record-snapshot.ts";
import { createLocalSnapshotStore } from "../../reconciler/src/snapshots/local-snapshot-store.ts";
import { createFilesSource } from "../../reconciler/src/sources/files-source.ts";
// The end-to-end runs' modules (store, emulator, run) are imported where they are used: loaded
// here they added ~50 MB to the peak RSS of every phase process.
import type { StoreOptions } from "../../reconciler/src/store/open-store.ts";
import type { TestDatabase } from "../support/postgres.ts";
import { range, SYNTHETIC_MAPPINGS, writeSyntheticSegments } from "../support/segments.ts";
import { MALLOC_ENVIRONMENT } from "../../reconciler/bin/malloc-threshold.js";

const self = fileURLToPath(import.meta.url);

/** The environment of the phase processes (`--malloc`). */
let phaseEnvironment: NodeJS.ProcessEnv = process.env;

interface PhaseResult {
  ms: number;
  rssMB: number;
  [key: string]: unknown;
}

/** Entry point for `npm run bench -- pipeline`. */
export async function runBenchmark(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      profiles: { type: "string", default: "1000000" },
      segments: { type: "string", default: "4" },
      json: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      only: { type: "string" },
      "heap-mb": { type: "string" },
      malloc: { type: "string", default: "ccx" },
    },
  });
  const profiles = Number(values.profiles);
  if (values.malloc !== "ccx" && values.malloc !== "default") {
    throw new Error("--malloc is ccx or default");
  }
  phaseEnvironment = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("MALLOC_")),
  );
  if (values.malloc === "ccx") Object.assign(phaseEnvironment, MALLOC_ENVIRONMENT);
  const segmentCount = Math.max(1, Number(values.segments));
  if (!Number.isInteger(profiles) || profiles < 1)
    throw new Error("--profiles must be a positive integer");
  const dir = await mkdtemp(join(tmpdir(), "ccx-bench-pipeline-"));
  const log = (line: string): void => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };
  try {
    log(`generating ${profiles.toLocaleString("en-US")} profiles in ${segmentCount} CSV segments…`);
    const started = performance.now();
    const segments = plannedSegments(profiles, segmentCount);
    await writeSyntheticSegments(join(dir, "base"), segments);
    await writeSyntheticSegments(join(dir, "changed"), segments, { changedPercent: 1 });
    // 1 % churn for the end-to-end re-run: 0.3 % leave, 0.3 % join, 0.4 % change a field.
    await writeSyntheticSegments(join(dir, "churn"), churnedSegments(profiles, segmentCount), {
      changedPercent: 0.4,
    });
    const generateMs = performance.now() - started;
    const names = segments.map((segment) => segment.name);
    if (values.only === "e2e") {
      const e2e = await runEndToEnd(dir, names, log, values["heap-mb"], profileLimitFor(profiles));
      printEndToEnd(e2e, profiles, values.json);
      return;
    }

    log("(a) read + map + validate + sort + de-duplicate, external sort, and (b) snapshot writes…");
    const base = await phase("collect", dir, [
      "--folder",
      "base",
      "--segments",
      names.join(","),
      "--levels",
      "1,0,6",
    ]);
    log("(a') the same with the 1 % changed segments…");
    const changed = await phase("collect", dir, [
      "--folder",
      "changed",
      "--segments",
      names.join(","),
      "--levels",
      "1",
    ]);
    log("(a'') the same with an in-memory sort (one run)…");
    const inMemory = await phase("collect", dir, [
      "--folder",
      "base",
      "--segments",
      names.join(","),
      "--levels",
      "",
      "--run-lines",
      String(profiles * 2),
    ]);
    const baseId = String(base["snapshotId"]);
    log("(b) streamed read of the snapshot…");
    const read = await phase("read", dir, ["--id", baseId]);
    log("(c) diff, nothing changed…");
    const same = await phase("diff", dir, ["--desired", baseId, "--previous", baseId]);
    log("(c) diff, 1 % changed…");
    const diff1 = await phase("diff", dir, [
      "--desired",
      String(changed["snapshotId"]),
      "--previous",
      baseId,
    ]);

    const writes = base["writes"] as Array<{ level: number; ms: number; bytes: number }>;
    const rows: Array<[string, number, number, string]> = [
      [
        "(a) read+map+validate+dedupe, external sort",
        base.ms,
        Number(base["collectRssMB"]),
        `${fmt(Number(base["rows"]))} rows → ${fmt(Number(base["profiles"]))} profiles, ${fmt(Number(base["duplicates"]))} duplicates, CPU ${(Number(base["collectCpuMs"]) / 1000).toFixed(2)} s; ${describePeak(base["collectPeak"] as MemoryAtPeak)}`,
      ],
      [
        "(a) same, 1 % changed input",
        changed.ms,
        Number(changed["collectRssMB"]),
        `${fmt(Number(changed["profiles"]))} profiles, CPU ${(Number(changed["collectCpuMs"]) / 1000).toFixed(2)} s`,
      ],
      [
        "(a) same, in-memory sort",
        inMemory.ms,
        Number(inMemory["collectRssMB"]),
        `one run, no merge, CPU ${(Number(inMemory["collectCpuMs"]) / 1000).toFixed(2)} s`,
      ],
      ...writes.map((write): [string, number, number, string] => [
        `(b) write snapshot, gzip level ${write.level}`,
        write.ms,
        base.rssMB,
        `${(write.bytes / 1e6).toFixed(1)} MB`,
      ]),
      [
        "(b) read snapshot (stream)",
        read.ms,
        read.rssMB,
        `${fmt(Number(read["entries"]))} entries`,
      ],
      ["(c) diff N vs N, nothing changed", same.ms, same.rssMB, JSON.stringify(same["counts"])],
      ["(c) diff N vs N, 1 % changed", diff1.ms, diff1.rssMB, JSON.stringify(diff1["counts"])],
    ];
    const e2e =
      values.only === "phases"
        ? undefined
        : await runEndToEnd(dir, names, log, values["heap-mb"], profileLimitFor(profiles));
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ profiles, segments: segmentCount, generateMs: Math.round(generateMs), base, changed, inMemory, read, same, diff1, e2e }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        `\npipeline benchmark: ${fmt(profiles)} profiles, ${segmentCount} segments (generation ${(generateMs / 1000).toFixed(1)} s), ${describeMalloc()}\n\n`,
      );
      process.stdout.write(
        `${"phase".padEnd(46)} ${"time s".padStart(7)} ${"peak RSS MB".padStart(12)}  notes\n`,
      );
      for (const [name, ms, rss, note] of rows) {
        process.stdout.write(
          `${name.padEnd(46)} ${(ms / 1000).toFixed(2).padStart(7)} ${rss.toFixed(0).padStart(12)}  ${note}\n`,
        );
      }
      if (e2e !== undefined) printEndToEnd(e2e, profiles, false);
    }
  } finally {
    if (values.keep) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/** The malloc setting of the phase processes, as the tables' header says it. */
function describeMalloc(): string {
  const threshold = phaseEnvironment["MALLOC_MMAP_THRESHOLD_"];
  return threshold === undefined
    ? "glibc's malloc as it comes (--malloc default)"
    : `malloc as ccx starts itself (MALLOC_MMAP_THRESHOLD_=${threshold})`;
}

/** The runs' profile limit: the default 1,000,000, raised for larger benchmarks (+1 % churn). */
function profileLimitFor(profiles: number): number {
  return Math.max(1_000_000, Math.ceil(profiles * 1.01));
}

/** Segments of equal size; each after the first repeats 1 % of the one before (duplicates). */
function plannedSegments(
  profiles: number,
  count: number,
): Array<{ name: string; profiles: Iterable<number> }> {
  const size = Math.ceil(profiles / count);
  return Array.from({ length: count }, (_, k) => {
    const from = k * size;
    const to = Math.min(profiles, from + size);
    const overlap = k === 0 ? 0 : Math.floor(size / 100);
    // Re-iterable: the same plan is written twice (base and changed).
    return {
      name: `segment${k + 1}`,
      profiles: { [Symbol.iterator]: () => range(from - overlap, to) },
    };
  });
}

/** The plan of {@link plannedSegments} with 0.3 % of the profiles gone and 0.3 % new ones. */
function churnedSegments(
  profiles: number,
  count: number,
): Array<{ name: string; profiles: Iterable<number> }> {
  const moved = Math.floor(profiles * 0.003);
  return plannedSegments(profiles, count).map((segment, k) => ({
    name: segment.name,
    profiles: {
      [Symbol.iterator]: function* () {
        let skipped = 0;
        for (const i of segment.profiles) {
          // The first segment loses its first `moved` profiles (none of them repeated later).
          if (k === 0 && skipped < moved) {
            skipped += 1;
            continue;
          }
          yield i;
        }
        if (k === count - 1) yield* range(profiles, profiles + moved);
      },
    },
  }));
}

function phase(
  name: string,
  dir: string,
  args: string[],
  nodeFlags: string[] = [],
): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeFlags, self, "--phase", name, "--dir", dir, ...args],
      {
        env: phaseEnvironment,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`benchmark phase ${name} exited with ${code}`));
      else resolve(JSON.parse(output) as PhaseResult);
    });
  });
}

function fmt(value: number): string {
  return value.toLocaleString("en-US");
}

function cpuMsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return Math.round((used.user + used.system) / 1000);
}

/** Where the memory was when RSS peaked, in MB (`process.memoryUsage()` and V8's young space). */
interface MemoryAtPeak {
  /** RSS when sampling started (the process with its modules loaded, before the work). */
  startRss: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  /** V8's young generation (new space), part of `heapTotal`. */
  young: number;
  external: number;
  arrayBuffers: number;
}

/** Samples memory every 20 ms until `stop()`, keeping the sample of the highest RSS. */
function sampleMemory(): { stop(): MemoryAtPeak } {
  let peak: MemoryAtPeak | undefined;
  const startRss = Math.round(process.memoryUsage.rss() / 1024 / 1024);
  const take = (): void => {
    // `rss()` alone is cheap; the whole breakdown (0.4 s of CPU in a first export's process when
    // taken every 20 ms) only when the RSS is a new peak.
    if (peak !== undefined && process.memoryUsage.rss() <= peak.rss * 1024 * 1024) return;
    const usage = process.memoryUsage();
    const young = getHeapSpaceStatistics().find((space) => space.space_name === "new_space");
    const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
    peak = {
      startRss,
      rss: mb(usage.rss),
      heapTotal: mb(usage.heapTotal),
      heapUsed: mb(usage.heapUsed),
      young: mb(young?.space_size ?? 0),
      external: mb(usage.external),
      arrayBuffers: mb(usage.arrayBuffers),
    };
  };
  take();
  const timer = setInterval(take, 20);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak as MemoryAtPeak;
    },
  };
}

function describePeak(peak: MemoryAtPeak | undefined): string {
  if (peak === undefined) return "";
  // What is neither V8's heap nor external memory: the binary and its libraries, compiled code,
  // and memory the C library holds for native allocations.
  const rest = peak.rss - peak.heapTotal - peak.external;
  return `${peak.startRss} MB at start; at peak ${peak.rss} MB: heap ${peak.heapTotal} (young ${peak.young}, used ${peak.heapUsed}), array buffers ${peak.arrayBuffers}, other external ${peak.external - peak.arrayBuffers}, the rest ${rest}`;
}

function rssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** One phase, in a child process; prints its result as JSON. */
async function runPhase(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      phase: { type: "string" },
      dir: { type: "string" },
      folder: { type: "string" },
      segments: { type: "string" },
      levels: { type: "string" },
      "run-lines": { type: "string" },
      id: { type: "string" },
      desired: { type: "string" },
      previous: { type: "string" },
      store: { type: "string" },
      key: { type: "string" },
      ctct: { type: "string" },
      "profile-limit": { type: "string" },
    },
  });
  const dir = values.dir ?? ".";
  const store = (level: number): ReturnType<typeof createLocalSnapshotStore> =>
    createLocalSnapshotStore({ root: join(dir, "snapshots"), gzipLevel: level });
  let result: PhaseResult;
  if (values.phase === "collect") {
    const memory = sampleMemory();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const desired = await collectDesiredContacts({
      source: createFilesSource({ path: join(dir, values.folder ?? "base") }),
      segments: (values.segments ?? "").split(","),
      mappings: SYNTHETIC_MAPPINGS,
      tempDirectory: dir,
      runLines: values["run-lines"] === undefined ? undefined : Number(values["run-lines"]),
    });
    const ms = performance.now() - started;
    const collectCpuMs = cpuMsSince(cpuBefore);
    const collectRssMB = rssMB();
    const collectPeak = memory.stop();
    const writes: Array<{ level: number; ms: number; bytes: number }> = [];
    let snapshotId: string | undefined;
    for (const level of (values.levels ?? "")
      .split(",")
      .filter((text) => text !== "")
      .map(Number)) {
      const writeStarted = performance.now();
      const ref = await recordNextSnapshot(
        desired,
        { store: store(level) },
        {
          exportName: "bench",
          membership: "mirror",
          store: store(level),
        },
      );
      writes.push({ level, ms: performance.now() - writeStarted, bytes: ref.bytes });
      snapshotId ??= ref.id;
    }
    await desired.dispose();
    result = {
      ms,
      rssMB: rssMB(),
      collectRssMB,
      collectPeak,
      collectCpuMs,
      ...desired.counts,
      writes,
      snapshotId,
    };
  } else if (values.phase === "read") {
    const id = values.id ?? "";
    const started = performance.now();
    let entries = 0;
    for await (const _ of store(1).read(id)) entries += 1;
    result = { ms: performance.now() - started, rssMB: rssMB(), entries };
  } else if (values.phase === "diff") {
    const started = performance.now();
    const counts = emptyDiffCounts();
    const changes = diffSorted(
      store(1).read(values.desired ?? ""),
      store(1).read(values.previous ?? ""),
      {
        membership: "mirror",
      },
    );
    for await (const _ of countChanges(changes, counts)) void _;
    result = { ms: performance.now() - started, rssMB: rssMB(), counts };
  } else if (values.phase === "run") {
    result = await runExportPhase(dir, {
      folder: join(dir, values.folder ?? "base"),
      store: JSON.parse(values.store ?? "{}") as StoreOptions,
      key: values.key ?? "",
      ctct: JSON.parse(values.ctct ?? "{}") as { apiBaseUrl: string; tokenUrl: string },
      profileLimit: Number(values["profile-limit"] ?? 1_000_000),
    });
  } else if (values.phase === "plan") {
    result = await runPlanPhase({
      store: JSON.parse(values.store ?? "{}") as StoreOptions,
      key: values.key ?? "",
      ctct: JSON.parse(values.ctct ?? "{}") as { apiBaseUrl: string; tokenUrl: string },
      profileLimit: Number(values["profile-limit"] ?? 1_000_000),
      dir,
    });
  } else if (values.phase === "emulator") {
    await serveEmulator();
    return;
  } else {
    throw new Error(`unknown phase ${values.phase}`);
  }
  process.stdout.write(JSON.stringify(result));
}

if (process.argv[1] === self && process.argv.includes("--phase")) {
  await runPhase(process.argv.slice(2));
}

// --- (d) end-to-end runs -------------------------------------------------------------------

/** One end-to-end run as measured. */
interface EndToEndRun {
  name: string;
  ms: number;
  /** Constant Contact API requests the emulator received during the run. */
  requests: number;
  /** Of those, activity POSTs that write (imports and membership removals). */
  writes: number;
  /** Peak RSS of the run's process, start-up included. */
  rssMB: number;
  /** Peak RSS sampled while the run ran. */
  runPeakRssMB: number;
  /** Where the memory was at that peak. */
  runPeak: MemoryAtPeak | undefined;
  /** CPU time of the run's process during the run. */
  cpuMs: number;
  /** The run record's split of its wall time (own work per step, waiting on Constant Contact). */
  phases: Record<string, number> | undefined;
  /** Requests by route. */
  routes: Record<string, number>;
  status: string;
  counts: Record<string, number>;
  error?: unknown;
}

interface EndToEndResult {
  store: "postgres" | "pglite";
  /** `--max-old-space-size` of the run processes, when bounded (`--heap-mb`). */
  heapMB?: number | undefined;
  runs: EndToEndRun[];
}

const WRITE_ROUTES = [
  "POST /v3/activities/contacts_json_import",
  "POST /v3/activities/remove_list_memberships",
];

/**
 * The emulator, in a process of its own so its memory is not the pipeline's. It holds every
 * contact in its heap (about 400 bytes each, more while it builds a list export): past 2,000,000
 * profiles its heap is raised to 1.2 KB per profile, since
 * Node's default (4 GB here) ran out at 10,000,000. ccx's own processes keep the default.
 */
async function startEmulatorProcess(profiles: number): Promise<{
  info: EmulatorInfo;
  stats(): Promise<Record<string, number>>;
  unsubscribe(count: number): Promise<void>;
  close(): Promise<void>;
}> {
  const child: ChildProcessByStdio<Writable, Readable, null> = spawn(
    process.execPath,
    [
      ...(profiles > 2_000_000
        ? [`--max-old-space-size=${Math.ceil((profiles * 1.2 * 1_000) / 1024 ** 3) * 1024}`]
        : []),
      self,
      "--phase",
      "emulator",
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const nextLine = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  const info = JSON.parse(await nextLine()) as EmulatorInfo;
  return {
    info,
    async stats() {
      const line = nextLine();
      child.stdin.write("stats\n");
      return JSON.parse(await line) as Record<string, number>;
    },
    async unsubscribe(count) {
      const line = nextLine();
      child.stdin.write(`unsubscribe ${count}\n`);
      await line;
    },
    close: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.stdin.end();
      }),
  };
}

interface EmulatorInfo {
  apiBaseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  accountId: string;
}

/** Child process: a realistic emulator (CONTRACT §2.1, §2.2) answering `stats` on stdin. */
async function serveEmulator(): Promise<void> {
  const { startEmulator } = await import("../../emulator/index.ts");
  const emulator = await startEmulator({ activityTiming: "realistic", rateLimits: true });
  const app = emulator.createApp();
  const { accountId } = emulator.createAccount({ organizationName: "Bench Co" });
  const tokens = emulator.issueTokens(app.clientId, accountId);
  const info: EmulatorInfo = {
    apiBaseUrl: emulator.apiBaseUrl,
    tokenUrl: emulator.tokenUrl,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    refreshToken: tokens.refreshToken,
    accountId,
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, argument] = line.trim().split(" ");
    if (command === "stats") {
      process.stdout.write(`${JSON.stringify(emulator.inspect.requestCounts())}\n`);
    } else if (command === "unsubscribe") {
      // Contacts that opted out in Constant Contact, none of them in the segments.
      for (let i = 0; i < Number(argument); i += 1) {
        emulator.seedContact(accountId, {
          email: `opted-out${i}@example.org`,
          permission: "unsubscribed",
          optOutSource: "Contact",
        });
      }
      process.stdout.write(`${JSON.stringify({ seeded: Number(argument) })}\n`);
    }
  }
  await emulator.close();
}

/** A store for the runs: a fresh PostgreSQL database when the test server answers, else PGlite. */
async function benchStore(dir: string): Promise<{ options: StoreOptions; drop(): Promise<void> }> {
  const { createTestDatabase } = await import("../support/postgres.ts");
  let database: TestDatabase | undefined;
  try {
    database = await createTestDatabase("bench");
  } catch {
    return { options: { kind: "pglite", dataDir: join(dir, "e2e-store") }, drop: async () => {} };
  }
  const dropping = database;
  return { options: { kind: "postgres", url: database.url }, drop: () => dropping.drop() };
}

/** The connection and export the runs use, written straight into the store. */
async function seedExport(
  options: StoreOptions,
  key: Buffer,
  info: EmulatorInfo,
  segments: string[],
  folder: string,
): Promise<void> {
  const { openStore } = await import("../../reconciler/src/store/open-store.ts");
  const { SecretBox } = await import("../../reconciler/src/secrets/secret-box.ts");
  const { sealCredentials } =
    await import("../../reconciler/src/secrets/connection-credentials.ts");
  const { ExportPutRequestSchema } = await import("../../contract/export.ts");
  const { insertSource } = await import("../../reconciler/src/store/source-store.ts");
  const { hashCanonical } = await import("../../reconciler/src/core/canonical-json.ts");
  const opened = await openStore(options);
  try {
    const secretBox = new SecretBox({ activeKeyId: "bench", keys: new Map([["bench", key]]) });
    const sealed = sealCredentials(secretBox, "bench", {
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      refreshToken: info.refreshToken,
    });
    const connection = await opened.store.insertConnection("bench", {
      displayName: "Bench",
      sharing: "admins",
      exportUser: "bench@example.com",
      consent: {
        accepted: true,
        statementVersion: "bench",
        acceptedBy: "bench@example.com",
        acceptedAt: new Date().toISOString(),
        accountId: info.accountId,
      },
      accountId: info.accountId,
      organizationName: "Bench Co",
      status: "connected",
      credentialsKeyId: sealed.keyId,
      credentialsCiphertext: sealed.ciphertext,
      credentialsInputHash: "bench",
      refreshTokenFingerprint: "bench",
    });
    const definition = ExportPutRequestSchema.parse({
      connection: "bench",
      list: { name: "Bench list", create: true },
      mappings: SYNTHETIC_MAPPINGS,
      segments,
      source: "bench",
      schedule: { manualOnly: true },
    });
    await insertSource(opened.store, "bench", {
      type: "files",
      sharing: "admins",
      description: null,
      settings: { type: "files", path: folder },
      secret: null,
    });
    await opened.store.insertExport({
      name: "bench",
      connectionId: connection.id,
      definition,
      definitionHash: hashCanonical(definition),
    });
  } finally {
    await opened.close();
  }
}

/** (d): the three runs, each in its own process. */
async function runEndToEnd(
  dir: string,
  segments: string[],
  log: (line: string) => void,
  heapMB: string | undefined,
  profileLimit: number,
): Promise<EndToEndResult> {
  log("(d) end-to-end runs into the emulator (realistic timing, 4 requests/s)…");
  const emulator = await startEmulatorProcess(profileLimit);
  const store = await benchStore(dir);
  const key = randomBytes(32);
  const runs: EndToEndRun[] = [];
  try {
    await seedExport(store.options, key, emulator.info, segments, join(dir, "base"));
    // A scenario is a run, or (its fourth field) the plan `pulumi preview` waits for when the
    // definition changed: the segments read and diffed against the 1,000,000-entry snapshot.
    const scenarios: Array<[string, string, number?, "plan"?]> = [
      ["first export", "base"],
      ["re-run, nothing changed", "base"],
      ["plan of a changed definition", "base", undefined, "plan"],
      ["re-run, 1 % changed", "churn"],
      // 100,000 contacts opt out in Constant Contact: the next run reads them (200 pages), the
      // one after only what changed since.
      ["re-run, 100,000 opt-outs arrive", "base", 100_000],
      ["re-run, 100,000 opt-outs kept", "churn"],
    ];
    for (const [name, folder, unsubscribe, kind] of scenarios) {
      if (unsubscribe !== undefined) {
        await emulator.unsubscribe(unsubscribe);
        // The `Date` header has 1 s resolution: a read re-reads the second before it.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      log(`(d) ${name}…`);
      const before = await emulator.stats();
      const result = await phase(
        kind ?? "run",
        dir,
        [
          "--folder",
          folder,
          "--store",
          JSON.stringify(store.options),
          "--key",
          key.toString("base64"),
          "--ctct",
          JSON.stringify({
            apiBaseUrl: emulator.info.apiBaseUrl,
            tokenUrl: emulator.info.tokenUrl,
          }),
          "--profile-limit",
          String(profileLimit),
        ],
        heapMB === undefined ? [] : [`--max-old-space-size=${heapMB}`],
      );
      const after = await emulator.stats();
      const delta = (route: string): number => (after[route] ?? 0) - (before[route] ?? 0);
      runs.push({
        name,
        ms: result.ms,
        requests: Object.keys(after)
          .filter((route) => route.includes(" /v3/"))
          .reduce((sum, route) => sum + delta(route), 0),
        writes: WRITE_ROUTES.reduce((sum, route) => sum + delta(route), 0),
        rssMB: result.rssMB,
        runPeakRssMB: Number(result["runPeakRssMB"]),
        runPeak: result["runPeak"] as MemoryAtPeak | undefined,
        cpuMs: Number(result["cpuMs"]),
        phases: result["phases"] as Record<string, number> | undefined,
        routes: Object.fromEntries(
          Object.keys(after)
            .filter((route) => route.includes(" /v3/") && delta(route) > 0)
            .map((route) => [route, delta(route)]),
        ),
        status: String(result["status"]),
        counts: result["counts"] as Record<string, number>,
        ...(result["error"] === null ? {} : { error: result["error"] }),
      });
    }
  } finally {
    await emulator.close();
    await store.drop();
  }
  return {
    store: store.options.kind,
    ...(heapMB === undefined ? {} : { heapMB: Number(heapMB) }),
    runs,
  };
}

/** What a run or a plan of the bench export needs, in a phase process, from its inputs. */
async function benchDependencies(
  store: import("../../reconciler/src/store/store.ts").Store,
  input: { key: string; ctct: { apiBaseUrl: string; tokenUrl: string }; profileLimit: number },
  dir: string,
): Promise<import("../../reconciler/src/export/run-state.ts").ExportRunDependencies> {
  const { SecretBox } = await import("../../reconciler/src/secrets/secret-box.ts");
  const { CLOSED_POLICY } = await import("../../reconciler/src/sources/source-policy.ts");
  const { pino } = await import("pino");
  return {
    store,
    secretBox: new SecretBox({
      activeKeyId: "bench",
      keys: new Map([["bench", Buffer.from(input.key, "base64")]]),
    }),
    logger: pino({ level: process.env["CCX_BENCH_LOG_LEVEL"] ?? "warn" }, process.stderr),
    ctct: input.ctct,
    snapshots: createLocalSnapshotStore({ root: join(dir, "e2e-snapshots") }),
    sources: { policy: { ...CLOSED_POLICY, files: { roots: [dir] } } },
    tempDirectory: dir,
    profileLimit: input.profileLimit,
  };
}

/**
 * Child process: the plan of the export `bench` with a changed definition (a guard), as
 * `POST /v1/exports/bench/plan` makes it for `pulumi preview`: the list and opt-outs read, the
 * segments read and diffed against the current snapshot, nothing written.
 */
async function runPlanPhase(input: {
  store: StoreOptions;
  key: string;
  ctct: { apiBaseUrl: string; tokenUrl: string };
  profileLimit: number;
  dir: string;
}): Promise<PhaseResult> {
  const { openStore } = await import("../../reconciler/src/store/open-store.ts");
  const { planExport } = await import("../../reconciler/src/export/export-planner.ts");
  const opened = await openStore(input.store);
  try {
    const store = opened.store;
    const record = await store.getExport("bench");
    if (record === undefined) throw new Error("the bench export is missing");
    const proposed = {
      ...record.definition,
      guards: { ...record.definition.guards, maxAdds: 2_000_000 },
    };
    // The reconciler has its dependencies before any plan is asked for: not part of the time.
    const deps = await benchDependencies(store, input, input.dir);
    const memory = sampleMemory();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const plan = await planExport(deps, "bench", proposed);
    const ms = performance.now() - started;
    const peak = memory.stop();
    return {
      ms,
      cpuMs: cpuMsSince(cpuBefore),
      phases: undefined,
      rssMB: rssMB(),
      runPeakRssMB: peak.rss,
      runPeak: peak,
      status: plan.comparedWithSnapshot ? "planned" : "planned (no snapshot)",
      counts: {
        add: plan.counts.adds,
        update: plan.counts.updates,
        remove: plan.counts.removals,
        unchanged: plan.counts.unchanged,
      },
      error: null,
    };
  } finally {
    await opened.close();
  }
}

/** Child process: one run of the export `bench` reading `folder`. */
async function runExportPhase(
  dir: string,
  input: {
    folder: string;
    store: StoreOptions;
    key: string;
    ctct: { apiBaseUrl: string; tokenUrl: string };
    profileLimit: number;
  },
): Promise<PhaseResult> {
  const { openStore } = await import("../../reconciler/src/store/open-store.ts");
  const { getSource, updateSource } = await import("../../reconciler/src/store/source-store.ts");
  const { runOnce } = await import("../support/run-once.ts");
  const opened = await openStore(input.store);
  try {
    const store = opened.store;
    const record = await store.getExport("bench");
    if (record === undefined || record.attachedConnectionId === null) {
      throw new Error("the bench export is missing");
    }
    const source = await getSource(store, "bench");
    if (source?.settings.type === "files" && source.settings.path !== input.folder) {
      // The same export reads another folder: the source changes, as an admin would change it.
      // The segments' versions change with the files, so the run reads them again.
      await updateSource(store, source.id, {
        ...source,
        settings: { type: "files", path: input.folder },
      });
    }
    const run = await store.runs.insert({
      exportId: record.id,
      trigger: "manual",
      generation: record.generation,
      definitionHash: record.definitionHash,
      stack: null,
      updateId: null,
      requestedBy: "bench",
    });
    const deps = await benchDependencies(store, input, dir);
    const memory = sampleMemory();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const finished = await runOnce(deps, run, deps.logger);
    const ms = performance.now() - started;
    const cpuMs = cpuMsSince(cpuBefore);
    const peak = memory.stop();
    return {
      ms,
      cpuMs,
      phases: finished.progress?.["phases"],
      rssMB: rssMB(),
      runPeakRssMB: peak.rss,
      runPeak: peak,
      status: finished.status,
      counts: finished.counts,
      error: finished.error,
    };
  } finally {
    await opened.close();
  }
}

function printEndToEnd(result: EndToEndResult, profiles: number, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ profiles, e2e: result }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `\n(d) end-to-end runs, ${fmt(profiles)} profiles, emulator with real timing and limits, store ${result.store}, ${describeMalloc()}` +
      `${result.heapMB === undefined ? "" : `, run processes with --max-old-space-size=${result.heapMB}`}\n\n`,
  );
  const seconds = (ms: number | undefined): string =>
    ms === undefined ? "–" : (ms / 1000).toFixed(2);
  process.stdout.write(
    `${"run".padEnd(34)} ${"status".padEnd(10)} ${"time s".padStart(7)} ${"own s".padStart(6)} ${"wait s".padStart(7)} ${"CPU s".padStart(6)} ${"requests".padStart(9)} ${"writes".padStart(7)} ${"peak RSS MB".padStart(12)} ${"run RSS MB".padStart(11)}  counts\n`,
  );
  for (const run of result.runs) {
    const c = run.counts;
    const note = run.status.startsWith("planned")
      ? `planned +${fmt(c["add"] ?? 0)} ~${fmt(c["update"] ?? 0)} -${fmt(c["remove"] ?? 0)}, ${fmt(c["unchanged"] ?? 0)} unchanged`
      : `+${fmt(c["added"] ?? 0)} ~${fmt(c["updated"] ?? 0)} -${fmt(c["removed"] ?? 0)}, ${fmt(c["listMembers"] ?? 0)} on the list, ${c["optOutRequests"] ?? 0} opt-out requests`;
    process.stdout.write(
      `${run.name.padEnd(34)} ${run.status.padEnd(10)} ${seconds(run.ms).padStart(7)} ${seconds(run.phases?.["ownMs"]).padStart(6)} ${seconds(run.phases?.["waitingMs"]).padStart(7)} ${seconds(run.cpuMs).padStart(6)} ${String(run.requests).padStart(9)} ${String(run.writes).padStart(7)} ${String(run.rssMB).padStart(12)} ${String(run.runPeakRssMB).padStart(11)}  ${note}\n`,
    );
    const p = run.phases;
    if (p !== undefined) {
      process.stdout.write(
        `  own work: reading ${seconds(p["readingMs"])} s, planning ${seconds(p["planningMs"])} s, writing ${seconds(p["writingMs"])} s, verifying ${seconds(p["verifyingMs"])} s\n`,
      );
    }
    if (run.runPeak !== undefined) process.stdout.write(`  memory ${describePeak(run.runPeak)}\n`);
    process.stdout.write(
      `  requests: ${Object.entries(run.routes)
        .map(([route, count]) => `${route.replace(" /v3/", " ")} ${count}`)
        .join(", ")}\n`,
    );
    if (run.error !== undefined) process.stdout.write(`  error: ${JSON.stringify(run.error)}\n`);
  }
}
