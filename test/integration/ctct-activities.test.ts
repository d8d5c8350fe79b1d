/**
 * Activities against the emulator (CONTRACT §2.2, §2.6): unsuccessful ends surface their errors,
 * a stuck activity times out, removals and exports work in chunks.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  CtctActivityError,
  CtctActivityWaitTimeoutError,
} from "../../reconciler/src/ctct/index.ts";
import { generatedContacts, startCtctFixture } from "../support/ctct-fixture.ts";
import type { CtctFixture } from "../support/ctct-fixture.ts";

let fixture: CtctFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function startFast(timing: "instant" | "realistic" = "instant"): Promise<CtctFixture> {
  fixture = await startCtctFixture({
    activityTiming: timing,
    rateLimits: false,
    limiter: { requestsPerWindow: 1_000, windowMs: 1 },
  });
  return fixture;
}

describe("unsuccessful activities", () => {
  const cases: Array<["failed" | "timed_out" | "cancelled", string]> = [
    ["failed", "CTCT_ACTIVITY_FAILED"],
    ["timed_out", "CTCT_ACTIVITY_TIMED_OUT"],
    ["cancelled", "CTCT_ACTIVITY_CANCELLED"],
  ];
  it.each(cases)(
    "an import that ends %s throws %s with its activity errors",
    async (outcome, code) => {
      const f = await startFast();
      const client = f.client();
      const list = await client.createList({ name: `ends-${outcome}` });
      f.emulator.faults.activityOutcome({
        outcome,
        kind: "contacts_json_import",
        errors: ["Row 2: storage unavailable.", "Row 9: address x@example.com rejected."],
      });

      const error = await client
        .importContacts(generatedContacts(10, outcome), [list.listId])
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(CtctActivityError);
      expect(error).toMatchObject({ code, state: outcome });
      expect((error as CtctActivityError).activityErrors).toEqual([
        "Row 2: storage unavailable.",
        "Row 9: address <email> rejected.",
      ]);
      // CONTRACT checklist 30: an unsuccessful activity changes no data.
      expect(f.emulator.inspect.listMembers(list.listId)).toEqual([]);
    },
  );

  it("a completed import with rejected rows reports them without failing", async () => {
    const f = await startFast();
    const client = f.client();
    const list = await client.createList({ name: "row-errors" });
    f.emulator.faults.forceRowOutcome("bad-1@example.com", "correctable");

    const totals = await client.importContacts(generatedContacts(3, "bad"), [list.listId]);

    expect(totals.status.correctable_count).toBe(1);
    expect(totals.activityErrors).toHaveLength(1);
    expect(f.emulator.inspect.listMembers(list.listId)).toEqual([
      "bad-0@example.com",
      "bad-2@example.com",
    ]);
  });

  it("an activity stuck in processing ends the wait with a timeout error", async () => {
    const f = await startFast("realistic");
    const client = f.client({
      wait: { timeoutMs: 1_500, pollSchedule: { initialDelayMs: 100, maxDelayMs: 200 } },
    });
    const list = await client.createList({ name: "stuck" });
    f.emulator.faults.stuckActivities({ stage: "processing", percentDone: 40 });

    const error = await client
      .importContacts(generatedContacts(2, "stuck"), [list.listId])
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CtctActivityWaitTimeoutError);
    expect(error).toMatchObject({ code: "CTCT_ACTIVITY_WAIT_TIMEOUT", retryable: true });
    expect(f.emulator.inspect.listMembers(list.listId)).toEqual([]);
  });

  it("waits through realistic timing (≥ 1 s queued, then processing)", async () => {
    const f = await startFast("realistic");
    const client = f.client({ wait: { pollSchedule: { initialDelayMs: 200, maxDelayMs: 500 } } });
    const list = await client.createList({ name: "realistic" });
    await client.importContacts(generatedContacts(50, "real"), [list.listId]);
    expect(f.emulator.inspect.listMembers(list.listId)).toHaveLength(50);
    expect(client.requestCounts().get_activity).toBeGreaterThan(1);
  });
});

describe("membership removal", () => {
  it("removes 1,001 members in 3 activities of at most 500 and keeps the rest", async () => {
    const f = await startFast();
    const client = f.client();
    const list = await client.createList({ name: "removal" });
    const other = await client.createList({ name: "other" });
    await client.importContacts(generatedContacts(1_200, "rm"), [list.listId, other.listId]);
    const toRemove: string[] = [];
    for await (const member of client.listMembers(list.listId)) {
      if (toRemove.length < 1_001) toRemove.push(member.contactId);
    }

    const totals = await client.removeListMemberships([list.listId], toRemove);

    expect(totals.activities).toBe(3);
    expect(f.emulator.inspect.requestCounts()["POST /v3/activities/remove_list_memberships"]).toBe(
      3,
    );
    expect(f.emulator.inspect.listMembers(list.listId)).toHaveLength(199);
    // Membership only: the contacts stay, in their other list, with their consent.
    expect(f.emulator.inspect.listMembers(other.listId)).toHaveLength(1_200);
    expect(f.emulator.inspect.contacts(f.accountId).every((c) => !c.deleted)).toBe(true);
  });
});

describe("list export", () => {
  it("streams a list's contacts from the export file", async () => {
    const f = await startFast();
    const client = f.client();
    const list = await client.createList({ name: "export" });
    await client.importContacts(generatedContacts(120, "exp"), [list.listId]);

    const rows: Array<Record<string, string>> = [];
    for await (const row of client.exportListContacts(list.listId, {
      fields: ["email", "first_name", "permission_to_send"],
    })) {
      rows.push(row);
    }

    expect(rows).toHaveLength(120);
    expect(rows.map((row) => row.email).sort()).toEqual(
      f.emulator.inspect.listMembers(list.listId),
    );
    expect(rows.find((row) => row.email === "exp-7@example.com")).toEqual({
      email: "exp-7@example.com",
      first_name: "First7",
      permission_to_send: "implicit",
    });
  });
});

describe("list exports larger than one part of the file", () => {
  it("returns every member once, with one header, across the file's parts", async () => {
    const f = await startFast();
    const client = f.client();
    const list = await client.createList({ name: "big export" });
    await client.importContacts(generatedContacts(25_001, "big"), [list.listId]);

    const emails: string[] = [];
    for await (const row of client.exportListContacts(list.listId, { fields: ["email"] })) {
      emails.push(row["email"] ?? "");
    }

    expect(emails).toHaveLength(25_001);
    expect(new Set(emails).size).toBe(25_001);
    expect(emails).not.toContain("email");
    expect(emails.sort()).toEqual(f.emulator.inspect.listMembers(list.listId));
  });

  it("awaits only calls and file reads through `waiting`; rows come in batches", async () => {
    const f = await startFast();
    const client = f.client();
    const list = await client.createList({ name: "timed export" });
    await client.importContacts(generatedContacts(25_001, "timed"), [list.listId]);

    let inWait = 0;
    let waits = 0;
    const waiting = async <T>(work: Promise<T>): Promise<T> => {
      inWait += 1;
      waits += 1;
      try {
        return await work;
      } finally {
        inWait -= 1;
      }
    };
    let rows = 0;
    let batches = 0;
    let rowsDuringAWait = 0;
    const exported = client.exportListContacts(list.listId, { fields: ["email"], waiting });
    for await (const batch of exported.batches()) {
      batches += 1;
      rows += batch.length;
      if (inWait > 0) rowsDuringAWait += batch.length;
    }

    expect(rows).toBe(25_001);
    expect(batches).toBeGreaterThan(1);
    // The rows reach the consumer between waits, never inside one.
    expect(rowsDuringAWait).toBe(0);
    // The export, its activity, the file, and the file's reads (more than one: it has parts).
    expect(waits).toBeGreaterThan(4);
  });
});

describe("lists", () => {
  it("finds by exact name, renames, deletes", async () => {
    const f = await startFast();
    const client = f.client();
    const created = await client.createList({ name: "Alpha", description: "first" });
    await client.createList({ name: "alpha" });
    expect(await client.findListByName("Alpha")).toMatchObject({
      listId: created.listId,
      membershipCount: 0, // reported by the search itself: no second read of the list
    });
    expect(await client.findListByName("Alph")).toBeUndefined();

    await client.updateList(created.listId, { name: "Beta" });
    expect((await client.getList(created.listId)).name).toBe("Beta");
    await client.deleteList(created.listId);
    expect(
      f.emulator.inspect.lists(f.accountId).find((l) => l.listId === created.listId)?.deleted,
    ).toBe(true);
    expect(await client.findListByName("Beta")).toBeUndefined();
  });
});
