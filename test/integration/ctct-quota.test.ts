/**
 * The daily budget (CONTRACT §2.1): work stops cleanly on `quota_exceeded`, the error says when
 * the budget resets (next 00:00 UTC), and work resumes after the reset.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CtctQuotaExceededError, RateLimiter } from "../../reconciler/src/ctct/index.ts";
import { generatedContacts, startCtctFixture } from "../support/ctct-fixture.ts";
import type { CtctFixture } from "../support/ctct-fixture.ts";

let fixture: CtctFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe("daily quota", () => {
  it("the service's quota_exceeded stops an import, says when it resets, and lifts at 00:00 UTC", async () => {
    const f = (fixture = await startCtctFixture({
      activityTiming: "instant",
      rateLimits: false,
      startTime: new Date("2026-11-23T23:50:00.000Z"),
      frozenClock: true,
    }));
    // The limiter reads the emulator's clock so that the UTC day turns for both at once.
    const limiter = new RateLimiter({ windowMs: 1, now: () => f.emulator.clock.now().getTime() });
    const client = f.client({ limiter });
    const list = await client.createList({ name: "quota" });
    // Another user of the key spent the day: 2 calls remain. The import POSTs its chunks before
    // polling them (up to 5 in flight), so the third POST is the one refused.
    f.emulator.faults.setDailyBudget(f.clientId, 2);

    const error = await client
      .importContacts(generatedContacts(30, "quota"), [list.listId], { limits: { maxItems: 10 } })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CtctQuotaExceededError);
    expect(error).toMatchObject({
      code: "CTCT_QUOTA_EXCEEDED",
      status: 429,
      errorKey: "quota_exceeded",
    });
    expect((error as CtctQuotaExceededError).resetsAt.toISOString()).toBe(
      "2026-11-24T00:00:00.000Z",
    );
    expect((error as Error).message).toContain("2026-11-24T00:00:00.000Z");
    expect(client.remainingToday()).toBe(0);
    expect(client.resetsAt().toISOString()).toBe("2026-11-24T00:00:00.000Z");
    // Only whole chunks landed: 2 activities of 10 were accepted before the budget ran out.
    expect(f.emulator.inspect.listMembers(list.listId)).toHaveLength(20);

    // Nothing more is sent today, not even a read.
    const before = f.emulator.inspect.totalRequests();
    await expect(client.getList(list.listId)).rejects.toBeInstanceOf(CtctQuotaExceededError);
    expect(f.emulator.inspect.totalRequests()).toBe(before);

    // After 00:00 UTC the budget is back for both the client and the service.
    f.emulator.clock.set(new Date("2026-11-24T00:00:01.000Z"));
    expect(client.remainingToday()).toBe(10_000);
    await client.importContacts(generatedContacts(30, "quota"), [list.listId], {
      limits: { maxItems: 10 },
    });
    expect(f.emulator.inspect.listMembers(list.listId)).toHaveLength(30);
  });

  it("the client's own daily count stops before the service has to say no", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const limiter = new RateLimiter({ dailyBudget: 3, windowMs: 1 });
    const client = f.client({ limiter });
    await client.accountSummary();
    await client.accountSummary();
    await client.accountSummary();
    const error = await client.accountSummary().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CtctQuotaExceededError);
    expect((error as CtctQuotaExceededError).resetsAt.getTime()).toBe(
      Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000,
    );
    expect(f.emulator.inspect.requestCounts()["GET /v3/account/summary"]).toBe(3);
  });

  it("clients of one application key share one budget", async () => {
    const f = (fixture = await startCtctFixture({ activityTiming: "instant", rateLimits: false }));
    const limiter = new RateLimiter({ dailyBudget: 4, windowMs: 1 });
    const a = f.client({ limiter });
    const b = f.client({ limiter });
    await a.accountSummary();
    await b.accountSummary();
    expect(a.remainingToday()).toBe(2);
    expect(limiter.fitsToday(3)).toBe(false);
    const reservation = limiter.reserve(2);
    await expect(b.accountSummary()).rejects.toBeInstanceOf(CtctQuotaExceededError);
    reservation.release();
    await expect(b.accountSummary()).resolves.toBeTruthy();
  });
});
