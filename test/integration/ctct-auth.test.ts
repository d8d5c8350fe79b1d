/**
 * OAuth against the emulator (CONTRACT §5): rotation never loses the token, concurrent callers
 * share one refresh, a rejected refresh token asks for `ccx connect`.
 */
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import {
  buildAuthorizeUrl,
  CtctReauthorizationNeededError,
  exchangeAuthorizationCode,
  refreshAccessToken,
} from "../../reconciler/src/ctct/index.ts";
import type { ConnectionTokens } from "../../reconciler/src/ctct/index.ts";
import { TokenRefresher } from "../../reconciler/src/ctct/token-refresher.ts";
import { startCtctFixture } from "../support/ctct-fixture.ts";
import type { CtctFixture } from "../support/ctct-fixture.ts";

const TOKEN_ROUTE = "POST /oauth2/default/v1/token";
let fixture: CtctFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function start(mode: "rotating" | "long-lived" = "rotating"): Promise<CtctFixture> {
  fixture = await startCtctFixture({
    activityTiming: "instant",
    rateLimits: false,
    refreshTokenMode: mode,
    limiter: { requestsPerWindow: 100, windowMs: 1_000 },
  });
  return fixture;
}

async function expireSoon(f: CtctFixture): Promise<ConnectionTokens> {
  const tokens = await f.store.load();
  if (tokens === undefined) throw new Error("fixture has no tokens");
  // Inside the 5-minute window: the client must refresh before using it (CONTRACT §5).
  await f.store.save({ ...tokens, accessTokenExpiresAt: new Date(Date.now() + 60_000) });
  return tokens;
}

describe("token refresh with rotation", () => {
  it("10 concurrent callers at expiry share one refresh, and the stored refresh token still works", async () => {
    const f = await start();
    const client = f.client();
    const before = await expireSoon(f);

    const summaries = await Promise.all(Array.from({ length: 10 }, () => client.accountSummary()));

    expect(summaries.every((summary) => summary.organizationName === "ccx test")).toBe(true);
    expect(f.emulator.inspect.requestCounts()[TOKEN_ROUTE]).toBe(1);
    const stored = await f.store.load();
    expect(stored?.refreshToken).not.toBe(before.refreshToken);
    expect(stored?.accessToken).not.toBe(before.accessToken);
    // The rotated token in the store is the live one: spending it succeeds…
    const next = await refreshAccessToken(
      { clientId: f.clientId, clientSecret: f.clientSecret, tokenUrl: f.emulator.tokenUrl },
      stored?.refreshToken ?? "",
    );
    expect(next.accessToken).toBeTruthy();
    // …and the one it replaced is dead (CONTRACT §5 rotating mode).
    const reuse = await refreshAccessToken(
      { clientId: f.clientId, clientSecret: f.clientSecret, tokenUrl: f.emulator.tokenUrl },
      before.refreshToken,
    ).catch((error: unknown) => error);
    expect(reuse).toMatchObject({ code: "CTCT_OAUTH_FAILED", errorKey: "invalid_grant" });
  });

  it("10 concurrent callers that all get 401 refresh once and retry once each", async () => {
    const f = await start();
    const client = f.client();
    await client.accountSummary(); // warm: the token works
    expect(f.emulator.faults.expireAccessTokens({ clientId: f.clientId })).toBeGreaterThan(0);
    f.emulator.inspect.resetRequestLog();

    const lists = await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.createList({ name: `after-401-${i}` })),
    );

    expect(new Set(lists.map((list) => list.listId)).size).toBe(10);
    const counts = f.emulator.inspect.requestCounts();
    expect(counts[TOKEN_ROUTE]).toBe(1);
    // Each call: one 401 and one successful retry.
    expect(counts["POST /v3/contact_lists"]).toBe(20);
    expect(
      f.emulator.inspect
        .lists(f.accountId)
        .map((list) => list.name)
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `after-401-${i}`).sort());
    const stored = await f.store.load();
    expect(f.store.history.at(-1)?.refreshToken).toBe(stored?.refreshToken);
  });

  it("persists the rotated pair before using it: a failed save sends no API request", async () => {
    const f = await start();
    await expireSoon(f);
    const failingStore = {
      connectionId: `${f.store.connectionId}-failing`,
      load: () => f.store.load(),
      save: () => Promise.reject(new Error("disk full")),
      markNeedsReauthorization: (reason: string) => f.store.markNeedsReauthorization(reason),
    };
    const refresher = new TokenRefresher(failingStore, {
      clientId: f.clientId,
      clientSecret: f.clientSecret,
      tokenUrl: f.emulator.tokenUrl,
    });
    const client = f.client({ refresher, tokenStore: failingStore });
    await expect(client.accountSummary()).rejects.toThrow("disk full");
    expect(f.emulator.inspect.requestCounts()["GET /v3/account/summary"]).toBeUndefined();
  });

  it("a second process that refreshes late adopts the pair the first one stored", async () => {
    const f = await start();
    const app = {
      clientId: f.clientId,
      clientSecret: f.clientSecret,
      tokenUrl: f.emulator.tokenUrl,
    };
    // Two refreshers over one store stand for two replicas sharing the database.
    const first = f.client({ refresher: new TokenRefresher(f.store, app) });
    const second = f.client({ refresher: new TokenRefresher(f.store, app) });
    await first.accountSummary();
    await second.accountSummary();
    await expireSoon(f);
    await first.accountSummary(); // rotates and stores the new pair
    f.emulator.faults.expireAccessTokens({ clientId: f.clientId });
    await first.refresher.refresh(); // and once more: the second one's cache is two pairs old

    const tokenRequests = f.emulator.inspect.requestCounts()[TOKEN_ROUTE];

    await expect(second.accountSummary()).resolves.toMatchObject({ organizationName: "ccx test" });
    // It took the stored pair instead of spending a refresh token of its own.
    expect(f.emulator.inspect.requestCounts()[TOKEN_ROUTE]).toBe(tokenRequests);
    expect(f.store.needsReauthorization).toBeUndefined();
  });

  it("long-lived mode keeps the same refresh token", async () => {
    const f = await start("long-lived");
    const client = f.client();
    const before = await expireSoon(f);
    await client.accountSummary();
    const stored = await f.store.load();
    expect(stored?.refreshToken).toBe(before.refreshToken);
    expect(stored?.accessToken).not.toBe(before.accessToken);
  });

  it("survives 429s from the token endpoint", async () => {
    const f = await start();
    const client = f.client();
    await expireSoon(f);
    f.emulator.faults.throttleTokenEndpoint(2);
    await expect(client.accountSummary()).resolves.toMatchObject({ organizationName: "ccx test" });
    expect(f.emulator.inspect.requestCounts()[TOKEN_ROUTE]).toBe(3);
  });
});

