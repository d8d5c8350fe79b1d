/**
 * How every route runs: request log, activity settling, transport faults, bearer auth, rate
 * limits, scope checks, then the handler. Routes are declared with a path template in the spec's
 * `{param}` form, which is also the key of the request log and of per-route faults.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Context, Hono } from "hono";
import type { HttpBindings } from "@hono/node-server";
import type { EmulatorContext } from "./context.ts";
import type { AccessTokenRecord } from "./auth.ts";
import type { Account } from "./state/account.ts";
import {
  apiError,
  EmulatorHttpError,
  forbidden,
  quotaExceeded,
  throttled,
  unauthorized,
} from "./http-errors.ts";

/** Hono environment of the emulator app. */
export interface EmulatorEnv {
  Bindings: HttpBindings;
}

/** What an authenticated handler receives. */
export interface ApiCall {
  account: Account;
  token: AccessTokenRecord;
  nowMs: number;
}

/** A route declaration: an API route needing a scope, or an unauthenticated OAuth route. */
export type RouteSpec = {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path in `{param}` form, e.g. `/v3/contact_lists/{list_id}`. */
  template: string;
} & (
  | {
      /** Scope needed (CONTRACT §5). */
      scope: "contact_data" | "account_read";
      handler: (c: Context<EmulatorEnv>, call: ApiCall) => Response | Promise<Response>;
    }
  | {
      /** The OAuth routes authenticate clients themselves. */
      scope: undefined;
      handler: (c: Context<EmulatorEnv>) => Response | Promise<Response>;
    }
);

/** Registers `spec` on `app`, wrapped in the emulator's request pipeline. */
export function registerRoute(app: Hono<EmulatorEnv>, ctx: EmulatorContext, spec: RouteSpec): void {
  const key = `${spec.method} ${spec.template}`;
  const honoPath = spec.template.replace(/\{([a-z_]+)\}/g, ":$1");
  app.on(spec.method, honoPath, async (c) => {
    ctx.requestLog.set(key, (ctx.requestLog.get(key) ?? 0) + 1);
    ctx.activities.settle(ctx.clock.nowMs());
    // The service's own clock, as every origin server's `Date` is (RFC 9110 §6.6.1): clients
    // compare it with the `created_at` and `updated_at` this clock stamps.
    c.header("Date", new Date(ctx.clock.nowMs()).toUTCString());
    const delay = ctx.faults.takeRouteFault(ctx.faults.latencies, key);
    if (delay !== undefined) await sleep(delay.ms);
    const drop = ctx.faults.takeRouteFault(ctx.faults.drops, key);
    if (drop !== undefined && !drop.afterEffect) return dropConnection(c);
    const serverError = ctx.faults.takeRouteFault(ctx.faults.serverErrors, key);
    if (serverError !== undefined) return serverErrorResponse(serverError.status, serverError.body);
    try {
      const response =
        spec.scope === undefined
          ? await spec.handler(c)
          : await spec.handler(c, authorize(c, ctx, spec.scope, ctx.clock.nowMs()));
      return drop === undefined ? response : dropConnection(c);
    } catch (error) {
      // A dropped connection loses error responses too.
      if (drop !== undefined) return dropConnection(c);
      throw error;
    }
  });
}

/** CONTRACT §2.1 order: 401, then 429 (quota before throttle), then 403. */
function authorize(
  c: Context<EmulatorEnv>,
  ctx: EmulatorContext,
  scope: "contact_data" | "account_read",
  nowMs: number,
): ApiCall {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const token = match?.[1] === undefined ? undefined : ctx.auth.verifyAccessToken(match[1], nowMs);
  if (token === undefined) throw unauthorized();
  const account = ctx.accounts.get(token.accountId);
  if (account === undefined) throw unauthorized();
  const decision = ctx.limiter.take(token.clientId, nowMs);
  if (decision === "quota_exceeded") throw quotaExceeded();
  if (decision === "throttled" || ctx.faults.takeThrottle(token.clientId, nowMs)) throw throttled();
  const app = ctx.auth.apps.get(token.clientId);
  if (app === undefined || app.deactivated) throw forbidden();
  if (!token.scopes.includes(scope) || app.droppedScopes.has(scope)) throw forbidden();
  return { account, token, nowMs };
}

function dropConnection(c: Context<EmulatorEnv>): Response {
  c.env.incoming.socket.destroy();
  return new Response(null, { status: 204 });
}

function serverErrorResponse(status: number, body: "json" | "text"): Response {
  if (body === "text") {
    return new Response(`<html><body><h1>${status} Service Unavailable</h1></body></html>`, {
      status,
      headers: { "content-type": "text/html" },
    });
  }
  const key =
    status === 500 ? "http.status.internal_server_error" : "http.status.service_unavailable";
  return Response.json(
    [{ error_key: key, error_message: "The service is temporarily unavailable." }],
    {
      status,
    },
  );
}

/**
 * Reads a JSON body: 415 without `Content-Type: application/json` (CONTRACT conventions), 400 for
 * malformed JSON. Returns the value and the body size in bytes (for the 4 MB rule).
 */
export async function readJsonBody(
  c: Context<EmulatorEnv>,
): Promise<{ value: unknown; bytes: number }> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type.trim())) {
    throw apiError(
      415,
      "http.status.unsupported_media_type",
      "Content-Type must be application/json.",
    );
  }
  const buffer = Buffer.from(await c.req.arrayBuffer());
  try {
    return { value: JSON.parse(buffer.toString("utf8")) as unknown, bytes: buffer.length };
  } catch {
    throw apiError(400, "http.status.bad_request", "The request body is not valid JSON.");
  }
}

/** Query parameters as a plain object (first value of each). */
export function queryOf(c: Context<EmulatorEnv>): Record<string, string> {
  return c.req.query();
}

/** Turns thrown errors into responses: {@link EmulatorHttpError} as-is, anything else a 500 array. */
export function errorResponse(error: unknown): Response {
  if (error instanceof EmulatorHttpError) {
    return Response.json(error.body, { status: error.status, headers: error.headers });
  }
  return Response.json(
    [{ error_key: "http.status.internal_server_error", error_message: String(error) }],
    { status: 500 },
  );
}
