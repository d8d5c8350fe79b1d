/**
 * Pipeline benchmark: generates N profiles (default 1,000,000) as CSV segments, then measures,
 * each phase in its own process so its peak RSS is its own:
 *   (a) read + map + validate + sort + de-duplicate (external sort; and the in-memory variant),
 *   (b) writing the sorted snapshot (gzip levels 0, 1, 6) and reading it back as a stream,
 *   (c) the streaming diff of N vs N, with nothing changed and with 1 % changed.
 *
 * Usage: `npm run bench -- pipeline [--profiles 1000000] [--segments 4] [--json] [--keep]`
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { countChanges, diffSorted, emptyDiffCounts } from "../../reconciler/src/core/diff.ts";
import { collectDesiredContacts } from "../../reconciler/src/export/desired-contacts.ts";
import { recordNextSnapshot } from "../../reconciler/src/export/record-snapshot.ts";
import { createLocalSnapshotStore } from "../../reconciler/src/snapshots/local-snapshot-store.ts";
import { createFilesSource } from "../../reconciler/src/sources/files-source.ts";
import { range, SYNTHETIC_MAPPINGS, writeSyntheticSegments } from "../support/segments.ts";

const self = fileURLToPath(import.meta.url);

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
    },
  });
  const profiles = Number(values.profiles);
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
    const generateMs = performance.now() - started;
    const names = segments.map((segment) => segment.name);

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
        `${fmt(Number(base["rows"]))} rows → ${fmt(Number(base["profiles"]))} profiles, ${fmt(Number(base["duplicates"]))} duplicates`,
      ],
      [
        "(a) same, 1 % changed input",
        changed.ms,
        Number(changed["collectRssMB"]),
        `${fmt(Number(changed["profiles"]))} profiles`,
      ],
      [
        "(a) same, in-memory sort",
        inMemory.ms,
        Number(inMemory["collectRssMB"]),
        "one run, no spill",
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
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ profiles, segments: segmentCount, generateMs: Math.round(generateMs), base, changed, inMemory, read, same, diff1 }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        `\npipeline benchmark: ${fmt(profiles)} profiles, ${segmentCount} segments (generation ${(generateMs / 1000).toFixed(1)} s)\n\n`,
      );
      process.stdout.write(
        `${"phase".padEnd(46)} ${"time s".padStart(7)} ${"peak RSS MB".padStart(12)}  notes\n`,
      );
      for (const [name, ms, rss, note] of rows) {
        process.stdout.write(
          `${name.padEnd(46)} ${(ms / 1000).toFixed(2).padStart(7)} ${rss.toFixed(0).padStart(12)}  ${note}\n`,
        );
      }
    }
  } finally {
    if (values.keep) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
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

function phase(name: string, dir: string, args: string[]): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, "--phase", name, "--dir", dir, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
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
    },
  });
  const dir = values.dir ?? ".";
  const store = (level: number): ReturnType<typeof createLocalSnapshotStore> =>
    createLocalSnapshotStore({ root: join(dir, "snapshots"), gzipLevel: level });
  let result: PhaseResult;
  if (values.phase === "collect") {
    const started = performance.now();
    const desired = await collectDesiredContacts({
      source: createFilesSource({ path: join(dir, values.folder ?? "base") }),
      segments: (values.segments ?? "").split(","),
      mappings: SYNTHETIC_MAPPINGS,
      tempDirectory: dir,
      runLines: values["run-lines"] === undefined ? undefined : Number(values["run-lines"]),
    });
    const ms = performance.now() - started;
    const collectRssMB = rssMB();
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
    result = { ms, rssMB: rssMB(), collectRssMB, ...desired.counts, writes, snapshotId };
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
  } else {
    throw new Error(`unknown phase ${values.phase}`);
  }
  process.stdout.write(JSON.stringify(result));
}

if (process.argv[1] === self && process.argv.includes("--phase")) {
  await runPhase(process.argv.slice(2));
}