describe("rejected refresh token", () => {
  it("marks the connection and says to run `ccx connect`", async () => {
    const f = await start();
    const client = f.client();
    await expireSoon(f);
    f.emulator.faults.revokeRefreshTokens({ clientId: f.clientId });

    const error = await client.accountSummary().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CtctReauthorizationNeededError);
    expect(error).toMatchObject({
      code: "CTCT_REAUTHORIZATION_NEEDED",
      message: "the refresh token was rejected; run `ccx connect` and update the connection",
    });
    expect(f.store.needsReauthorization).toBeTruthy();
    const tokens = await f.store.load();
    const text = `${String(error)} ${JSON.stringify(error)}`;
    expect(text).not.toContain(tokens?.refreshToken ?? "never");
    expect(text).not.toContain(tokens?.accessToken ?? "never");
    expect(text).not.toContain(f.clientSecret);
  });
});

describe("authorization-code exchange", () => {
  it("turns a consent code into tokens that work, with the scopes ccx asks for", async () => {
    const f = await start();
    const redirectUri = "http://localhost/callback";
    const authorizeUrl = new URL(
      buildAuthorizeUrl({
        clientId: f.clientId,
        redirectUri,
        state: "s-1",
        authorizeUrl: f.emulator.authorizeUrl,
      }),
    );
    expect(authorizeUrl.searchParams.get("scope")).toBe("contact_data offline_access account_read");
    // The person clicks "Allow" on the consent page.
    const consent = await request(f.emulator.authorizeUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        ...Object.fromEntries(authorizeUrl.searchParams),
        account_id: f.accountId,
        decision: "allow",
      }).toString(),
    });
    await consent.body.text();
    const location = new URL(String(consent.headers.location));
    expect(location.searchParams.get("state")).toBe("s-1");
    const app = {
      clientId: f.clientId,
      clientSecret: f.clientSecret,
      tokenUrl: f.emulator.tokenUrl,
    };

    const grant = await exchangeAuthorizationCode(
      app,
      location.searchParams.get("code") ?? "",
      redirectUri,
    );

    expect(grant.refreshToken).toBeTruthy();
    expect(grant.accessTokenExpiresAt.getTime() - Date.now()).toBeGreaterThan(86_000_000);
    await f.store.save({
      accessToken: grant.accessToken,
      refreshToken: grant.refreshToken ?? "",
      accessTokenExpiresAt: grant.accessTokenExpiresAt,
    });
    const client = f.client({ refresher: new TokenRefresher(f.store, app) });
    await expect(client.accountSummary()).resolves.toMatchObject({ organizationName: "ccx test" });
    // A code is single-use (CONTRACT §5).
    await expect(
      exchangeAuthorizationCode(app, location.searchParams.get("code") ?? "", redirectUri),
    ).rejects.toMatchObject({ errorKey: "invalid_grant" });
  });
});
