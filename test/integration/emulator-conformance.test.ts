/**
 * CONTRACT §8: every conformance checklist item, against the emulator over real HTTP.
 * Tests are named with their checklist number.
 */
import { afterEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { fetch } from "undici";
import {
  arrayErrorKey,
  consent,
  createList,
  getActivity,
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
  options: StartEmulatorOptions & {
    scopes?: string[];
    refreshTokenMode?: "rotating" | "long-lived";
  } = {},
): Promise<EmulatorFixture> {
  fixture = await startFixture({ rateLimits: false, ...options });
  return fixture;
}

afterEach(async () => {
  await fixture?.emulator.close();
  fixture = undefined;
});

function contactsOf(body: unknown): Array<Record<string, unknown>> {
  return (record(body).contacts as Array<Record<string, unknown>>) ?? [];
}

function emailOf(contact: Record<string, unknown>): string {
  return String(record(contact.email_address).address);
}

describe("CONTRACT §8 auth", () => {
  it("§8.1 a code exchange returns Bearer, expires_in 86400, and a refresh_token only with offline_access", async () => {
    const f = await setup({ rateLimits: true });
    const code = await consent(
      f.emulator,
      f.clientId,
      f.accountId,
      "contact_data offline_access account_read",
    );
    const withOffline = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "authorization_code",
      code,
      redirect_uri: "http://localhost/callback",
    });
    expect(withOffline.status).toBe(200);
    const body = record(withOffline.body);
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(86400);
    expect(typeof body.refresh_token).toBe("string");
    expect(String(body.scope).split(" ")).toContain("offline_access");

    f.emulator.clock.advance(1100); // the token endpoint allows about 1 request per second
    const code2 = await consent(f.emulator, f.clientId, f.accountId, "contact_data account_read");
    const withoutOffline = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "authorization_code",
      code: code2,
      redirect_uri: "http://localhost/callback",
    });
    expect(withoutOffline.status).toBe(200);
    expect(record(withoutOffline.body).refresh_token).toBeUndefined();
    // The issued token works on the API.
    const summary = await f.call("GET", "/account/summary", undefined, {
      token: String(record(withoutOffline.body).access_token),
    });
    expect(summary.status).toBe(200);
    expect(record(summary.body).encoded_account_id).toBe(f.accountId);
  });

  it("§8.2 a reused code, or one older than 5 min, gets 400 invalid_grant", async () => {
    const f = await setup();
    const params = (code: string) => ({
      grant_type: "authorization_code",
      code,
      redirect_uri: "http://localhost/callback",
    });
    const code = await consent(f.emulator, f.clientId, f.accountId, "contact_data offline_access");
    expect((await tokenRequest(f.emulator, f.clientId, f.clientSecret, params(code))).status).toBe(
      200,
    );
    const reused = await tokenRequest(f.emulator, f.clientId, f.clientSecret, params(code));
    expect(reused.status).toBe(400);
    expect(record(reused.body).error).toBe("invalid_grant");

    const old = await consent(f.emulator, f.clientId, f.accountId, "contact_data offline_access");
    f.emulator.clock.advance(5 * 60_000 + 1000);
    const expired = await tokenRequest(f.emulator, f.clientId, f.clientSecret, params(old));
    expect(expired.status).toBe(400);
    expect(record(expired.body).error).toBe("invalid_grant");

    const mismatch = await consent(f.emulator, f.clientId, f.accountId, "contact_data");
    const wrongRedirect = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      ...params(mismatch),
      redirect_uri: "http://localhost/other",
    });
    expect(record(wrongRedirect.body).error).toBe("invalid_grant");
  });

  it("§8.3 rotating mode returns a new refresh token and kills the old; long-lived returns the same", async () => {
    const f = await setup();
    const first = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "refresh_token",
      refresh_token: f.refreshToken,
    });
    expect(first.status).toBe(200);
    const rotated = String(record(first.body).refresh_token);
    expect(rotated).not.toBe(f.refreshToken);
    const reuse = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "refresh_token",
      refresh_token: f.refreshToken,
    });
    expect(reuse.status).toBe(400);
    expect(record(reuse.body).error).toBe("invalid_grant");
    const next = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "refresh_token",
      refresh_token: rotated,
    });
    expect(next.status).toBe(200);

    const longLived = f.emulator.createApp({ refreshTokenMode: "long-lived" });
    const tokens = f.emulator.issueTokens(longLived.clientId, f.accountId);
    for (let i = 0; i < 2; i += 1) {
      const refreshed = await tokenRequest(f.emulator, longLived.clientId, longLived.clientSecret, {
        grant_type: "refresh_token",
        refresh_token: tokens.refreshToken,
      });
      expect(refreshed.status).toBe(200);
      expect(record(refreshed.body).refresh_token).toBe(tokens.refreshToken);
    }
  });

  it("§8.4 a refresh token unused for 180 days gets invalid_grant", async () => {
    const f = await setup({ refreshTokenMode: "long-lived" });
    f.emulator.clock.advance(179 * 86_400_000);
    const stillFine = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "refresh_token",
      refresh_token: f.refreshToken,
    });
    expect(stillFine.status).toBe(200);
    f.emulator.clock.advance(180 * 86_400_000 + 1000);
    const stale = await tokenRequest(f.emulator, f.clientId, f.clientSecret, {
      grant_type: "refresh_token",
      refresh_token: f.refreshToken,
    });
    expect(stale.status).toBe(400);
    expect(record(stale.body).error).toBe("invalid_grant");
  });

  it("§8.5 of two concurrent refreshes with one rotating token, exactly one succeeds", async () => {
    const f = await setup();
    const params = { grant_type: "refresh_token", refresh_token: f.refreshToken };
    const results = await Promise.all([
      tokenRequest(f.emulator, f.clientId, f.clientSecret, params),
      tokenRequest(f.emulator, f.clientId, f.clientSecret, params),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 400]);
    const loser = results.find((result) => result.status === 400);
    expect(record(loser?.body).error).toBe("invalid_grant");
  });

  it("§8.6 an expired or unknown bearer gets the 401 unauthorized object and WWW-Authenticate", async () => {
    const f = await setup();
    expect((await f.call("GET", "/contact_lists")).status).toBe(200);
    const unknown = await f.call("GET", "/contact_lists", undefined, { token: "not-a-token" });
    f.emulator.clock.advance(86_400_000 + 1000);
    const expired = await f.call("GET", "/contact_lists");
    for (const result of [unknown, expired]) {
      expect(result.status).toBe(401);
      expect(result.body).toEqual({ error_key: "unauthorized", error_message: "Unauthorized" });
      expect(result.headers.get("www-authenticate")).toBe("Bearer realm=api.cc.email");
    }
  });

  it("§8.7 /account/summary without account_read gets 403 with an array body", async () => {
    const f = await setup({ scopes: ["contact_data", "offline_access"] });
    const result = await f.call("GET", "/account/summary");
    expect(result.status).toBe(403);
    expect(Array.isArray(result.body)).toBe(true);
    expect(arrayErrorKey(result.body)).toBeDefined();
    expect((await f.call("GET", "/contact_lists")).status).toBe(200);
  });
});

