/**
 * Import chunking against the emulator (CONTRACT §1, §2.3): requests at exactly the item and
 * byte limits are split where they must be, nothing is lost, and truncation is detected.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CtctImportTruncatedError } from "../../reconciler/src/ctct/index.ts";
import type { ImportContact } from "../../reconciler/src/ctct/index.ts";
import { toImportItem } from "../../reconciler/src/ctct/import-chunker.ts";
import { generatedContacts, startCtctFixture } from "../support/ctct-fixture.ts";
import type { CtctFixture } from "../support/ctct-fixture.ts";

const IMPORT_ROUTE = "POST /v3/activities/contacts_json_import";
let fixture: CtctFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function startFast(): Promise<CtctFixture> {
  fixture = await startCtctFixture({
    activityTiming: "instant",
    rateLimits: false,
    limiter: { requestsPerWindow: 1_000, windowMs: 1 },
  });
  return fixture;
}

describe("the 40,000-item limit", () => {
  const cases: Array<[number, number]> = [
    [40_000, 1],
    [40_001, 2],
  ];
  it.each(cases)(
    "%i contacts take %i import request(s) and all join the list",
    async (count, requests) => {
      const f = await startFast();
      const client = f.client();
      const list = await client.createList({ name: `items-${count}` });

      const totals = await client.importContacts(generatedContacts(count, "n"), [list.listId]);

      expect(f.emulator.inspect.listMembers(list.listId)).toHaveLength(count);
      expect(f.emulator.inspect.requestCounts()[IMPORT_ROUTE]).toBe(requests);
      expect(totals).toMatchObject({ activities: requests, itemsSent: count });
      expect(totals.status.person_count).toBe(count);
      expect(client.requestCounts().contacts_json_import).toBe(requests);
    },
  );
});

/**
 * `count` contacts whose import body with `listIds` is exactly `targetBytes` long plus `extra`
 * bytes: every item has the same shape, and a few company names are one character longer.
 */
function sizedContacts(targetBytes: number, extra: number, listIds: string[]): ImportContact[] {
  const make = (i: number, companyLength: number): ImportContact => ({
    email: `b-${String(i).padStart(6, "0")}@example.com`,
    firstName: "F".repeat(50),
    lastName: "L".repeat(50),
    jobTitle: "J".repeat(50),
    companyName: "C".repeat(companyLength),
  });
  const frame = Buffer.byteLength(`{"import_data":[],"list_ids":${JSON.stringify(listIds)}}`);
  const itemBytes = Buffer.byteLength(JSON.stringify(toImportItem(make(0, 40))));
  const count = Math.floor((targetBytes - frame + 1) / (itemBytes + 1));
  const remainder = targetBytes - (frame + count * itemBytes + (count - 1)) + extra;
  return Array.from({ length: count }, (_, i) => make(i, i < remainder ? 41 : 40));
}

describe("the 3,500,000-byte limit", () => {
  const cases: Array<[string, number, number]> = [
    ["exactly 3,500,000 bytes: one request", 0, 1],
    ["3,500,001 bytes: two requests", 1, 2],
  ];
  it.each(cases)("%s", async (_name, extra, requests) => {
    const f = await startFast();
    const client = f.client();
    const list = await client.createList({ name: `bytes-${extra}` });
    const contacts = sizedContacts(3_500_000, extra, [list.listId]);
    const body = `{"import_data":[${contacts.map((c) => JSON.stringify(toImportItem(c))).join(",")}],"list_ids":${JSON.stringify([list.listId])}}`;
    expect(Buffer.byteLength(body)).toBe(3_500_000 + extra);

    const totals = await client.importContacts(contacts, [list.listId]);

    expect(f.emulator.inspect.requestCounts()[IMPORT_ROUTE]).toBe(requests);
    expect(f.emulator.inspect.listMembers(list.listId)).toEqual(
      contacts.map((c) => c.email).sort(),
    );
    expect(totals.status.person_count).toBe(contacts.length);
    // The stored contact has every field: nothing was cut off inside an item.
    const last = contacts.at(-1)?.email ?? "";
    expect(f.emulator.inspect.contact(last)).toMatchObject({
      firstName: "F".repeat(50),
      companyName: "C".repeat(40),
    });
  });

  it("notices when the service keeps fewer contacts than were sent", async () => {
    const f = await startFast();
    // A service that drops items past 100 kB, while this client sends up to 3.5 MB.
    f.emulator.faults.setImportByteLimit(100_000);
    const client = f.client();
    const list = await client.createList({ name: "truncated" });

    const error = await client
      .importContacts(sizedContacts(300_000, 0, [list.listId]), [list.listId])
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CtctImportTruncatedError);
    expect(error).toMatchObject({ code: "CTCT_IMPORT_TRUNCATED" });
    const kept = f.emulator.inspect.listMembers(list.listId).length;
    expect(kept).toBeGreaterThan(0);
    expect((error as CtctImportTruncatedError).details).toMatchObject({ kept });
  });
});

describe("import semantics the pipeline relies on", () => {
  it("upserts by e-mail and never adds an unsubscribed contact to the list", async () => {
    const f = await startFast();
    const client = f.client();
    const list = await client.createList({ name: "consent" });
    f.emulator.seedContact(f.accountId, {
      email: "gone@example.com",
      permission: "unsubscribed",
      optOutSource: "Contact",
    });
    f.emulator.seedContact(f.accountId, { email: "kept@example.com", firstName: "Old" });

    const totals = await client.importContacts(
      [
        { email: "Gone@Example.com", firstName: "G" },
        { email: "KEPT@example.com", firstName: "New" },
        { email: "new@example.com", customFields: {} },
      ],
      [list.listId],
    );

    expect(f.emulator.inspect.listMembers(list.listId)).toEqual([
      "kept@example.com",
      "new@example.com",
    ]);
    expect(totals.status.cannot_add_to_list_count).toBe(1);
    expect(f.emulator.inspect.contact("kept@example.com")).toMatchObject({
      firstName: "New",
      permission: "implicit",
    });
    expect(f.emulator.inspect.contact("gone@example.com")?.permission).toBe("unsubscribed");
    expect(f.emulator.inspect.contacts(f.accountId)).toHaveLength(3);
  });

  it("sends custom fields as cf:<name>", async () => {
    const f = await startFast();
    const client = f.client();
    const field = await client.createCustomField({ label: "Loyalty Tier" });
    expect((await client.listCustomFields()).map((cf) => cf.name)).toContain(field.name);
    const list = await client.createList({ name: "custom" });
    await client.importContacts(
      [{ email: "cf@example.com", customFields: { [field.name]: "gold" } }],
      [list.listId],
    );
    expect(f.emulator.inspect.contact("cf@example.com")?.customFields).toEqual({
      [field.name]: "gold",
    });
  });
});
