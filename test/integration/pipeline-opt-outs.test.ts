/**
 * Opt-outs across runs (CONTRACT §2.5): the account's unsubscribed contacts are read in full
 * once, kept, and afterwards only those unsubscribed since are read; every one of them stays
 * suppressed, and one who unsubscribes between two runs is suppressed by the next.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../emulator/index.ts";
import {
  createConnection,
  filesExport,
  filesSource,
  listIdByName,
  people,
  runToEnd,
  startPipelineStack,
  writeSegment,
  type ApiCall,
  type PipelineStack,
} from "./pipeline-run-support.ts";

let stack: PipelineStack;
let dir: string;
let emulator: Emulator;
let call: ApiCall;

beforeAll(async () => {
  stack = await startPipelineStack("ccx-pipeline-opt-outs-");
  ({ dir, emulator, call } = stack);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

/** Reads of `GET /contacts` (the opt-out reads: this suite reads no list otherwise). */
function contactReads(): number {
  return emulator.inspect.requestCounts()["GET /v3/contacts"] ?? 0;
}

describe("opt-outs kept between runs", () => {
  const folder = (): string => join(dir, "segments");
  const everyone = people("q", 30);
  let accountId: string;
  let listName: string;

  it("reads all 1,200 unsubscribed contacts once and suppresses those in the segment", async () => {
    ({ accountId } = await createConnection(call, emulator, "opt-conn"));
    // More than two pages of opt-outs (500 per page), two of them in the segment.
    for (let i = 0; i < 1_200; i += 1) {
      emulator.seedContact(accountId, {
        email: i < 2 ? `q${i}@example.com` : `gone${i}@example.com`,
        permission: "unsubscribed",
        optOutSource: "Contact",
      });
    }
    // Later runs re-read the last second before a read (the `Date` header's resolution); the
    // virtual clock moves on so that the seeding is clearly before the first read.
    emulator.clock.advance(5_000);
    await writeSegment(folder(), "all", everyone.slice(0, 20));
    const body = filesExport("opt-conn", await filesSource(call, folder()), ["all"]);
    listName = (body["list"] as { name: string }).name;
    expect((await call("PUT", "/v1/exports/opt", body)).status).toBe(201);
    const before = contactReads();
    const run = await runToEnd(call, "opt");
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(run.counts).toMatchObject({ added: 18, suppressed: 2 });
    // Three pages of opt-outs; anything more read the list (the ids of the imported contacts).
    expect(contactReads() - before).toBeGreaterThanOrEqual(3);
    const members = emulator.inspect.listMembers(listIdByName(emulator, accountId, listName));
    expect(members).not.toContain("q0@example.com");
    expect(members).not.toContain("q1@example.com");
  });

  it("next time reads only what changed: one page, and a new opt-out is suppressed", async () => {
    // Unsubscribed by the person after the first run; the segment grows so the run reads.
    emulator.seedContact(accountId, {
      email: "q25@example.com",
      permission: "unsubscribed",
      optOutSource: "Contact",
    });
    emulator.clock.advance(5_000);
    await writeSegment(folder(), "all", everyone);
    const before = contactReads();
    const run = await runToEnd(call, "opt");
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    // q0, q1 from the kept set, q25 from the incremental read; 9 others added.
    expect(run.counts).toMatchObject({ added: 9, suppressed: 3 });
    const members = emulator.inspect.listMembers(listIdByName(emulator, accountId, listName));
    expect(members).toHaveLength(27);
    for (const email of ["q0@example.com", "q1@example.com", "q25@example.com"]) {
      expect(members).not.toContain(email);
    }
    // One page of opt-outs since the last read, plus one page of imported contacts' ids.
    expect(contactReads() - before).toBe(2);
  });
});
