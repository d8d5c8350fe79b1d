/**
 * Learning the contact ids of imported contacts (`export/imported-contact-ids.ts`) against the
 * emulator: by `created_after` pages when every added contact was new to the account, by
 * `updated_after` pages when some were not, by one list export for many or when the run's first
 * import time is unknown. Either way the result is `key\tid` lines sorted by key.
 */
import { afterEach, describe, expect, it } from "vitest";
import { fetchImportedContactIds } from "../../reconciler/src/export/imported-contact-ids.ts";
import { startCtctFixture } from "../support/ctct-fixture.ts";
import type { CtctFixture } from "../support/ctct-fixture.ts";

let fixture: CtctFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** Addresses as stored, some with capitals (the service keeps the first casing it saw). */
function addresses(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i % 3 === 0 ? `Mixed.Case-${i}@Example.COM` : `plain-${i}@example.com`,
  );
}

async function importedIds(since: "known" | "unknown"): Promise<{
  lines: string[];
  expected: string[];
  exports: number;
}> {
  fixture = await startCtctFixture({
    activityTiming: "instant",
    rateLimits: false,
    limiter: { requestsPerWindow: 1_000, windowMs: 1 },
  });
  const client = fixture.client();
  const list = await client.createList({ name: "learnt ids" });
  const before = new Date(Date.now() - 5_000).toISOString();
  const emails = addresses(1_200);
  // Seeded rather than imported: the client's imports send lower-cased addresses.
  for (const email of emails) {
    fixture.emulator.seedContact(fixture.accountId, { email, listIds: [list.listId] });
  }
  const expected: string[] = [];
  for await (const member of client.listMembers(list.listId)) {
    expected.push(`${(member.email ?? "").toLowerCase()}\t${member.contactId}`);
  }
  const sorted = await fetchImportedContactIds(client, {
    listId: list.listId,
    imported: emails.length,
    added: emails.length,
    since: since === "known" ? before : undefined,
    runLines: 500,
  });
  const lines: string[] = [];
  for await (const batch of sorted.lines()) lines.push(...batch);
  await sorted.dispose();
  const exports = fixture.emulator.inspect
    .activities(fixture.accountId)
    .filter((activity) => activity.kind === "contact_exports").length;
  return { lines, expected: expected.sort(), exports };
}

describe("fetchImportedContactIds", () => {
  it("learns every imported contact's id by updated_after pages, keyed and sorted", async () => {
    const result = await importedIds("known");
    expect(result.exports).toBe(0);
    expect(result.lines).toHaveLength(1_200);
    expect(result.lines).toEqual(result.expected);
    expect(result.lines.some((line) => line.startsWith("mixed.case-0@example.com\t"))).toBe(true);
  });

  it("learns them from one list export when the first import's time is unknown", async () => {
    const result = await importedIds("unknown");
    expect(result.exports).toBe(1);
    expect(result.lines).toHaveLength(1_200);
    expect(result.lines).toEqual(result.expected);
    expect(result.lines.some((line) => line.startsWith("mixed.case-3@example.com\t"))).toBe(true);
  });
});

/**
 * A run's imports into a fresh list: `existing` contacts the account had before (`onList`: on
 * the list already, so the import updates them; else it adds them), and `created` new ones. The
 * ids are then learnt as a run learns them, with the run's counts.
 */
async function learnAfterImport(existing: number, onList: boolean, created: number) {
  fixture = await startCtctFixture({
    activityTiming: "instant",
    rateLimits: false,
    limiter: { requestsPerWindow: 1_000, windowMs: 1 },
  });
  const { emulator, accountId } = fixture;
  const client = fixture.client();
  const list = await client.createList({ name: "learnt ids" });
  const old = Array.from({ length: existing }, (_, i) => `old-${i}@example.com`);
  const fresh = Array.from({ length: created }, (_, i) => `new-${i}@example.com`);
  for (const email of old) {
    emulator.seedContact(accountId, { email, listIds: onList ? [list.listId] : [] });
  }
  // Past the second of slack the query takes before the first import.
  emulator.clock.advance(10_000);
  const since = emulator.clock.now().toISOString();
  await client.importContacts(
    [...old, ...fresh].map((email) => ({ email, firstName: "Changed" })),
    [list.listId],
  );
  const ids = new Map<string, string>();
  for await (const member of client.listMembers(list.listId)) {
    ids.set(member.email ?? "", member.contactId);
  }
  emulator.inspect.resetRequestLog();
  const sorted = await fetchImportedContactIds(client, {
    listId: list.listId,
    imported: existing + created,
    added: (onList ? 0 : existing) + created,
    since,
  });
  const lines: string[] = [];
  for await (const batch of sorted.lines()) lines.push(...batch);
  await sorted.dispose();
  const requests = emulator.inspect.requestCounts();
  return {
    lines,
    ids,
    old,
    fresh,
    pages: requests["GET /v3/contacts"] ?? 0,
    exports: requests["POST /v3/activities/contact_exports"] ?? 0,
  };
}

describe("fetchImportedContactIds after a run's imports", () => {
  it("reads only the created contacts when every added contact was new to the account", async () => {
    const result = await learnAfterImport(700, true, 900);
    // 900 created contacts are 2 pages; the 700 updated ones (2 more pages) are not read.
    expect(result.pages).toBe(2);
    expect(result.exports).toBe(0);
    expect(result.lines).toEqual(
      [...result.fresh].sort().map((email) => `${email}\t${result.ids.get(email)}`),
    );
  });

  it("reads every imported contact when some added contacts existed before", async () => {
    const result = await learnAfterImport(300, false, 900);
    // created_after finds 900 of the 1,200 added (2 pages); updated_after then reads all (3).
    expect(result.pages).toBe(5);
    expect(result.exports).toBe(0);
    expect(result.lines).toEqual(
      [...result.old, ...result.fresh].sort().map((email) => `${email}\t${result.ids.get(email)}`),
    );
  });
});
