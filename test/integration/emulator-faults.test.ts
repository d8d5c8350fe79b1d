/** Fault injection (CONTRACT §6) and error shapes (CONTRACT §3), against the emulator over HTTP. */
import { afterEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { fetch } from "undici";
import {
  arrayErrorKey,
  createList,
  importItems,
  readResult,
  record,
  settleActivity,
  startFixture,
  startImport,
  tokenRequest,
} from "./emulator-support.ts";
import type { EmulatorFixture } from "./emulator-support.ts";
import type { StartEmulatorOptions } from "../../emulator/index.ts";

let fixture: EmulatorFixture | undefined;

async function setup(
  options: StartEmulatorOptions & { refreshTokenMode?: "rotating" | "long-lived" } = {},
): Promise<EmulatorFixture> {
  fixture = await startFixture({ rateLimits: false, ...options });
  return fixture;
}

afterEach(async () => {
  await fixture?.emulator.close();
  fixture = undefined;
});

describe("limits", () => {
  it("throttleBurst answers the next N calls with throttled, then recovers", async () => {
    const f = await setup();
    f.emulator.faults.throttleBurst({ calls: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await f.call("GET", "/contact_lists")).status);
    expect(statuses).toEqual([429, 429, 429, 200, 200]);
  });

  it("throttleBurst for a duration of virtual time, scoped to one client", async () => {
    const f = await setup({ frozenClock: true });
    const other = f.emulator.createApp();
    const otherToken = f.emulator.issueTokens(other.clientId, f.accountId).accessToken;
    f.emulator.faults.throttleBurst({ durationMs: 10_000, clientId: f.clientId });
    const throttled = await f.call("GET", "/contact_lists");
    expect(throttled.body).toEqual({ error_key: "throttled", error_message: "Too Many Requests" });
    expect((await f.call("GET", "/contact_lists", undefined, { token: otherToken })).status).toBe(
      200,
    );
    f.emulator.clock.advance(10_000);
    expect((await f.call("GET", "/contact_lists")).status).toBe(200);
  });

  it("a settable daily budget gives quota_exceeded until virtual 00:00 UTC", async () => {
    const f = await setup({ frozenClock: true, startTime: new Date("2026-06-01T22:00:00Z") });
    f.emulator.faults.setDailyBudget(f.clientId, 2);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await f.call("GET", "/contact_lists")).status);
    expect(statuses).toEqual([200, 200, 429]);
    f.emulator.clock.set(new Date("2026-06-02T00:00:00Z"));
    expect((await f.call("GET", "/contact_lists")).status).toBe(200);
    f.emulator.faults.exhaustDailyQuota(f.clientId);
    const exhausted = await f.call("GET", "/contact_lists");
    expect(exhausted.body).toEqual({
      error_key: "quota_exceeded",
      error_message: "Limit Exceeded",
    });
  });

  it("preloaded activities fill the queue", async () => {
    const f = await setup();
    const a = await createList(f, "A");
    f.emulator.faults.preloadActivities(f.accountId, 1000);
    const result = await f.call("POST", "/activities/contacts_json_import", {
      import_data: importItems(1),
      list_ids: [a],
    });
    expect(result.status).toBe(429);
    expect(record(result.body).error_key).toBe("too_many_queued_activities");
  });

  it("the token endpoint allows about 1 request per second per client, and can be throttled", async () => {
    const f = await setup({ rateLimits: true, frozenClock: true, refreshTokenMode: "long-lived" });
    const params = { grant_type: "refresh_token", refresh_token: f.refreshToken };
    expect((await tokenRequest(f.emulator, f.clientId, f.clientSecret, params)).status).toBe(200);
    const tooSoon = await tokenRequest(f.emulator, f.clientId, f.clientSecret, params);
    expect(tooSoon.status).toBe(429);
    expect(Object.keys(record(tooSoon.body)).sort()).toEqual(["error", "error_description"]);
    f.emulator.clock.advance(1000);
    expect((await tokenRequest(f.emulator, f.clientId, f.clientSecret, params)).status).toBe(200);
    f.emulator.faults.throttleTokenEndpoint(1);
    f.emulator.clock.advance(1000);
    expect((await tokenRequest(f.emulator, f.clientId, f.clientSecret, params)).status).toBe(429);
  });
});