describe("CONTRACT §8 limits", () => {
  it("§8.8 the 5th call within 1 s per client_id, across two accounts, gets 429 throttled without Retry-After", async () => {
    const f = await setup({ rateLimits: true, frozenClock: true });
    const { accountId } = f.emulator.createAccount();
    const other = f.emulator.issueTokens(f.clientId, accountId).accessToken;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const token = i % 2 === 0 ? f.accessToken : other;
      statuses.push((await f.call("GET", "/contact_lists", undefined, { token })).status);
      f.emulator.clock.advance(100);
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
    const fifth = await f.call("GET", "/contact_lists", undefined, { token: other });
    expect(fifth.status).toBe(429);
    expect(fifth.body).toEqual({ error_key: "throttled", error_message: "Too Many Requests" });
    expect(fifth.headers.get("retry-after")).toBeNull();
    // The window slides: 1 s after the first call, one slot is free again.
    f.emulator.clock.advance(701);
    expect((await f.call("GET", "/contact_lists")).status).toBe(200);
  });

  it("§8.9 call 10,001 of a UTC day gets quota_exceeded; calls work again after 00:00 UTC", async () => {
    const f = await setup({
      rateLimits: true,
      frozenClock: true,
      startTime: new Date("2026-03-01T01:00:00Z"),
    });
    for (let batch = 0; batch < 2500; batch += 1) {
      const results = await Promise.all(
        Array.from({ length: 4 }, () => f.call("GET", "/contact_lists?limit=1")),
      );
      if (results.some((result) => result.status !== 200)) throw new Error(`batch ${batch} failed`);
      f.emulator.clock.advance(1000);
    }
    const over = await f.call("GET", "/contact_lists");
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ error_key: "quota_exceeded", error_message: "Limit Exceeded" });
    f.emulator.clock.set(new Date("2026-03-01T23:59:59.000Z"));
    expect((await f.call("GET", "/contact_lists")).status).toBe(429);
    f.emulator.clock.set(new Date("2026-03-02T00:00:00.000Z"));
    expect((await f.call("GET", "/contact_lists")).status).toBe(200);
  });

  it("§8.10 with 1,000 non-terminal activities, the next activity POST gets 429", async () => {
    const f = await setup({ frozenClock: true });
    const listId = await createList(f, "queue");
    for (let i = 0; i < 1000; i += 1) await startImport(f, [listId], importItems(1, `q${i}`));
    const full = await f.call("POST", "/activities/contacts_json_import", {
      import_data: importItems(1),
      list_ids: [listId],
    });
    expect(full.status).toBe(429);
    expect(record(full.body).error_key).toBe("too_many_queued_activities");
    const removal = await f.call("POST", "/activities/remove_list_memberships", {
      source: { contact_ids: [randomUUID()] },
      list_ids: [listId],
    });
    expect(removal.status).toBe(429);
    f.emulator.clock.advance(5000); // every queued import completes
    expect(
      (
        await f.call("POST", "/activities/contacts_json_import", {
          import_data: importItems(1),
          list_ids: [listId],
        })
      ).status,
    ).toBe(201);
  });

  it("§8.11 a new list gets 201 with a UUID; a duplicate 409; list 1,001 gets 400", async () => {
    const f = await setup();
    const created = await f.call("POST", "/contact_lists", {
      name: "Newsletter",
      description: "weekly",
    });
    expect(created.status).toBe(201);
    expect(String(record(created.body).list_id)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(record(created.body).name).toBe("Newsletter");
    const duplicate = await f.call("POST", "/contact_lists", { name: "Newsletter" });
    expect(duplicate.status).toBe(409);
    expect(Array.isArray(duplicate.body)).toBe(true);
    for (let i = 1; i < 1000; i += 1) f.emulator.seedList(f.accountId, { name: `seeded ${i}` });
    const overCap = await f.call("POST", "/contact_lists", { name: "one too many" });
    expect(overCap.status).toBe(400);
    expect(arrayErrorKey(overCap.body)).toBe("contacts.api.validation.error");
    expect(f.emulator.inspect.lists(f.accountId)).toHaveLength(1000);
  });

  it("§8.12 ?name=X returns only the list named exactly X; an unknown list_id gets 404", async () => {
    const f = await setup();
    for (const name of ["X", "x", "X ", "XY", "Y"]) f.emulator.seedList(f.accountId, { name });
    const found = await f.call("GET", "/contact_lists?name=X");
    expect(found.status).toBe(200);
    const lists = record(found.body).lists as Array<Record<string, unknown>>;
    expect(lists.map((list) => list.name)).toEqual(["X"]);
    const unknown = await f.call("GET", `/contact_lists/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(Array.isArray(unknown.body)).toBe(true);
    expect((await f.call("GET", "/contact_lists/not-a-uuid")).status).toBe(404);
  });
});

describe("CONTRACT §8 imports", () => {
  it("§8.13 a valid import gets 201, initialized, and _links.self.href /v3/activities/{activity_id}", async () => {
    const f = await setup();
    const listId = await createList(f, "L");
    const result = await f.call("POST", "/activities/contacts_json_import", {
      import_data: [{ email: "a@example.com", first_name: "Ann" }],
      list_ids: [listId],
    });
    expect(result.status).toBe(201);
    const body = record(result.body);
    expect(body.state).toBe("initialized");
    expect(record(record(body._links).self).href).toBe(
      `/v3/activities/${String(body.activity_id)}`,
    );
  });

  it("§8.14 missing, empty, 51-entry or non-UUID list_ids get 400 and no activity", async () => {
    const f = await setup();
    const listId = await createList(f, "L");
    const bodies = [
      { import_data: importItems(1) },
      { import_data: importItems(1), list_ids: [] },
      { import_data: importItems(1), list_ids: Array.from({ length: 51 }, () => listId) },
      { import_data: importItems(1), list_ids: ["not-a-uuid"] },
    ];
    for (const body of bodies) {
      const result = await f.call("POST", "/activities/contacts_json_import", body);
      expect(result.status).toBe(400);
      expect(arrayErrorKey(result.body)).toBe("contacts.api.validation.error");
    }
    expect(f.emulator.inspect.activities(f.accountId)).toHaveLength(0);
  });

  it("§8.15 imported contacts stay out of GET /contacts?lists= until the activity is completed", async () => {
    const f = await setup({ frozenClock: true });
    const listId = await createList(f, "L");
    const activityId = await startImport(f, [listId], importItems(10));
    const members = async () =>
      contactsOf((await f.call("GET", `/contacts?lists=${listId}`)).body).length;
    expect(await members()).toBe(0);
    f.emulator.clock.advance(1500);
    expect(record(await getActivity(f, activityId)).state).toBe("processing");
    expect(await members()).toBe(0);
    f.emulator.clock.advance(2000);
    expect(record(await getActivity(f, activityId)).state).toBe("completed");
    expect(await members()).toBe(10);
  });

  it("§8.16 the state goes initialized → processing → completed, percent_done rising to 100", async () => {
    const f = await setup({ frozenClock: true });
    const listId = await createList(f, "L");
    const activityId = await startImport(f, [listId], importItems(3000));
    const seen: Array<{ state: string; percent: number; started: boolean; completed: boolean }> =
      [];
    for (let i = 0; i < 20; i += 1) {
      const activity = await getActivity(f, activityId);
      seen.push({
        state: String(activity.state),
        percent: Number(activity.percent_done),
        started: activity.started_at !== undefined,
        completed: activity.completed_at !== undefined,
      });
      if (activity.state === "completed") break;
      f.emulator.clock.advance(400);
    }
    const states = seen.map((entry) => entry.state).filter((state, i, all) => all[i - 1] !== state);
    expect(states).toEqual(["initialized", "processing", "completed"]);
    const percents = seen.map((entry) => entry.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    expect(new Set(percents.filter((p) => p > 0 && p < 100)).size).toBeGreaterThan(1);
    expect(seen[0]).toMatchObject({ started: false, completed: false });
    expect(seen.at(-1)).toMatchObject({ started: true, completed: true });
  });

  it("§8.17 a new email becomes implicit, opt_in_source Account, in every list_ids list", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    const b = await createList(f, "B");
    const activity = await settleActivity(
      f,
      await startImport(f, [a, b], [{ email: "new@example.com" }]),
    );
    expect(activity.state).toBe("completed");
    const result = await f.call("GET", "/contacts?email=new@example.com&include=list_memberships");
    const [contact] = contactsOf(result.body);
    expect(contact).toBeDefined();
    expect(record(contact?.email_address)).toMatchObject({
      permission_to_send: "implicit",
      opt_in_source: "Account",
    });
    expect(contact?.create_source).toBe("Account");
    expect([...((contact?.list_memberships as string[]) ?? [])].sort()).toEqual([a, b].sort());
  });

  it("§8.18 re-importing only first_name updates it and adds the list; other fields and permission unchanged", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    const b = await createList(f, "B");
    f.emulator.seedContact(f.accountId, {
      email: "pat@example.com",
      firstName: "Pat",
      lastName: "Lee",
      permission: "explicit",
      listIds: [a],
    });
    await settleActivity(
      f,
      await startImport(f, [a], [{ email: "pat@example.com", job_title: "Chef" }]),
    );
    await settleActivity(
      f,
      await startImport(f, [b], [{ email: "pat@example.com", first_name: "Patricia" }]),
    );
    const contact = f.emulator.inspect.contact("pat@example.com");
    expect(contact).toMatchObject({
      firstName: "Patricia",
      lastName: "Lee",
      jobTitle: "Chef",
      permission: "explicit",
    });
    expect([...(contact?.listIds ?? [])].sort()).toEqual([a, b].sort());
  });

  it("§8.19 Ann@Example.COM updates ann@example.com; no duplicate is created", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    await settleActivity(
      f,
      await startImport(f, [a], [{ email: "ann@example.com", first_name: "Ann" }]),
    );
    await settleActivity(
      f,
      await startImport(f, [a], [{ email: "Ann@Example.COM", last_name: "Smith" }]),
    );
    const all = contactsOf((await f.call("GET", "/contacts?status=all")).body);
    expect(all).toHaveLength(1);
    expect(emailOf(all[0] ?? {})).toBe("ann@example.com");
    expect(all[0]).toMatchObject({ first_name: "Ann", last_name: "Smith" });
  });

  it("§8.20 an unsubscribed email stays unsubscribed and off the list; cannot_add_to_list_count +1", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    f.emulator.seedContact(f.accountId, {
      email: "gone@example.com",
      permission: "unsubscribed",
      optOutSource: "Contact",
    });
    const activity = await settleActivity(
      f,
      await startImport(
        f,
        [a],
        [{ email: "gone@example.com", first_name: "G" }, { email: "here@example.com" }],
      ),
    );
    expect(activity.state).toBe("completed");
    expect(record(activity.status).cannot_add_to_list_count).toBe(1);
    expect(f.emulator.inspect.contact("gone@example.com")?.permission).toBe("unsubscribed");
    expect(f.emulator.inspect.listMembers(a)).toEqual(["here@example.com"]);
  });

  it("§8.21 an invalid email raises correctable_count while the other rows import", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    const activity = await settleActivity(
      f,
      await startImport(
        f,
        [a],
        [
          { email: "ok1@example.com" },
          { email: "not an email" },
          { email: "no-tld@example" },
          { first_name: "No email" },
          { email: "ok2@example.com" },
        ],
      ),
    );
    expect(record(activity.status)).toMatchObject({ correctable_count: 3, error_count: 0 });
    expect(f.emulator.inspect.listMembers(a)).toEqual(["ok1@example.com", "ok2@example.com"]);
  });

  it("§8.22 a body over the 4 MB threshold gets 201 and person_count counts only the kept items", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    const pad = "x".repeat(50);
    const items = importItems(40_000, "big", { first_name: pad, last_name: pad, job_title: pad });
    const body = JSON.stringify({ import_data: items, list_ids: [a] });
    expect(Buffer.byteLength(body)).toBeGreaterThan(4_000_000);
    const result = await f.call("POST", "/activities/contacts_json_import", body);
    expect(result.status).toBe(201);
    const activity = await settleActivity(f, String(record(result.body).activity_id));
    const kept = Number(record(activity.status).person_count);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(40_000);
    const itemBytes = Buffer.byteLength(JSON.stringify(items[0])) + 1;
    expect(kept * itemBytes).toBeLessThanOrEqual(4_000_000);
    expect(f.emulator.inspect.listMembers(a)).toHaveLength(kept);
  });

  it("§8.23 a contact already in 50 lists is not added to a 51st", async () => {
    const f = await setup({ activityTiming: "instant" });
    const lists = Array.from(
      { length: 51 },
      (_, i) => f.emulator.seedList(f.accountId, { name: `L${i}` }).listId,
    );
    f.emulator.seedContact(f.accountId, { email: "busy@example.com", listIds: lists.slice(0, 50) });
    const last = lists[50] ?? "";
    const activity = await settleActivity(
      f,
      await startImport(f, [last], [{ email: "busy@example.com" }]),
    );
    expect(activity.state).toBe("completed");
    expect(record(activity.status).error_count).toBe(1);
    expect(f.emulator.inspect.listMembers(last)).toEqual([]);
    expect(f.emulator.inspect.contact("busy@example.com")?.listIds).toHaveLength(50);
  });
});

describe("CONTRACT §8 membership, paging, deletion", () => {
  it("§8.24 remove_list_memberships changes only membership; a non-member id is not an error", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    const b = await createList(f, "B");
    const member = f.emulator.seedContact(f.accountId, {
      email: "m@example.com",
      firstName: "M",
      permission: "explicit",
      listIds: [a, b],
    });
    const outsider = f.emulator.seedContact(f.accountId, { email: "o@example.com", listIds: [b] });
    const result = await f.call("POST", "/activities/remove_list_memberships", {
      source: { contact_ids: [member.contactId, outsider.contactId, randomUUID()] },
      list_ids: [a],
    });
    expect(result.status).toBe(201);
    const activity = await settleActivity(f, String(record(result.body).activity_id));
    expect(activity.state).toBe("completed");
    expect(f.emulator.inspect.listMembers(a)).toEqual([]);
    expect(f.emulator.inspect.listMembers(b)).toEqual(["m@example.com", "o@example.com"]);
    expect(f.emulator.inspect.contact("m@example.com")).toMatchObject({
      permission: "explicit",
      firstName: "M",
      deleted: false,
    });
  });

  it("§8.25 501 contact_ids, two source keys, or exclude with a contact_ids source gets 400", async () => {
    const f = await setup();
    const a = await createList(f, "A");
    const bodies = [
      { source: { contact_ids: Array.from({ length: 501 }, () => randomUUID()) }, list_ids: [a] },
      { source: { contact_ids: [randomUUID()], list_ids: [a] }, list_ids: [a] },
      {
        source: { contact_ids: [randomUUID()] },
        exclude: { contact_ids: [randomUUID()] },
        list_ids: [a],
      },
    ];
    for (const body of bodies) {
      const result = await f.call("POST", "/activities/remove_list_memberships", body);
      expect(result.status).toBe(400);
      expect(arrayErrorKey(result.body)).toBe("contacts.api.validation.error");
    }
    expect(f.emulator.inspect.activities(f.accountId)).toHaveLength(0);
  });

  it("§8.26 limit=0 or limit=501 gets 400; the default page is 50", async () => {
    const f = await setup();
    for (let i = 0; i < 60; i += 1)
      f.emulator.seedContact(f.accountId, { email: `p${i}@example.com` });
    for (const limit of [0, 501]) {
      const result = await f.call("GET", `/contacts?limit=${limit}`);
      expect(result.status).toBe(400);
      expect(arrayErrorKey(result.body)).toBe("contacts.api.validation.error");
    }
    const page = await f.call("GET", "/contacts");
    expect(contactsOf(page.body)).toHaveLength(50);
    expect(record(record(page.body)._links).next).toBeDefined();
  });

  it("§8.27 following _links.next.href until it is absent yields every match exactly once", async () => {
    const f = await setup();
    const a = await createList(f, "A");
    for (let i = 0; i < 237; i += 1) {
      f.emulator.seedContact(f.accountId, {
        email: `w${i}@example.com`,
        listIds: i % 3 === 0 ? [] : [a],
      });
    }
    const expected = f.emulator.inspect.listMembers(a);
    const seen: string[] = [];
    let href: string | undefined = `/v3/contacts?lists=${a}&limit=20&include_count=true`;
    let pages = 0;
    while (href !== undefined) {
      const result = await f.call("GET", href);
      expect(result.status).toBe(200);
      const body = record(result.body);
      expect(body.contacts_count).toBe(expected.length);
      seen.push(...contactsOf(body).map(emailOf));
      const next = (body._links as { next?: { href: string } } | undefined)?.next?.href;
      if (next !== undefined) expect(next).toMatch(/^\/v3\/contacts\?cursor=[A-Za-z0-9_-]+$/);
      href = next;
      pages += 1;
    }
    expect(pages).toBe(Math.ceil(expected.length / 20));
    expect(seen).toHaveLength(new Set(seen).size);
    expect([...seen].sort()).toEqual(expected);
    expect((await f.call("GET", "/contacts?cursor=garbage")).status).toBe(400);
  });

  it("§8.28 deleted contacts are hidden by default and show deleted_at under status=all", async () => {
    const f = await setup();
    f.emulator.seedContact(f.accountId, { email: "live@example.com" });
    f.emulator.seedContact(f.accountId, { email: "dead@example.com", deleted: true });
    const visible = contactsOf((await f.call("GET", "/contacts")).body).map(emailOf);
    expect(visible).toEqual(["live@example.com"]);
    const all = contactsOf((await f.call("GET", "/contacts?status=all")).body);
    const dead = all.find((contact) => emailOf(contact) === "dead@example.com");
    expect(dead?.deleted_at).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(
      all.find((contact) => emailOf(contact) === "live@example.com")?.deleted_at,
    ).toBeUndefined();
  });

  it("§8.29 a deleted contact's email gets 409 on POST /contacts, and an import revives it", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    f.emulator.seedContact(f.accountId, {
      email: "back@example.com",
      permission: "explicit",
      deleted: true,
    });
    const post = await f.call("POST", "/contacts", {
      email_address: { address: "back@example.com" },
      create_source: "Account",
    });
    expect(post.status).toBe(409);
    expect(Array.isArray(post.body)).toBe(true);
    await settleActivity(f, await startImport(f, [a], [{ email: "back@example.com" }]));
    expect(f.emulator.inspect.contact("back@example.com")).toMatchObject({
      deleted: false,
      permission: "explicit",
      listIds: [a],
    });
    const visible = contactsOf((await f.call("GET", `/contacts?lists=${a}`)).body).map(emailOf);
    expect(visible).toEqual(["back@example.com"]);
  });

  it("§8.30 an injected failed activity changes no data", async () => {
    const f = await setup({ activityTiming: "instant" });
    const a = await createList(f, "A");
    f.emulator.seedContact(f.accountId, { email: "keep@example.com", firstName: "Keep" });
    f.emulator.faults.activityOutcome({
      outcome: "failed",
      kind: "contacts_json_import",
      errors: ["Import failed."],
    });
    const activity = await settleActivity(
      f,
      await startImport(
        f,
        [a],
        [{ email: "keep@example.com", first_name: "Changed" }, { email: "new@example.com" }],
      ),
    );
    expect(activity.state).toBe("failed");
    expect(activity.activity_errors).toEqual(["Import failed."]);
    expect(f.emulator.inspect.listMembers(a)).toEqual([]);
    expect(f.emulator.inspect.contact("new@example.com")).toBeUndefined();
    expect(f.emulator.inspect.contact("keep@example.com")?.firstName).toBe("Keep");
  });

  it("§8.31 a POST that timed out on the client but was accepted still appears in GET /activities", async () => {
    const f = await setup();
    const a = await createList(f, "A");
    f.emulator.faults.dropConnections("POST /v3/activities/contacts_json_import", {
      afterEffect: true,
    });
    await expect(
      fetch(`${f.emulator.apiBaseUrl}/activities/contacts_json_import`, {
        method: "POST",
        headers: { authorization: `Bearer ${f.accessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ import_data: importItems(3), list_ids: [a] }),
      }).then(readResult),
    ).rejects.toThrow();
    const listed = await f.call("GET", "/activities");
    expect(listed.status).toBe(200);
    const activities = record(listed.body).activities as Array<Record<string, unknown>>;
    expect(activities).toHaveLength(1);
    expect(
      f.emulator.inspect.activities(f.accountId).map((activity) => activity.activityId),
    ).toEqual([activities[0]?.activity_id]);
  });
});
