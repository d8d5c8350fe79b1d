/**
 * Runs with more changes than a run keeps in memory from its plan (10,000): the write stage then
 * diffs the desired contacts against the snapshot a second time, for the imports and for the
 * leavers. A first export of 12,000 profiles cannot keep its changes; a re-run that swaps half of
 * them for new ones keeps them until it passes the limit. Both must end with the list equal to
 * the segment, with the leavers' ids taken from beside the snapshot (no read of the list).
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createConnection,
  filesExport,
  filesSource,
  listIdByName,
  people,
  runToEnd,
  startPipelineStack,
  writeSegment,
  type PipelineStack,
} from "./pipeline-run-support.ts";

let stack: PipelineStack;

beforeAll(async () => {
  stack = await startPipelineStack("ccx-pipeline-many-");
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

it("a first export and a re-run of more than 10,000 changes each leave the list equal to the segment", async () => {
  const { call, emulator } = stack;
  const folder = join(stack.dir, "segments");
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
