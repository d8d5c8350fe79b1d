/**
 * Export runs end to end through the real reconciler HTTP API (`startReconciler` on loopback,
 * PGlite) writing to the emulator over HTTP: what ends up in the Constant Contact list, what the
 * run record says, and that blocked runs write nothing.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken, hashToken } from "../../reconciler/src/auth/api-token.ts";
import { parseConfig } from "../../reconciler/src/config.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import { LogSink } from "../support/reconciler-fixtures.ts";
import {
  apiCaller,
  createConnection,
  filesExport,
  filesSource,
  listIdByName,
  people,
  pipelineConfigInput,
  runToEnd,
  waitForRun,
  writeActivities,
  writeSegment,
  type ApiCall,
  type RunJson,
} from "./pipeline-run-support.ts";

const adminToken = generateToken();
const viewerToken = generateToken();
const logs = new LogSink();
let dir: string;
let emulator: Emulator;
let reconciler: RunningReconciler;
let call: ApiCall;
let asViewer: ApiCall;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ccx-pipeline-run-"));
  emulator = await startEmulator({ activityTiming: "instant" });
  const base = pipelineConfigInput(dir, emulator, adminToken);
  const config = parseConfig({
    ...base,
    log: { level: "debug" },
    runs: { ...base.runs, profileLimit: 1_000 },
  });
  reconciler = await startReconciler(config, { logDestination: logs });
  await reconciler.store.createToken({
    name: "viewer",
    role: "viewer",
    tokenHash: hashToken(viewerToken),
  });
  call = apiCaller(() => reconciler.url, adminToken);
  asViewer = apiCaller(() => reconciler.url, viewerToken);
}, 60_000);

afterAll(async () => {
  await reconciler?.close();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Contact exports (whole-list reads) the emulator received for an account. */
function listExports(accountId: string): number {
  return emulator.inspect.activities(accountId).filter((a) => a.kind === "contact_exports").length;
}

function members(accountId: string, listName: string): string[] {
  return emulator.inspect.listMembers(listIdByName(emulator, accountId, listName));
}

