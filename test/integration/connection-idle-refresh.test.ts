/**
 * Idle connections outlive Constant Contact's 180-day expiry of unused refresh tokens: the
 * reconciler refreshes a connection whose token has not been used for `idleRefreshDays`, shows
 * the token's age, and notifies admins (the failure webhook) when Constant Contact refuses one.
 * Time is the emulator's virtual clock and an injected clock on our side.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFailureNotifier } from "../../reconciler/src/scheduler/notifiers.ts";
import {
  refreshIdleConnections,
  type IdleRefreshDependencies,
} from "../../reconciler/src/scheduler/idle-refresh.ts";
import { startCcxTestStack, type CcxTestStack } from "../support/ccx-stack.ts";
import { connectionBody } from "../support/reconciler-fixtures.ts";

const DAY_MS = 86_400_000;
let stack: CcxTestStack;
let webhook: Server;
const notices: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  stack = await startCcxTestStack();
  webhook = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      notices.push(JSON.parse(body) as Record<string, unknown>);
      response.writeHead(204).end();
    });
  });
  webhook.listen(0, "127.0.0.1");
  await once(webhook, "listening");
}, 120_000);

afterAll(async () => {
  webhook?.close();
  await stack?.close();
});

function sweepAt(now: Date): ReturnType<typeof refreshIdleConnections> {
  const deps: IdleRefreshDependencies = {
    store: stack.reconciler.store,
    secretBox: stack.reconciler.secretBox,
    ctct: { tokenUrl: stack.emulator.tokenUrl },
    notifier: createFailureNotifier(
      { webhookUrl: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/notices` },
      pino({ level: "silent" }),
    ),
    logger: pino({ level: "silent" }),
    idleRefreshDays: 30,
    now: () => now,
  };
  return refreshIdleConnections(deps);
}

describe("idle connections", () => {
  it("are refreshed before the 180-day expiry, and one Constant Contact refuses is reported", async () => {
    const kept = stack.newCredentials("Kept alive");
    const revoked = stack.newCredentials("Revoked");
    await stack.api("admin", "PUT", "/v1/connections/kept", connectionBody(kept.credentials));
    await stack.api("admin", "PUT", "/v1/connections/revoked", connectionBody(revoked.credentials));
    const created = await stack.api<{
      refreshTokenRefreshedAt: string;
      refreshTokenAgeDays: number;
    }>("admin", "GET", "/v1/connections/kept");
    expect(created.refreshTokenAgeDays).toBe(0);
    const t0 = new Date(created.refreshTokenRefreshedAt);

    // 29 days on: not idle long enough.
    stack.emulator.clock.advance(29 * DAY_MS);
    expect(await sweepAt(new Date(t0.getTime() + 29 * DAY_MS))).toEqual({
      refreshed: [],
      needsReauthorisation: [],
      failed: [],
    });

    // 31 days on: both are refreshed, and the time of the refresh is recorded.
    stack.emulator.clock.advance(2 * DAY_MS);
    const day31 = new Date(t0.getTime() + 31 * DAY_MS);
    expect(await sweepAt(day31)).toEqual({
      refreshed: ["kept", "revoked"],
      needsReauthorisation: [],
      failed: [],
    });
    expect((await stack.reconciler.store.getConnection("kept"))?.refreshTokenRefreshedAt).toBe(
      day31.toISOString(),
    );

    // 201 days after the connection was created, longer than Constant Contact keeps an unused
    // token: the kept connection still refreshes, because its token was used on day 31 (and on
    // every sweep since). The other one's tokens were revoked in Constant Contact meanwhile.
    stack.emulator.faults.revokeRefreshTokens({ clientId: revoked.credentials.clientId });
    stack.emulator.clock.advance(170 * DAY_MS);
    const day201 = new Date(t0.getTime() + 201 * DAY_MS);
    expect(await sweepAt(day201)).toEqual({
      refreshed: ["kept"],
      needsReauthorisation: ["revoked"],
      failed: [],
    });
    const stored = await stack.reconciler.store.getConnection("revoked");
    expect(stored?.status).toBe("needs-reauthorisation");

    // Admins hear about it, without a secret in the notice.
    await expect.poll(() => notices.length).toBe(1);
    expect(notices[0]).toMatchObject({
      event: "connection.needs-reauthorisation",
      connection: "revoked",
      refreshTokenRefreshedAt: day31.toISOString(),
    });
    const noticeText = JSON.stringify(notices);
    for (const secret of stack.secrets) expect(noticeText).not.toContain(secret);

    // A connection that needs a person is not tried again.
    expect(await sweepAt(new Date(day201.getTime() + 40 * DAY_MS))).toMatchObject({
      needsReauthorisation: [],
    });
  });
});
