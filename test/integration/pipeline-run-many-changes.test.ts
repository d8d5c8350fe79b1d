/**
 * Runs with more changes than a run keeps in memory from its plan (10,000): the write stage then
 * diffs the desired contacts against the snapshot a second time, for the imports and for the
 * leavers. A first export of 12,000 profiles cannot keep its changes; a re-run that swaps half of
 * them for new ones keeps them until it passes the limit. Both must end with the list equal to
 * the segment, with the leavers' ids taken from beside the snapshot (no read of the list).
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
  listIdByName,
  people,
  pipelineConfigInput,
  runToEnd,
  writeSegment,
  type ApiCall,
} from "./pipeline-run-support.ts";

const adminToken = generateToken();
let dir: string;
let emulator: Emulator;
let reconciler: RunningReconciler;
let call: ApiCall;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ccx-pipeline-many-"));
  emulator = await startEmulator({ activityTiming: "instant" });
  reconciler = await startReconciler(parseConfig(pipelineConfigInput(dir, emulator, adminToken)), {
    logDestination: new LogSink(),
  });
  call = apiCaller(() => reconciler.url, adminToken);
}, 60_000);

afterAll(async () => {
  await reconciler?.close();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

it("a first export and a re-run of more than 10,000 changes each leave the list equal to the segment", async () => {
  const folder = join(dir, "segments");
  const { accountId } = await createConnection(call, emulator, "many-conn");
  await writeSegment(folder, "all", people("m", 12_000));
  const body = filesExport("many-conn", await filesSource(call, folder), ["all"], {
    guards: { maxRemovePercent: 100 },
  });
  const listName = (body["list"] as { name: string }).name;
  expect((await call("PUT", "/v1/exports/many", body)).status).toBe(201);
  const emails = (from: number, to: number): string[] =>
    people("m", to - from, from)
      .map((person) => person.email)
      .sort();
  const members = (): string[] =>
    emulator.inspect.listMembers(listIdByName(emulator, accountId, listName));
  const listReads = (): number =>
    emulator.inspect.activities(accountId).filter((a) => a.kind === "contact_exports").length;

  const first = await runToEnd(call, "many");
  expect(first.status, JSON.stringify(first.error)).toBe("succeeded");
  expect(first.counts).toMatchObject({ added: 12_000, removed: 0, listMembers: 12_000 });
  expect(members()).toEqual(emails(0, 12_000));

  // 6,000 leave and 6,000 join: 12,000 changes.
  await writeSegment(folder, "all", people("m", 12_000, 6_000));
  const readsBefore = listReads();
  const second = await runToEnd(call, "many");
  expect(second.status, JSON.stringify(second.error)).toBe("succeeded");
  expect(second.counts).toMatchObject({
    plannedAdds: 6_000,
    plannedRemovals: 6_000,
    added: 6_000,
    removed: 6_000,
    listMembers: 12_000,
  });
  expect(members()).toEqual(emails(6_000, 18_000));
  expect(listReads()).toBe(readsBefore);
}, 120_000);