describe("a mirror export over its life", () => {
  const folder = () => join(dir, "mirror");
  let accountId: string;
  let listName: string;
  const everyone = people("p", 20);

  it("first run: adds everyone once, counts invalid rows and duplicates, suppresses opt-outs", async () => {
    ({ accountId } = await createConnection(call, emulator, "mirror-conn"));
    // p3 unsubscribed in Constant Contact before the first run: never (re-)added.
    emulator.seedContact(accountId, {
      email: "p3@example.com",
      permission: "unsubscribed",
      optOutSource: "Contact",
    });
    await writeSegment(folder(), "alpha", [...everyone.slice(0, 15), "not-an-email,Bad,Row"]);
    // beta repeats p10–p14 (duplicates, one in upper case) and adds p15–p19.
    await writeSegment(folder(), "beta", [
      { email: "P10@Example.com", first: "Other" },
      ...everyone.slice(11, 20),
    ]);
    const body = filesExport("mirror-conn", await filesSource(call, folder()), ["alpha", "beta"]);
    listName = (body["list"] as { name: string }).name;
    expect((await call("PUT", "/v1/exports/mirror", body)).status).toBe(201);

    const run = await runToEnd(call, "mirror");
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(run.counts).toMatchObject({
      read: 26,
      invalid: 1,
      duplicate: 5,
      profiles: 20,
      added: 19,
      updated: 0,
      removed: 0,
      suppressed: 1,
      rejected: 0,
      listMembers: 19,
      expectedMembers: 19,
    });
    expect(run.counts["requests"]).toBeGreaterThan(0);
    expect(run.startedAt).not.toBeNull();
    expect(run.finishedAt).not.toBeNull();
    expect(run.progress?.phase).toBe("done");

    const expected = everyone.map((p) => p.email).filter((e) => e !== "p3@example.com");
    expect(members(accountId, listName)).toEqual([...expected].sort());
    const optedOut = emulator.inspect.contact("p3@example.com", accountId);
    expect(optedOut?.permission).toBe("unsubscribed");
    expect(optedOut?.listIds).toEqual([]);
    // The first segment wins a conflict: p10 keeps alpha's first name.
    expect(emulator.inspect.contact("p10@example.com", accountId)?.firstName).toBe("First10");
  });

  it("re-run with nothing changed: no write requests, one read of the list", async () => {
    const before = writeActivities(emulator, accountId);
    const requestsBefore = emulator.inspect.requestCounts();
    const run = await runToEnd(call, "mirror");
    const requestsAfter = emulator.inspect.requestCounts();
    expect(run.status).toBe("succeeded");
    // Same definition, list and segment versions: the rows are not even read again.
    expect(run.counts).toMatchObject({
      added: 0,
      updated: 0,
      removed: 0,
      unchanged: 19,
      sourcesUnchanged: 1,
      listMembers: 19,
      requests: 1,
    });
    // The search by name reports the membership count, which is also what the run verifies.
    const sent = Object.keys(requestsAfter)
      .filter((route) => route.includes(" /v3/"))
      .filter((route) => requestsAfter[route] !== requestsBefore[route]);
    expect(sent).toEqual(["GET /v3/contact_lists"]);
    expect(writeActivities(emulator, accountId)).toBe(before);
  });

  it("a changed mapped field is imported again as an update", async () => {
    const changed = everyone.map((p) =>
      p.email === "p5@example.com" ? { ...p, first: "Renamed" } : p,
    );
    await writeSegment(folder(), "alpha", [...changed.slice(0, 15), "not-an-email,Bad,Row"]);
    const before = writeActivities(emulator, accountId);
    const contactReadsBefore = emulator.inspect.requestCounts()["GET /v3/contacts"] ?? 0;
    const run = await runToEnd(call, "mirror");
    expect(run.status).toBe("succeeded");
    expect(run.counts).toMatchObject({ added: 0, updated: 1, removed: 0, unchanged: 18 });
    // The updated contact keeps its id from the snapshot: no page of ids is read, only opt-outs.
    const contactReads =
      (emulator.inspect.requestCounts()["GET /v3/contacts"] ?? 0) - contactReadsBefore;
    expect(contactReads).toBe(run.counts["optOutRequests"]);
    expect(contactReads).toBeGreaterThan(0);
    expect(run.counts["sourcesUnchanged"]).toBeUndefined();
    expect(emulator.inspect.contact("p5@example.com", accountId)?.firstName).toBe("Renamed");
    expect(writeActivities(emulator, accountId)).toBe(before + 1);
  });

  it("mirror removes a leaver from the list but keeps the contact", async () => {
    await writeSegment(folder(), "beta", [
      { email: "P10@Example.com", first: "Other" },
      ...everyone.slice(11, 19),
    ]);
    const exportsBefore = listExports(accountId);
    const run = await runToEnd(call, "mirror");
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(run.counts).toMatchObject({ added: 0, updated: 0, removed: 1, listMembers: 18 });
    // The leaver's id came from the snapshot: the list was not exported to find it.
    expect(listExports(accountId)).toBe(exportsBefore);
    const leaver = emulator.inspect.contact("p19@example.com", accountId);
    expect(leaver?.deleted).toBe(false);
    expect(leaver?.permission).toBe("implicit");
    expect(leaver?.listIds).toEqual([]);
    expect(members(accountId, listName)).toHaveLength(18);
    // Four runs so far: only the current snapshot and the one before it (with any contact ids
    // stored beside them) are kept.
    expect(await readdir(join(dir, "snapshots", "mirror"))).toHaveLength(2);
  });

  it("a contact that joined in one run leaves in the next without any read of the list", async () => {
    const exportsBefore = listExports(accountId);
    await writeSegment(folder(), "beta", [
      { email: "P10@Example.com", first: "Other" },
      ...everyone.slice(11, 19),
      { email: "late@example.com", first: "Late" },
    ]);
    const joined = await runToEnd(call, "mirror");
    expect(joined.status, JSON.stringify(joined.error)).toBe("succeeded");
    expect(joined.counts).toMatchObject({ added: 1, removed: 0, listMembers: 19 });
    expect(members(accountId, listName)).toContain("late@example.com");
    await writeSegment(folder(), "beta", [
      { email: "P10@Example.com", first: "Other" },
      ...everyone.slice(11, 19),
    ]);
    const left = await runToEnd(call, "mirror");
    expect(left.status, JSON.stringify(left.error)).toBe("succeeded");
    expect(left.counts).toMatchObject({ added: 0, removed: 1, listMembers: 18 });
    expect(members(accountId, listName)).not.toContain("late@example.com");
    expect(emulator.inspect.contact("late@example.com", accountId)?.deleted).toBe(false);
    expect(listExports(accountId)).toBe(exportsBefore);
  });

  it("a tripped guard pauses the run with its numbers and writes nothing", async () => {
    // Dropping beta removes p15–p18, 4 of 18 synced contacts (22 %), over maxRemovePercent 10.
    const body = filesExport("mirror-conn", await filesSource(call, folder()), ["alpha"], {
      list: { name: listName },
    });
    expect((await call("PUT", "/v1/exports/mirror", body)).status).toBe(200);
    const before = writeActivities(emulator, accountId);
    const run = await runToEnd(call, "mirror");
    expect(run.status).toBe("paused");
    expect(run.error?.code).toBe("EXPORT_GUARD_TRIPPED");
    expect(run.error?.message).toMatch(/maxRemovePercent 10/);
    const verdicts = run.error?.details?.["verdicts"] as Array<{
      guard: string;
      passed: boolean;
      actual: number;
    }>;
    expect(verdicts.find((v) => v.guard === "maxRemovePercent")).toMatchObject({
      passed: false,
      actual: 22.22,
    });
    expect(run.counts["plannedRemovals"]).toBe(4);
    expect(writeActivities(emulator, accountId)).toBe(before);
    expect(members(accountId, listName)).toHaveLength(18);
  });

  it("plans the same numbers without writing; viewers plan the stored definition", async () => {
    const before = writeActivities(emulator, accountId);
    const plan = await asViewer<Record<string, unknown>>("POST", "/v1/exports/mirror/plan");
    expect(plan.status).toBe(200);
    expect(plan.json).toMatchObject({
      blocked: true,
      comparedWithSnapshot: true,
      counts: { removals: 4, adds: 0 },
    });
    // A proposed definition that keeps beta plans a clean run; proposing is for those who may
    // change the export, not for viewers.
    const proposed = filesExport(
      "mirror-conn",
      await filesSource(call, folder()),
      ["alpha", "beta"],
      {
        list: { name: listName },
      },
    );
    const refused = await asViewer("POST", "/v1/exports/mirror/plan", proposed);
    expect(refused.status).toBe(403);
    const clean = await call<Record<string, unknown>>("POST", "/v1/exports/mirror/plan", proposed);
    expect(clean.status).toBe(200);
    expect(clean.json).toMatchObject({
      blocked: false,
      counts: { adds: 0, removals: 0, suppressed: 1 },
    });
    expect(writeActivities(emulator, accountId)).toBe(before);
  });
});

