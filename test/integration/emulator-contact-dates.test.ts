/**
 * The date filters of the emulator's `GET /contacts` (CONTRACT §1, the spec's `updated_after` and
 * `created_after`), over real HTTP: an import that updates a contact moves its `updated_at` and
 * keeps its `created_at`, so `created_after` finds only contacts new to the account.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  arrayErrorKey,
  createList,
  record,
  settleActivity,
  startFixture,
  startImport,
} from "./emulator-support.ts";
import type { EmulatorFixture } from "./emulator-support.ts";

let fixture: EmulatorFixture | undefined;

afterEach(async () => {
  await fixture?.emulator.close();
  fixture = undefined;
});

async function emailsOf(f: EmulatorFixture, path: string): Promise<string[]> {
  const result = await f.call("GET", path);
  expect(result.status).toBe(200);
  const contacts = (record(result.body).contacts as Array<Record<string, unknown>>) ?? [];
  return contacts.map((contact) => String(record(contact.email_address).address)).sort();
}

describe("GET /contacts by date", () => {
  it("created_after finds new contacts only; updated_after also the updated ones", async () => {
    const f = (fixture = await startFixture({ rateLimits: false, activityTiming: "instant" }));
    const list = await createList(f, "A");
    f.emulator.seedContact(f.accountId, { email: "old-member@example.com", listIds: [list] });
    f.emulator.seedContact(f.accountId, { email: "old-elsewhere@example.com" });
    f.emulator.seedContact(f.accountId, { email: "old-untouched@example.com", listIds: [list] });
    f.emulator.clock.advance(10_000);
    const since = encodeURIComponent(f.emulator.clock.now().toISOString());
    f.emulator.clock.advance(1_000);
    await settleActivity(
      f,
      await startImport(
        f,
        [list],
        [
          { email: "old-member@example.com", first_name: "Changed" },
          { email: "old-elsewhere@example.com" },
          { email: "brand-new@example.com" },
        ],
      ),
    );

    expect(await emailsOf(f, `/contacts?lists=${list}&created_after=${since}`)).toEqual([
      "brand-new@example.com",
    ]);
    expect(await emailsOf(f, `/contacts?lists=${list}&updated_after=${since}`)).toEqual([
      "brand-new@example.com",
      "old-elsewhere@example.com",
      "old-member@example.com",
    ]);
    // Both filters together: created and updated after the time.
    expect(
      await emailsOf(f, `/contacts?lists=${list}&created_after=${since}&updated_after=${since}`),
    ).toEqual(["brand-new@example.com"]);
  });

  it("a created_after that is not an ISO-8601 date-time gets 400", async () => {
    const f = (fixture = await startFixture({ rateLimits: false }));
    for (const value of ["yesterday", "2026-13-01T00:00:00Z", "1700000000"]) {
      const result = await f.call("GET", `/contacts?created_after=${encodeURIComponent(value)}`);
      expect(result.status).toBe(400);
      expect(arrayErrorKey(result.body)).toBe("contacts.api.validation.error");
    }
  });

  it("pages keep the created_after filter", async () => {
    const f = (fixture = await startFixture({ rateLimits: false }));
    for (let i = 0; i < 7; i += 1)
      f.emulator.seedContact(f.accountId, { email: `a${i}@example.com` });
    f.emulator.clock.advance(10_000);
    const since = f.emulator.clock.now().toISOString();
    f.emulator.clock.advance(1_000);
    for (let i = 0; i < 5; i += 1)
      f.emulator.seedContact(f.accountId, { email: `b${i}@example.com` });
    const seen: string[] = [];
    let href: string | undefined =
      `/v3/contacts?created_after=${encodeURIComponent(since)}&limit=2`;
    while (href !== undefined) {
      const result = await f.call("GET", href);
      expect(result.status).toBe(200);
      const body = record(result.body);
      const contacts = (body.contacts as Array<Record<string, unknown>>) ?? [];
      seen.push(...contacts.map((contact) => String(record(contact.email_address).address)));
      href = (body._links as { next?: { href: string } } | undefined)?.next?.href;
    }
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `b${i}@example.com`));
  });
});
