/**
 * Control routes under `/_emulator` for a running `ccx emulator` (scripts in other processes):
 * fault injection, the virtual clock, seeding and inspection, mirroring the in-process API.
 * They are not part of Constant Contact's API: no auth, no rate limits, not in the request log.
 */
import type { Hono } from "hono";
import type { Emulator } from "../types.ts";
import type { EmulatorEnv } from "../request-pipeline.ts";
import { apiError, EmulatorHttpError } from "../http-errors.ts";

/** Methods of `emulator.faults` callable as `POST /_emulator/faults/{name}` with a JSON array of arguments. */
const faultNames = new Set([
  "throttleBurst",
  "setDailyBudget",
  "exhaustDailyQuota",
  "serverErrors",
  "latency",
  "dropConnections",
  "activityOutcome",
  "stuckActivities",
  "processingSpeed",
  "forceRowOutcome",
  "preloadActivities",
  "expireAccessTokens",
  "revokeAccessTokens",
  "revokeRefreshTokens",
  "revokeAccessTokensOnRefresh",
  "rotateClientSecret",
  "deactivateApp",
  "dropScope",
  "throttleTokenEndpoint",
  "invalidateCursors",
  "setImportByteLimit",
  "clear",
]);

/** Registers the `/_emulator` control routes; `emulator` is resolved lazily once built. */
export function registerControlRoutes(app: Hono<EmulatorEnv>, emulator: () => Emulator): void {
  const args = async (request: Request): Promise<unknown[]> => {
    const text = await request.text();
    if (text.trim() === "") return [];
    try {
      const parsed = JSON.parse(text) as unknown;
      return Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
    } catch {
      throw apiError(400, "http.status.bad_request", "The body must be a JSON array of arguments.");
    }
  };
  const call = (fn: () => unknown): Response => {
    try {
      return Response.json({ result: fn() ?? null });
    } catch (error) {
      if (error instanceof EmulatorHttpError) throw error;
      throw apiError(400, "emulator.control.error", (error as Error).message);
    }
  };

  app.post("/_emulator/faults/:name", async (c) => {
    const name = c.req.param("name");
    if (!faultNames.has(name))
      throw apiError(404, "http.status.not_found", `No fault named ${name}.`);
    const values = await args(c.req.raw);
    const faults = emulator().faults as unknown as Record<string, (...input: unknown[]) => unknown>;
    return call(() => faults[name]?.(...values));
  });
  app.post("/_emulator/clock/advance", async (c) => {
    const [ms] = await args(c.req.raw);
    return call(() => {
      emulator().clock.advance(Number(ms));
      return emulator().clock.now().toISOString();
    });
  });
  app.post("/_emulator/clock/set", async (c) => {
    const [date] = await args(c.req.raw);
    return call(() => {
      emulator().clock.set(new Date(String(date)));
      return emulator().clock.now().toISOString();
    });
  });
  app.get("/_emulator/clock", () => call(() => emulator().clock.now().toISOString()));
  app.post("/_emulator/seed/contact", async (c) => {
    const [accountId, contact] = await args(c.req.raw);
    return call(() =>
      emulator().seedContact(String(accountId), contact as Parameters<Emulator["seedContact"]>[1]),
    );
  });
  app.get("/_emulator/requests", () =>
    call(() => ({
      total: emulator().inspect.totalRequests(),
      counts: emulator().inspect.requestCounts(),
    })),
  );
  app.delete("/_emulator/requests", () => call(() => emulator().inspect.resetRequestLog()));
  app.get("/_emulator/lists/:list_id/members", (c) =>
    call(() => emulator().inspect.listMembers(c.req.param("list_id"))),
  );
  app.get("/_emulator/activities", () => call(() => emulator().inspect.activities()));
}