describe("planning an export that does not exist yet", () => {
  it("plans a first run: every valid contact is an add; nothing is created", async () => {
    const { accountId } = await createConnection(call, emulator, "plan-conn");
    const folder = join(dir, "plan");
    await writeSegment(folder, "s", [...people("n", 7), "bad,row,here"]);
    const proposed = filesExport("plan-conn", await filesSource(call, folder), ["s"]);
    const plan = await call<Record<string, unknown>>("POST", "/v1/exports/not-yet/plan", proposed);
    expect(plan.status).toBe(200);
    expect(plan.json).toMatchObject({
      export: "not-yet",
      listId: null,
      comparedWithSnapshot: false,
      blocked: false,
      counts: { adds: 7, invalid: 1, removals: 0 },
      estimate: { imports: 1 },
    });
    expect(emulator.inspect.lists(accountId)).toEqual([]);
    expect((await call("GET", "/v1/exports/not-yet")).status).toBe(404);
  });

  it("answers 404 without a definition and 400 for a bad one", async () => {
    expect((await call("POST", "/v1/exports/nothing-here/plan")).status).toBe(404);
    const bad = await call("POST", "/v1/exports/nothing-here/plan", { connection: "x" });
    expect(bad.status).toBe(400);
  });
});

describe("add-only, limits and rejected rows", () => {
  it("add-only never removes", async () => {
    const { accountId } = await createConnection(call, emulator, "addonly-conn");
    const folder = join(dir, "addonly");
    await writeSegment(folder, "s", people("a", 10));
    const body = filesExport("addonly-conn", await filesSource(call, folder), ["s"], {
      membership: "add-only",
    });
    const listName = (body["list"] as { name: string }).name;
    await call("PUT", "/v1/exports/addonly", body);
    expect((await runToEnd(call, "addonly")).counts).toMatchObject({ added: 10 });
    await writeSegment(folder, "s", people("a", 5));
    const run = await runToEnd(call, "addonly");
    expect(run.status).toBe("succeeded");
    expect(run.counts).toMatchObject({ added: 0, removed: 0, retained: 5, listMembers: 10 });
    expect(members(accountId, listName)).toHaveLength(10);
  });

  it("over the profile limit: failed with a clear error, nothing written, no list created", async () => {
    const { accountId } = await createConnection(call, emulator, "limit-conn");
    const folder = join(dir, "limit");
    await writeSegment(folder, "s", people("l", 1_001));
    await call(
      "PUT",
      "/v1/exports/limit",
      filesExport("limit-conn", await filesSource(call, folder), ["s"]),
    );
    const run = await runToEnd(call, "limit");
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("EXPORT_PROFILE_LIMIT");
    expect(run.error?.message).toMatch(/1,001 distinct profiles, over the limit of 1,000/);
    expect(writeActivities(emulator, accountId)).toBe(0);
    expect(emulator.inspect.lists(accountId)).toEqual([]);
  });

  it("a list another writer creates while the run creates it is adopted, not duplicated", async () => {
    const { accountId } = await createConnection(call, emulator, "race-conn");
    const folder = join(dir, "race");
    await writeSegment(folder, "s", people("c", 3));
    const body = filesExport("race-conn", await filesSource(call, folder), ["s"]);
    const listName = (body["list"] as { name: string }).name;
    await call("PUT", "/v1/exports/race", body);
    // The run's create waits in the emulator; the other writer's list lands meanwhile.
    emulator.faults.latency("POST /v3/contact_lists", { ms: 2_000, calls: 1 });
    const creates = (): number => emulator.inspect.requestCounts()["POST /v3/contact_lists"] ?? 0;
    const createsBefore = creates();
    const queued = await call<RunJson>("POST", "/v1/exports/race/runs");
    while (creates() === createsBefore) await new Promise((r) => setTimeout(r, 10));
    const { listId } = emulator.seedList(accountId, { name: listName });

    const run = await waitForRun(
      call,
      "race",
      queued.json.id,
      (r) => r.status !== "queued" && r.status !== "running",
    );
    expect(run.status).toBe("succeeded");
    expect(run.counts).toMatchObject({ added: 3, listMembers: 3 });
    expect(emulator.inspect.lists(accountId).filter((l) => l.name === listName)).toHaveLength(1);
    expect(emulator.inspect.listMembers(listId)).toHaveLength(3);
  });

  it("rows Constant Contact rejects are counted with masked samples and retried next run", async () => {
    const { accountId } = await createConnection(call, emulator, "reject-conn");
    const folder = join(dir, "reject");
    await writeSegment(folder, "s", people("r", 6));
    const body = filesExport("reject-conn", await filesSource(call, folder), ["s"]);
    const listName = (body["list"] as { name: string }).name;
    await call("PUT", "/v1/exports/reject", body);
    emulator.faults.forceRowOutcome("r2@example.com", "correctable");
    const run = await runToEnd(call, "reject");
    emulator.faults.forceRowOutcome("r2@example.com", undefined);
    expect(run.status).toBe("succeeded");
    expect(run.counts).toMatchObject({ added: 5, rejected: 1, listMembers: 5, expectedMembers: 5 });
    expect(run.rejectedSamples).toEqual([
      { chunk: 0, row: 3, email: "r***@example.com", reason: "the row was rejected." },
    ]);
    expect(JSON.stringify(run)).not.toContain("r2@example.com");
    const again = await runToEnd(call, "reject");
    expect(again.counts).toMatchObject({ added: 1, rejected: 0, listMembers: 6 });
    expect(members(accountId, listName)).toHaveLength(6);
  });

  it("logs no e-mail addresses", () => {
    expect(logs.text()).not.toMatch(/[a-z]\d+@example\.com/);
  });
});

export type { RunJson };
