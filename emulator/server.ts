/**
 * Builds the emulator: state, the Hono app with every route and the HTTP server, and assembles the
 * test API from fault-injection.ts, inspector.ts and seeding.ts.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { Hono } from "hono";
import { createAdaptorServer } from "@hono/node-server";
import type { Emulator, StartEmulatorOptions } from "./types.ts";
import type { EmulatorContext } from "./context.ts";
import { createFaultInjection } from "./fault-injection.ts";
import type { EmulatorEnv } from "./request-pipeline.ts";
import { errorResponse } from "./request-pipeline.ts";
import { VirtualClock } from "./clock.ts";
import { AuthStore } from "./auth.ts";
import { ActivityEngine } from "./activities.ts";
import { FaultState } from "./faults.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { apiError } from "./http-errors.ts";
import { createInspector } from "./inspector.ts";
import { createSeeding } from "./seeding.ts";
import { registerOauthRoutes } from "./routes/oauth.ts";
import { registerAccountRoutes } from "./routes/account.ts";
import { registerContactListRoutes } from "./routes/contact-lists.ts";
import { registerContactRoutes } from "./routes/contacts.ts";
import { registerActivityRoutes } from "./routes/activities.ts";
import { registerCustomFieldRoutes } from "./routes/custom-fields.ts";
import { registerControlRoutes } from "./routes/control.ts";

/** Route templates, for 405 versus 404 on unmatched requests. */
function templatePattern(template: string): RegExp {
  return new RegExp(`^${template.replace(/\{[a-z_]+\}/g, "[^/]+")}/?$`);
}

/** Creates the in-memory state and the Hono app (no listening socket). */
export function createEmulatorApp(
  options: StartEmulatorOptions = {},
  control?: () => Emulator,
): {
  app: Hono<EmulatorEnv>;
  ctx: EmulatorContext;
} {
  const clock = new VirtualClock(options.startTime ?? new Date(), options.frozenClock ?? false);
  const faults = new FaultState();
  const rateLimits = options.rateLimits ?? true;
  const ctx: EmulatorContext = {
    clock,
    auth: new AuthStore(),
    accounts: new Map(),
    faults,
    activities: new ActivityEngine({
      timing: options.activityTiming ?? "realistic",
      itemsPerSecond: () => faults.itemsPerSecond,
    }),
    limiter: rateLimits
      ? new RateLimiter()
      : new RateLimiter({ perSecond: Infinity, perDay: Infinity }),
    tokenLimiter: rateLimits ? new RateLimiter({ perSecond: 1, perDay: Infinity }) : undefined,
    requestLog: new Map(),
  };
  clock.onChange(() => ctx.activities.settle(clock.nowMs()));
  const app = new Hono<EmulatorEnv>();
  const templates: Array<{ method: string; pattern: RegExp }> = [];
  registerOauthRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
  registerContactListRoutes(app, ctx);
  registerContactRoutes(app, ctx);
  registerActivityRoutes(app, ctx);
  registerCustomFieldRoutes(app, ctx);
  if (control !== undefined) registerControlRoutes(app, control);
  for (const route of app.routes) {
    templates.push({
      method: route.method,
      pattern: templatePattern(route.path.replace(/:([a-z_]+)/g, "{$1}")),
    });
  }
  app.notFound((c) => {
    const path = c.req.path;
    const pathMatches = templates.filter((template) => template.pattern.test(path));
    const key = `${c.req.method} (unmatched)`;
    ctx.requestLog.set(key, (ctx.requestLog.get(key) ?? 0) + 1);
    if (pathMatches.length > 0) {
      return errorResponse(
        apiError(
          405,
          "http.status.method_not_allowed",
          `Method ${c.req.method} is not allowed on ${path}.`,
        ),
      );
    }
    return errorResponse(apiError(404, "http.status.not_found", `No resource at ${path}.`));
  });
  app.onError((error) => errorResponse(error));
  return { app, ctx };
}

/** Starts the HTTP server and returns the public {@link Emulator}. */
export async function startEmulatorServer(options: StartEmulatorOptions): Promise<Emulator> {
  // The control routes need the finished Emulator, which needs the server's URL first.
  const built: { emulator?: Emulator } = {};
  const { app, ctx } = createEmulatorApp(options, () => {
    if (built.emulator === undefined) throw new Error("The emulator is still starting.");
    return built.emulator;
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  built.emulator = buildEmulator(ctx, url, server);
  return built.emulator;
}

function buildEmulator(ctx: EmulatorContext, url: string, server: Server): Emulator {
  const faults = createFaultInjection(ctx);
  const inspect = createInspector(ctx);
  let closing: Promise<void> | undefined;
  return {
    url,
    apiBaseUrl: `${url}/v3`,
    tokenUrl: `${url}/oauth2/default/v1/token`,
    authorizeUrl: `${url}/oauth2/default/v1/authorize`,
    clock: {
      now: () => ctx.clock.now(),
      advance: (ms) => ctx.clock.advance(ms),
      set: (date) => ctx.clock.set(date),
    },
    faults,
    inspect,
    ...createSeeding(ctx),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