describe("transport", () => {
  it("5xx for N calls on one route, with a JSON array body", async () => {
    const f = await setup();
    f.emulator.faults.serverErrors("GET /v3/contact_lists", { calls: 2, status: 500 });
    const first = await f.call("GET", "/contact_lists");
    expect(first.status).toBe(500);
    expect(Array.isArray(first.body)).toBe(true);
    expect((await f.call("GET", "/account/summary")).status).toBe(200);
    expect((await f.call("GET", "/contact_lists")).status).toBe(500);
    expect((await f.call("GET", "/contact_lists")).status).toBe(200);
  });

  it("5xx with a non-JSON body, and by probability", async () => {
    const f = await setup();
    f.emulator.faults.serverErrors("*", { probability: 1, body: "text" });
    const result = await f.call("GET", "/contacts");
    expect(result.status).toBe(503);
    expect(typeof result.body).toBe("string");
    expect(String(result.body)).toContain("<html>");
    f.emulator.faults.clear();
    f.emulator.faults.serverErrors("*", { probability: 0 });
    expect((await f.call("GET", "/contacts")).status).toBe(200);
  });

  it("a 5xx on an activity POST has no effect", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    f.emulator.faults.serverErrors("POST /v3/activities/contacts_json_import", { calls: 1 });
    const failed = await f.call("POST", "/activities/contacts_json_import", {
      import_data: importItems(2),
      list_ids: [a],
    });
    expect(failed.status).toBe(503);
    expect(f.emulator.inspect.activities(f.accountId)).toHaveLength(0);
    expect(f.emulator.inspect.listMembers(a)).toEqual([]);
  });

  it("latency past the client's timeout", async () => {
    const f = await setup();
    f.emulator.faults.latency("GET /v3/contact_lists", { ms: 400, calls: 1 });
    await expect(
      fetch(`${f.emulator.apiBaseUrl}/contact_lists`, {
        headers: { authorization: `Bearer ${f.accessToken}` },
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    expect((await f.call("GET", "/contact_lists")).status).toBe(200);
    expect(f.emulator.inspect.requestCounts()["GET /v3/contact_lists"]).toBe(2);
  });

  it("dropped connections, without and with the effect applied", async () => {
    const f = await setup();
    const post = (name: string) =>
      fetch(`${f.emulator.apiBaseUrl}/contact_lists`, {
        method: "POST",
        headers: { authorization: `Bearer ${f.accessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name }),
      }).then(readResult);
    f.emulator.faults.dropConnections("POST /v3/contact_lists");
    await expect(post("lost")).rejects.toThrow();
    f.emulator.faults.dropConnections("POST /v3/contact_lists", { afterEffect: true });
    await expect(post("kept")).rejects.toThrow();
    expect(f.emulator.inspect.lists(f.accountId).map((list) => list.name)).toEqual(["kept"]);
    // The retry of the accepted POST now conflicts, as the real API would.
    expect((await post("kept")).status).toBe(409);
  });
});

describe("activities", () => {
  it("timed_out with partial effects, and cancelled with none", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    f.emulator.faults.activityOutcome({
      outcome: "timed_out",
      partialEffects: 0.5,
      errors: ["Timed out."],
    });
    const timedOut = await settleActivity(f, await startImport(f, [a], importItems(10, "t")));
    expect(timedOut.state).toBe("timed_out");
    expect(timedOut.activity_errors).toEqual(["Timed out."]);
    expect(f.emulator.inspect.listMembers(a)).toHaveLength(5);
    f.emulator.faults.activityOutcome({ outcome: "cancelled", kind: "remove_list_memberships" });
    const removal = await f.call("POST", "/activities/remove_list_memberships", {
      source: { list_ids: [a] },
      list_ids: [a],
    });
    const cancelled = await settleActivity(f, String(record(removal.body).activity_id));
    expect(cancelled.state).toBe("cancelled");
    expect(f.emulator.inspect.listMembers(a)).toHaveLength(5);
  });

  it("stuck in initialized, or stalled in processing", async () => {
    const f = await setup({ frozenClock: true });
    const a = await createList(f, "A");
    f.emulator.faults.stuckActivities({ stage: "initialized" });
    const stuck = await startImport(f, [a], importItems(3, "s"));
    f.emulator.faults.stuckActivities({ stage: "processing", percentDone: 30 });
    const stalled = await startImport(f, [a], importItems(3, "p"));
    f.emulator.clock.advance(7 * 86_400_000);
    const states = f.emulator.inspect
      .activities(f.accountId)
      .map((activity) => [activity.state, activity.percentDone]);
    expect(states).toEqual([
      ["initialized", 0],
      ["processing", 30],
    ]);
    expect(f.emulator.inspect.listMembers(a)).toEqual([]);
    void stuck;
    void stalled;
  });

  it("slow processing in items per second", async () => {
    const f = await setup({ frozenClock: true });
    const a = await createList(f, "A");
    f.emulator.faults.processingSpeed(100);
    const id = await startImport(f, [a], importItems(1000));
    f.emulator.clock.advance(1000 + 9_999);
    expect(
      f.emulator.inspect.activities(f.accountId).find((activity) => activity.activityId === id)
        ?.state,
    ).toBe("processing");
    f.emulator.clock.advance(1);
    expect(f.emulator.inspect.listMembers(a)).toHaveLength(1000);
  });

  it("chosen emails are forced to correctable, error or cannot-add", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    f.emulator.faults.forceRowOutcome("C@example.com", "correctable");
    f.emulator.faults.forceRowOutcome("e@example.com", "error");
    f.emulator.faults.forceRowOutcome("n@example.com", "cannot_add");
    const activity = await settleActivity(
      f,
      await startImport(
        f,
        [a],
        ["c", "e", "n", "ok"].map((name) => ({ email: `${name}@example.com` })),
      ),
    );
    expect(record(activity.status)).toMatchObject({
      correctable_count: 1,
      error_count: 1,
      cannot_add_to_list_count: 1,
    });
    expect(f.emulator.inspect.listMembers(a)).toEqual(["ok@example.com"]);
  });
});

describe("auth", () => {
  it("expired and revoked access tokens get 401", async () => {
    const f = await setup();
    const second = f.emulator.issueTokens(f.clientId, f.accountId).accessToken;
    expect(f.emulator.faults.expireAccessTokens({ token: f.accessToken })).toBe(1);
    expect((await f.call("GET", "/contact_lists")).status).toBe(401);
    expect((await f.call("GET", "/contact_lists", undefined, { token: second })).status).toBe(200);
    f.emulator.faults.revokeAccessTokens({ clientId: f.clientId });
    expect((await f.call("GET", "/contact_lists", undefined, { token: second })).status).toBe(401);
  });

  it("a revoked refresh token gets invalid_grant", async () => {
    const f = await setup();
    f.emulator.faults.revokeRefreshTokens({ token: f.refreshToken });
    const result = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "refresh_token",
      refresh_token: f.refreshToken,
    });
    expect(result.status).toBe(400);
    expect(record(result.body).error).toBe("invalid_grant");
  });

  it("the previous access token survives a refresh unless the revoke switch is on", async () => {
    const f = await setup();
    const first = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "refresh_token",
      refresh_token: f.refreshToken,
    });
    expect((await f.call("GET", "/contact_lists")).status).toBe(200);
    f.emulator.faults.revokeAccessTokensOnRefresh(true);
    const second = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "refresh_token",
      refresh_token: String(record(first.body).refresh_token),
    });
    expect((await f.call("GET", "/contact_lists")).status).toBe(401);
    expect(
      (
        await f.call("GET", "/contact_lists", undefined, {
          token: String(record(second.body).access_token),
        })
      ).status,
    ).toBe(200);
  });

  it("a rotated client secret gets 401 invalid_client", async () => {
    const f = await setup();
    const secret = f.emulator.faults.rotateClientSecret(f.clientId);
    const old = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "refresh_token",
      refresh_token: f.refreshToken,
    });
    expect(old.status).toBe(401);
    expect(record(old.body).error).toBe("invalid_client");
    expect(
      (
        await tokenRequest(f.emulator, f.clientId, secret, {
          grant_type: "refresh_token",
          refresh_token: f.refreshToken,
        })
      ).status,
    ).toBe(200);
  });

  it("a dropped scope or a deactivated app gets 403 with an array body", async () => {
    const f = await setup();
    f.emulator.faults.dropScope(f.clientId, "account_read");
    expect((await f.call("GET", "/account/summary")).status).toBe(403);
    expect((await f.call("GET", "/contact_lists")).status).toBe(200);
    f.emulator.faults.deactivateApp(f.clientId);
    const result = await f.call("GET", "/contact_lists");
    expect(result.status).toBe(403);
    expect(Array.isArray(result.body)).toBe(true);
  });

  it("expired tokens after a clock jump", async () => {
    const f = await setup();
    f.emulator.clock.set(new Date(f.emulator.clock.now().getTime() + 2 * 86_400_000));
    expect((await f.call("GET", "/contact_lists")).status).toBe(401);
  });
});

describe("paging and payload", () => {
  it("a cursor invalidated mid-walk gets 400", async () => {
    const f = await setup();
    for (let i = 0; i < 5; i += 1)
      f.emulator.seedContact(f.accountId, { email: `i${i}@example.com` });
    const first = await f.call("GET", "/contacts?limit=2");
    const next = String(record(record(record(first.body)._links).next).href);
    f.emulator.faults.invalidateCursors();
    const result = await f.call("GET", next);
    expect(result.status).toBe(400);
    expect(arrayErrorKey(result.body)).toBe("contacts.api.validation.error");
  });

  it("membership changed between pages: unchanged records never repeat or go missing", async () => {
    const f = await setup();
    const a = await createList(f, "A");
    for (let i = 0; i < 10; i += 1)
      f.emulator.seedContact(f.accountId, { email: `m${i}@example.com`, listIds: [a] });
    const first = await f.call("GET", `/contacts?lists=${a}&limit=4`);
    const seen = (record(first.body).contacts as Array<Record<string, unknown>>).map((c) =>
      String(record(c.email_address).address),
    );
    // Between pages m6 (not yet seen) leaves and a new member joins at the end.
    f.emulator.seedContact(f.accountId, { email: "late@example.com", listIds: [a] });
    await f.call("POST", "/activities/remove_list_memberships", {
      source: { contact_ids: [f.emulator.inspect.contact("m6@example.com")?.contactId ?? ""] },
      list_ids: [a],
    });
    f.emulator.clock.advance(10_000);
    let href: string | undefined = String(record(record(record(first.body)._links).next).href);
    while (href !== undefined) {
      const page = await f.call("GET", href);
      seen.push(
        ...(record(page.body).contacts as Array<Record<string, unknown>>).map((c) =>
          String(record(c.email_address).address),
        ),
      );
      href = (record(page.body)._links as { next?: { href: string } } | undefined)?.next?.href;
    }
    const unchanged = Array.from({ length: 10 }, (_, i) => `m${i}@example.com`).filter(
      (email) => email !== "m6@example.com",
    );
    for (const email of unchanged) expect(seen.filter((s) => s === email)).toHaveLength(1);
    expect(seen).not.toContain("m6@example.com");
  });

  it("a lowered import threshold truncates silently", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    f.emulator.faults.setImportByteLimit(2000);
    const activity = await settleActivity(f, await startImport(f, [a], importItems(200)));
    const kept = Number(record(activity.status).person_count);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(200);
    expect(f.emulator.inspect.listMembers(a)).toHaveLength(kept);
  });
});

describe("error shapes (CONTRACT §3)", () => {
  it("wrong content type gets 415, unknown routes 404, wrong methods 405, all as arrays", async () => {
    const f = await setup();
    const wrongType = await f.call("POST", "/contact_lists", "name=x", {
      contentType: "application/x-www-form-urlencoded",
    });
    expect(wrongType.status).toBe(415);
    expect(Array.isArray(wrongType.body)).toBe(true);
    const unknown = await f.call("GET", "/no_such_thing");
    expect(unknown.status).toBe(404);
    expect(Array.isArray(unknown.body)).toBe(true);
    const method = await f.call("PATCH", "/contact_lists");
    expect(method.status).toBe(405);
    expect(Array.isArray(method.body)).toBe(true);
  });

  it("malformed JSON and schema violations get 400 arrays", async () => {
    const f = await setup();
    const malformed = await f.call("POST", "/contact_lists", "{not json");
    expect(malformed.status).toBe(400);
    expect(Array.isArray(malformed.body)).toBe(true);
    const tooLong = await f.call("POST", "/contact_lists", { name: "x".repeat(256) });
    expect(tooLong.status).toBe(400);
    expect(arrayErrorKey(tooLong.body)).toBe("contacts.api.validation.error");
    const badStatus = await f.call("GET", "/contacts?status=sleeping");
    expect(arrayErrorKey(badStatus.body)).toBe("contacts.api.validation.error");
    const unknownContact = await f.call("GET", `/contacts/${randomUUID()}`);
    expect(unknownContact.status).toBe(404);
    expect(arrayErrorKey(unknownContact.body)).toBe("contacts.api.not_found");
  });

  it("an export completes and downloads as CSV", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    f.emulator.seedContact(f.accountId, { email: "x@example.com", firstName: "X", listIds: [a] });
    const created = await f.call("POST", "/activities/contact_exports", {
      list_ids: [a],
      fields: ["email", "first_name"],
    });
    expect(created.status).toBe(201);
    const done = await settleActivity(f, String(record(created.body).activity_id));
    const href = String(record(record(done._links).results).href);
    expect(href).toBe(`/v3/contact_exports/${String(done.activity_id)}`);
    const file = await f.call("GET", href);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toContain("text/csv");
    expect(file.body).toBe("email,first_name\nx@example.com,X\n");
  });
});
