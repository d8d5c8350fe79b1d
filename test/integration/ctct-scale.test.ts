/**
 * Request counts at scale, measured against the emulator (rate limits off, instant activities)
 * and compared with the estimator. `CTCT_SCALE_CONTACTS=1000000` runs the full million; the
 * default keeps the suite quick.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateRequests } from "../../reconciler/src/ctct/index.ts";
import { generatedContacts, startCtctFixture } from "../support/ctct-fixture.ts";
import type { CtctFixture } from "../support/ctct-fixture.ts";

const CONTACTS = Number(process.env.CTCT_SCALE_CONTACTS ?? 100_000);
let fixture: CtctFixture;
let listId = "";

beforeAll(async () => {
  fixture = await startCtctFixture({
    activityTiming: "instant",
    rateLimits: false,
    limiter: { requestsPerWindow: 10_000, windowMs: 1, dailyBudget: 1_000_000 },
  });
});
afterAll(async () => {
  await fixture.close();
});

describe(`${CONTACTS.toLocaleString("en")} contacts`, () => {
  it("import costs what the estimator says", { timeout: 900_000 }, async () => {
    const client = fixture.client({ wait: { pollSchedule: { initialDelayMs: 1 } } });
    listId = (await client.createList({ name: "scale" })).listId;
    fixture.emulator.inspect.resetRequestLog();
    const started = performance.now();

    const totals = await client.importContacts(generatedContacts(CONTACTS, "scale"), [listId]);

    const seconds = (performance.now() - started) / 1000;
    const counts = fixture.emulator.inspect.requestCounts();
    const measured =
      (counts["POST /v3/activities/contacts_json_import"] ?? 0) +
      (counts["GET /v3/activities/{activity_id}"] ?? 0);
    // `{"email":"scale-123456@example.com","first_name":"First123456"}` is at most 65 bytes.
    const estimate = estimateRequests({
      importContacts: CONTACTS,
      averageImportItemBytes: 65,
      activityTiming: "instant",
    });
    console.log(
      `import ${CONTACTS}: ${totals.activities} activities, ${measured} requests ` +
        `(estimate ${estimate.importRequests}; realistic timing ${estimateRequests({ importContacts: CONTACTS, averageImportItemBytes: 65 }).importRequests}), ${seconds.toFixed(1)} s`,
    );
    expect(fixture.emulator.inspect.listMembers(listId)).toHaveLength(CONTACTS);
    expect(measured).toBe(estimate.importRequests);
    expect(totals.activities).toBe(estimate.importActivities);
  });

  it("reading the list back costs ceil(N / 500) requests", { timeout: 900_000 }, async () => {
    const client = fixture.client();
    fixture.emulator.inspect.resetRequestLog();
    const started = performance.now();
    let count = 0;
    for await (const member of client.listMembers(listId)) {
      if (member.email !== undefined) count += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    const requests = fixture.emulator.inspect.requestCounts()["GET /v3/contacts"];
    console.log(`read back ${count}: ${requests} requests, ${seconds.toFixed(1)} s`);
    expect(count).toBe(CONTACTS);
    expect(requests).toBe(estimateRequests({ readMembers: CONTACTS }).readRequests);
  });
});
