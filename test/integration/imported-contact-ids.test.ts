/**
 * Learning the contact ids of imported contacts (`export/imported-contact-ids.ts`) against the
 * emulator: by `updated_after` pages for a few, by one list export for many or when the run's
 * first import time is unknown. Either way the result is `key\tid` lines sorted by key.
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
