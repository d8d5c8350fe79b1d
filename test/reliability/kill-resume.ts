/**
 * Scenario "kill-9": the reconciler (`ccx serve`, a child process) is killed with SIGKILL at a
 * random point of a large export — while reading and sorting the segment, or at a random moment
 * after a random number of chunks went out — then started again on the same data directory,
 * where it resumes the run from its checkpoint. One activity in flight at a time, so "the chunk
 * in flight" is one import of at most 40,000 contacts (CONTRACT §7.13).
 * Promises, per trial: the run ends `succeeded`; the list holds exactly the segment's contacts;
 * the contacts sent to Constant Contact beyond the segment (re-sent after the kill) are at most
 * one chunk.
 */
import { randomBytes, randomInt } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import {
  apiCaller,
  filesExport,
  filesSource,
  listIdByName,
  people,
  waitForRun,
  writeSegment,
  type RunJson,
} from "../integration/pipeline-run-support.ts";
import { connectionBody, newEmulatorCredentials } from "../support/reconciler-fixtures.ts";
import { messageOf, ScenarioReport, secondsSince, type ScenarioResult } from "./scenario.ts";
import { findSecrets } from "./secret-scan.ts";
import { startServe, writeServeConfig, type ServeProcess } from "./serve-process.ts";

export interface KillResumeSize {
  trials: number;
  /** Contacts in the segment. */
  profiles: number;
  /** Emulator processing speed, items per second: slow enough that a kill lands mid-write. */
  itemsPerSecond: number;
}

/** Contacts per import chunk (CONTRACT §7.13); the most a kill may cause to be re-sent. */
const CHUNK = 40_000;
const DONE = (run: RunJson): boolean => run.status !== "queued" && run.status !== "running";

interface KillPoint {
  /** Chunks that must have been sent before the kill; 0 kills during reading and sorting. */
  afterChunks: number;
  /** Further wait before the kill, ms. */
  delayMs: number;
}

/**
 * A random kill point: before any chunk (reading, sorting, planning) or while chunk k is being
 * processed, at a random moment inside its expected processing time so the kill lands mid-run.
 */
function randomKillPoint(size: KillResumeSize): KillPoint {
  const chunks = Math.ceil(size.profiles / CHUNK);
  const afterChunks = randomInt(0, chunks + 1);
  if (afterChunks === 0) return { afterChunks, delayMs: randomInt(100, 1500) };
  const items = Math.min(CHUNK, size.profiles - (afterChunks - 1) * CHUNK);
  const processingMs = (1000 * items) / size.itemsPerSecond;
  return { afterChunks, delayMs: randomInt(0, Math.max(1, Math.floor(0.8 * processingMs))) };
}

function importedItems(emulator: Emulator, accountId: string): number {
  return emulator.inspect
    .activities(accountId)
    .filter((activity) => activity.kind === "contacts_json_import")
    .reduce((sum, activity) => sum + (activity.status["items_total_count"] ?? 0), 0);
}

