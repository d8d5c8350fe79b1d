/**
 * Retries against the emulator with faults (CONTRACT §3, §6): a 429 storm and 5xx converge, a
 * lost or slow activity POST is not duplicated, final errors are not retried.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CtctApiError } from "../../reconciler/src/ctct/index.ts";
import type { ListMember } from "../../reconciler/src/ctct/index.ts";
import { generatedContacts, startCtctFixture } from "../support/ctct-fixture.ts";
import type { CtctFixture } from "../support/ctct-fixture.ts";

const IMPORT_ROUTE = "POST /v3/activities/contacts_json_import";
let fixture: CtctFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function readAll(iterable: AsyncIterable<ListMember>): Promise<string[]> {
  const emails: string[] = [];
  for await (const member of iterable) emails.push(member.email ?? "");
  return emails.sort();
}

function expectedEmails(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}@example.com`).sort();
}

describe("429 throttling", () => {
  it("a client pacing faster than the service plus a 429 storm still converges", async () => {
    // The service enforces 4/s; this client allows itself 20/s, and 15 extra 429s are injected.
    const f = (fixture = await startCtctFixture({
      activityTiming: "instant",
      rateLimits: true,
      limiter: { requestsPerWindow: 20, windowMs: 1_000 },
    }));
    const client = f.client({
      retryPolicy: { baseDelayMs: 100, maxDelayMs: 2_000, maxRetries: 20 },
    });
    f.emulator.faults.throttleBurst({ calls: 15, clientId: f.clientId });

    const lists = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.createList({ name: `storm-${i}` })),
    );
    const target = lists[0]?.listId ?? "";
    await client.importContacts(generatedContacts(1_200, "storm"), [target], {
      limits: { maxItems: 300 },
    });

    expect(f.emulator.inspect.lists(f.accountId)).toHaveLength(6);
    expect(f.emulator.inspect.listMembers(target)).toEqual(expectedEmails(1_200, "storm"));
    expect(await readAll(client.listMembers(target, { pageSize: 100 }))).toEqual(
      expectedEmails(1_200, "storm"),
    );
    // Throttled POSTs were resent, never duplicated: exactly 4 import activities exist.
    expect(f.emulator.inspect.activities(f.accountId)).toHaveLength(4);
  });

  it("self-paces at 4 requests per second so the service never throttles", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: true }));
    const client = f.client({ retryPolicy: { maxRetries: 0 } });
    // With no retries allowed, any 429 would fail a call.
    const lists = await Promise.all(
      Array.from({ length: 12 }, (_, i) => client.createList({ name: `paced-${i}` })),
    );
    expect(lists).toHaveLength(12);
  });
});

describe("5xx and dropped connections", () => {
  it("GET pages retried through 5xx (JSON and HTML bodies) read every member exactly once", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client();
    const list = await client.createList({ name: "flaky" });
    await client.importContacts(generatedContacts(1_100, "flaky"), [list.listId]);
    f.emulator.faults.serverErrors("GET /v3/contacts", { calls: 2, status: 503, body: "text" });
    f.emulator.faults.serverErrors("GET /v3/contacts", { calls: 1, status: 500, body: "json" });

    expect(await readAll(client.listMembers(list.listId))).toEqual(expectedEmails(1_100, "flaky"));
    expect(client.requestCounts().get_contacts).toBe(3 + 3);
  });

  it("an import POST answered 503 before taking effect is sent again, once", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client();
    const list = await client.createList({ name: "import-503" });
    f.emulator.faults.serverErrors(IMPORT_ROUTE, { calls: 2, status: 503 });

    await client.importContacts(generatedContacts(10, "p503"), [list.listId]);

    expect(f.emulator.inspect.listMembers(list.listId)).toEqual(expectedEmails(10, "p503"));
    expect(f.emulator.inspect.activities(f.accountId)).toHaveLength(1);
    expect(f.emulator.inspect.requestCounts()[IMPORT_ROUTE]).toBe(3);
    // Before each re-POST the client looked for an activity created meanwhile (checklist 31).
    expect(f.emulator.inspect.requestCounts()["GET /v3/activities"]).toBe(2);
  });

  it("an import POST whose response was lost after it took effect is not sent again", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client();
    const list = await client.createList({ name: "import-dropped" });
    await client.importContacts(generatedContacts(5, "earlier"), [list.listId]);
    f.emulator.faults.dropConnections(IMPORT_ROUTE, { calls: 1, afterEffect: true });

    const totals = await client.importContacts(generatedContacts(7, "dropped"), [list.listId]);

    expect(f.emulator.inspect.listMembers(list.listId)).toEqual(
      [...expectedEmails(5, "earlier"), ...expectedEmails(7, "dropped")].sort(),
    );
    expect(f.emulator.inspect.requestCounts()[IMPORT_ROUTE]).toBe(2);
    expect(f.emulator.inspect.activities(f.accountId)).toHaveLength(2);
    expect(totals.status.person_count).toBe(7);
  });

  it("an import POST dropped before taking effect is sent again", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client();
    const list = await client.createList({ name: "import-dropped-early" });
    f.emulator.faults.dropConnections(IMPORT_ROUTE, { calls: 1, afterEffect: false });

    await client.importContacts(generatedContacts(7, "early"), [list.listId]);

    expect(f.emulator.inspect.listMembers(list.listId)).toEqual(expectedEmails(7, "early"));
    expect(f.emulator.inspect.activities(f.accountId)).toHaveLength(1);
  });

  it("an import POST that outlives the client's timeout is found, not duplicated", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client({ timeoutMs: 500 });
    const list = await client.createList({ name: "import-slow" });
    // The service answers after 1 s; the client gives up after 0.5 s.
    f.emulator.faults.latency(IMPORT_ROUTE, { calls: 1, ms: 1_000 });

    await client.importContacts(generatedContacts(3, "slow"), [list.listId]);

    expect(f.emulator.inspect.listMembers(list.listId)).toEqual(expectedEmails(3, "slow"));
    expect(f.emulator.inspect.activities(f.accountId)).toHaveLength(1);
    // One POST timed out; the activity it created was found through GET /activities.
    expect(client.requestCounts()).toMatchObject({ contacts_json_import: 1, list_activities: 1 });
  });

  it("a list creation whose response was lost is found by name, not created twice", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client();
    f.emulator.faults.dropConnections("POST /v3/contact_lists", { calls: 1, afterEffect: true });
    const list = await client.createList({ name: "exactly-once" });
    expect(f.emulator.inspect.lists(f.accountId).map((l) => [l.listId, l.name])).toEqual([
      [list.listId, "exactly-once"],
    ]);
  });

  it("gives up after the retry budget on a persistent 503 with a retryable error", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client({ retryPolicy: { maxRetries: 3, baseDelayMs: 5 } });
    f.emulator.faults.serverErrors("GET /v3/account/summary", { probability: 1 });
    const error = await client.accountSummary().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CtctApiError);
    expect(error).toMatchObject({ code: "CTCT_SERVER_ERROR", status: 503, retryable: true });
    expect(f.emulator.inspect.requestCounts()["GET /v3/account/summary"]).toBe(4);
  });
});

describe("final errors", () => {
  it("a 400 is not retried and carries the error key, without personal data", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client();
    const error = await client
      .importContacts([{ email: "ann.secret@example.com" }], ["not-a-uuid"])
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "CTCT_BAD_REQUEST",
      status: 400,
      errorKey: "contacts.api.validation.error",
      retryable: false,
    });
    expect(JSON.stringify(error) + String(error)).not.toContain("ann.secret");
    expect(f.emulator.inspect.requestCounts()[IMPORT_ROUTE]).toBe(1);
    expect(f.emulator.inspect.activities(f.accountId)).toHaveLength(0);
  });

  const finalCases: Array<[string, number, string]> = [
    ["404 unknown list", 404, "CTCT_NOT_FOUND"],
    ["409 duplicate name", 409, "CTCT_CONFLICT"],
  ];
  it.each(finalCases)("%s is not retried", async (_name, status, code) => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client();
    const seeded = f.emulator.seedList(f.accountId, { name: "taken" });
    const call =
      status === 404
        ? client.getList("00000000-0000-4000-8000-000000000000")
        : client.createList({ name: "taken" });
    await expect(call).rejects.toMatchObject({ code, status });
    const counts = f.emulator.inspect.requestCounts();
    expect(
      status === 404 ? counts["GET /v3/contact_lists/{list_id}"] : counts["POST /v3/contact_lists"],
    ).toBe(1);
    expect(seeded.listId).toBeTruthy();
  });

  it("a 403 (deactivated app) is not retried", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const client = f.client();
    f.emulator.faults.deactivateApp(f.clientId);
    await expect(client.accountSummary()).rejects.toMatchObject({
      code: "CTCT_FORBIDDEN",
      status: 403,
    });
    expect(f.emulator.inspect.requestCounts()["GET /v3/account/summary"]).toBe(1);
  });
});
