/**
 * Reading list members with cursor paging (CONTRACT §4): every member exactly once, every
 * consent state visible, hrefs followed verbatim.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ListMember } from "../../reconciler/src/ctct/index.ts";
import { generatedContacts, startCtctFixture } from "../support/ctct-fixture.ts";
import type { CtctFixture } from "../support/ctct-fixture.ts";

let fixture: CtctFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function collect(members: AsyncIterable<ListMember>): Promise<ListMember[]> {
  const all: ListMember[] = [];
  for await (const member of members) all.push(member);
  return all;
}

describe("list members", () => {
  it("reads 1,234 members in 3 pages of 500, each exactly once, opt-outs included", async () => {
    const f = (fixture = await startCtctFixture({
      activityTiming: "instant",
      rateLimits: false,
      limiter: { requestsPerWindow: 1_000, windowMs: 1 },
    }));
    const client = f.client();
    const list = await client.createList({ name: "paging" });
    await client.importContacts(generatedContacts(1_230, "page"), [list.listId]);
    // Members in every consent state, seeded directly (the client never writes consent).
    const states = ["unsubscribed", "pending_confirmation", "temp_hold", "not_set"] as const;
    for (const permission of states) {
      f.emulator.seedContact(f.accountId, {
        email: `${permission}@example.com`,
        permission,
        listIds: [list.listId],
        ...(permission === "unsubscribed" ? { optOutSource: "Contact" as const } : {}),
      });
    }
    f.emulator.inspect.resetRequestLog();

    const members = await collect(client.listMembers(list.listId));

    const emails = members.map((member) => member.email ?? "");
    expect(emails).toHaveLength(1_234);
    expect(new Set(emails).size).toBe(1_234);
    expect([...emails].sort()).toEqual(f.emulator.inspect.listMembers(list.listId));
    expect(f.emulator.inspect.requestCounts()["GET /v3/contacts"]).toBe(3);
    const unsubscribed = members.find((m) => m.email === "unsubscribed@example.com");
    expect(unsubscribed).toMatchObject({
      permissionToSend: "unsubscribed",
      optOutSource: "Contact",
    });
    expect(members.find((m) => m.email === "page-5@example.com")).toMatchObject({
      permissionToSend: "implicit",
      firstName: "First5",
    });
  });

  it("costs one request for an empty list and pages of any size add up", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client({ limiter: undefined });
    const empty = await client.createList({ name: "empty" });
    expect(await collect(client.listMembers(empty.listId))).toEqual([]);
    expect(client.requestCounts().get_contacts).toBe(1);

    const list = await client.createList({ name: "small-pages" });
    await client.importContacts(generatedContacts(25, "small"), [list.listId]);
    const members = await collect(client.listMembers(list.listId, { pageSize: 7 }));
    expect(new Set(members.map((m) => m.contactId)).size).toBe(25);
    expect(client.requestCounts().get_contacts).toBe(1 + 4);
  });

  it("asks for custom fields only when told to", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client({ limiter: undefined });
    const field = await client.createCustomField({ label: "tier" });
    const list = await client.createList({ name: "include" });
    await client.importContacts(
      [{ email: "inc@example.com", customFields: { [field.name]: "gold" } }],
      [list.listId],
    );
    const [plain] = await collect(client.listMembers(list.listId));
    expect(plain?.customFields).toBeUndefined();
    const [withFields] = await collect(
      client.listMembers(list.listId, { include: ["custom_fields"] }),
    );
    expect(withFields?.customFields).toEqual({ [field.customFieldId]: "gold" });
  });

  it("a cursor invalidated mid-walk is a final error, not a silent partial read", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client({ limiter: undefined });
    const list = await client.createList({ name: "invalidated" });
    await client.importContacts(generatedContacts(20, "inv"), [list.listId]);
    const seen: string[] = [];
    const walk = async (): Promise<void> => {
      for await (const member of client.listMembers(list.listId, { pageSize: 10 })) {
        seen.push(member.contactId);
        if (seen.length === 1) f.emulator.faults.invalidateCursors();
      }
    };
    await expect(walk()).rejects.toMatchObject({ code: "CTCT_BAD_REQUEST", status: 400 });
    expect(seen).toHaveLength(10);
  });
});