export async function killResume(size: KillResumeSize): Promise<ScenarioResult> {
  const report = new ScenarioReport("kill-9");
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "ccx-kill-resume-"));
  const emulator = await startEmulator({ activityTiming: "instant" });
  const adminToken = generateToken();
  const encryptionKey = randomBytes(32).toString("base64");
  const secrets = [adminToken, encryptionKey];
  const outputs: string[] = [];
  const configPath = join(dir, "ccx.yaml");
  await writeServeConfig(configPath, {
    server: { host: "127.0.0.1", port: 0 },
    store: { dataDir: join(dir, "store") },
    snapshots: { dir: join(dir, "snapshots") },
    sources: { files: { roots: [dir] } },
    secrets: { activeKeyId: "k1", keys: { k1: encryptionKey } },
    auth: { bootstrapAdminToken: adminToken },
    // Info level: the logs of every process, killed ones included, are scanned for secrets.
    log: { level: "info" },
    ctct: { apiBaseUrl: emulator.apiBaseUrl, tokenUrl: emulator.tokenUrl },
    runs: { maxActivitiesInFlight: 1, tempDir: dir },
  });
  let serve: ServeProcess | undefined;
  const call = apiCaller(() => serve?.url ?? "", adminToken);
  let killsLanded = 0;
  let resumed = 0;
  let maxResent = 0;
  let totalResent = 0;
  const killSeconds: number[] = [];
  try {
    serve = await startServe(configPath);
    emulator.faults.processingSpeed(size.itemsPerSecond);
    for (let trial = 0; trial < size.trials; trial += 1) {
      report.trials += 1;
      const label = `trial ${trial + 1}`;
      try {
        const name = `kill-${trial}`;
        const { accountId, credentials } = newEmulatorCredentials(emulator, `Org ${name}`, secrets);
        const connected = await call(
          "PUT",
          `/v1/connections/${name}-conn`,
          connectionBody(credentials),
        );
        if (
          !report.expect(
            connected.status === 201,
            `${label}: PUT connection answered ${connected.status}`,
          )
        )
          continue;
        const folder = join(dir, name);
        const segment = people(`t${trial}-`, size.profiles);
        await writeSegment(folder, "big", segment);
        const body = filesExport(`${name}-conn`, await filesSource(call, folder), ["big"]);
        const listName = (body["list"] as { name: string }).name;
        const put = await call("PUT", `/v1/exports/${name}`, body);
        if (!report.expect(put.status === 201, `${label}: PUT export answered ${put.status}`))
          continue;

        const point = randomKillPoint(size);
        const queued = await call<RunJson>("POST", `/v1/exports/${name}/runs`);
        const runStarted = performance.now();
        const runId = queued.json.id;
        const before = await waitForRun(
          call,
          name,
          runId,
          (run) => DONE(run) || (run.progress?.chunksSent ?? 0) >= point.afterChunks,
          600_000,
        );
        if (!DONE(before)) await sleep(point.delayMs);
        const atKill = await call<RunJson>("GET", `/v1/exports/${name}/runs/${runId}`);
        await serve.kill();
        outputs.push(serve.output());
        if (!DONE(atKill.json)) {
          killsLanded += 1;
          killSeconds.push(secondsSince(runStarted));
        }
        serve = await startServe(configPath);
        const finished = await waitForRun(call, name, runId, DONE, 600_000);
        if (finished.progress?.resumed === true) resumed += 1;
        report.expect(
          finished.status === "succeeded",
          `${label}: resumed run ended ${finished.status}: ${JSON.stringify(finished.error)}`,
        );
        const members = emulator.inspect.listMembers(listIdByName(emulator, accountId, listName));
        const expected = segment.map((person) => person.email).sort();
        const equal =
          members.length === expected.length && members.every((email, i) => email === expected[i]);
        report.expect(
          equal,
          `${label}: list has ${members.length} members, segment ${expected.length}` +
            ` (killed after ${point.afterChunks} chunks + ${point.delayMs} ms)`,
        );
        const resent = importedItems(emulator, accountId) - size.profiles;
        maxResent = Math.max(maxResent, resent);
        totalResent += Math.max(0, resent);
        report.expect(
          resent <= CHUNK,
          `${label}: ${resent} contacts sent twice, more than the one chunk in flight`,
        );
      } catch (error) {
        report.fail(`${label} crashed: ${messageOf(error)}`);
        if (serve.child.exitCode !== null || serve.child.signalCode !== null) {
          outputs.push(serve.output());
          serve = await startServe(configPath);
        }
      }
    }
  } finally {
    emulator.faults.processingSpeed(undefined);
    await serve?.stop();
    if (serve !== undefined) outputs.push(serve.output());
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
  const logFindings = findSecrets("ccx serve logs", outputs.join("\n"), secrets);
  for (const finding of logFindings)
    report.fail(`secret ${finding.secret} found in ${finding.where}`);
  report.figures["logLines"] = outputs.join("").split("\n").length - 1;
  report.figures["secretsInLogs"] = logFindings.length;
  report.figures["profiles"] = size.profiles;
  report.figures["killsMidRun"] = killsLanded;
  report.figures["resumed"] = resumed;
  report.figures["maxResent"] = maxResent;
  report.figures["totalResent"] = totalResent;
  report.figures["killAtSeconds"] = killSeconds.map((s) => s.toFixed(1)).join("/");
  report.figures["seconds"] = secondsSince(started);
  return report.result();
}
