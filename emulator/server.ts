/** Builds the emulator: state, the Hono app with every route, the HTTP server and the test API. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { Hono } from "hono";
import { createAdaptorServer } from "@hono/node-server";
import type { Emulator, StartEmulatorOptions } from "./types.ts";
import type { EmulatorContext } from "./context.ts";
import { requireAccount, requireApp } from "./context.ts";
import { createFaultInjection } from "./fault-injection.ts";
import type { EmulatorEnv } from "./request-pipeline.ts";
import { errorResponse } from "./request-pipeline.ts";
import { VirtualClock } from "./clock.ts";
import { AuthStore, defaultScopes } from "./auth.ts";
import { ActivityEngine } from "./activities.ts";
import { FaultState } from "./faults.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { Account } from "./state/account.ts";
import { permissions } from "./state/contact-store.ts";
import { newAccountId, newToken, newUuid } from "./ids.ts";
import { validateEmail } from "./email.ts";
import { apiError } from "./http-errors.ts";
import { createInspector } from "./inspector.ts";
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
  const settle = (): void => ctx.activities.settle(ctx.clock.nowMs());
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
    createApp(options = {}) {
      const clientId = options.clientId ?? newUuid();
      const clientSecret = options.clientSecret ?? newToken(24);
      ctx.auth.apps.set(clientId, {
        clientId,
        clientSecret,
        redirectUris: options.redirectUris ?? ["http://localhost/callback"],
        refreshTokenMode: options.refreshTokenMode ?? "rotating",
        deactivated: false,
        droppedScopes: new Set(),
      });
      return { clientId, clientSecret };
    },
    createAccount(options = {}) {
      const accountId = options.accountId ?? newAccountId();
      if (ctx.accounts.has(accountId)) throw new Error(`Account ${accountId} already exists.`);
      const account = new Account(
        accountId,
        options.organizationName ?? "Emulated account",
        options.contactEmail ?? "owner@example.com",
      );
      ctx.accounts.set(account.id, account);
      return { accountId: account.id };
    },
    issueTokens(clientId, accountId, options = {}) {
      requireApp(ctx, clientId);
      requireAccount(ctx, accountId);
      const scopes = options.scopes ?? defaultScopes;
      const nowMs = ctx.clock.nowMs();
      const response = ctx.auth.issue(clientId, accountId, scopes, nowMs);
      let accessToken = response.access_token;
      let refreshToken = response.refresh_token ?? "";
      if (options.accessToken !== undefined) {
        ctx.auth.revokeAccessTokens({ token: accessToken });
        accessToken = options.accessToken;
        ctx.auth.seedToken("access", accessToken, clientId, accountId, scopes, nowMs);
      }
      if (options.refreshToken !== undefined && refreshToken !== "") {
        ctx.auth.revokeRefreshTokens({ token: refreshToken });
        refreshToken = options.refreshToken;
        ctx.auth.seedToken("refresh", refreshToken, clientId, accountId, scopes, nowMs);
      }
      return { accessToken, refreshToken, expiresIn: response.expires_in };
    },
    seedContact(accountId, contact) {
      settle();
      const account = requireAccount(ctx, accountId);
      const email = validateEmail(contact.email, "contact");
      if (email === undefined)
        throw new Error("seedContact: the email is not valid under CONTRACT §2.4");
      const nowMs = ctx.clock.nowMs();
      const contacts = account.contacts;
      const permission = permissions.indexOf(contact.permission ?? "implicit");
      let index = contacts.findByEmail(email);
      if (index === undefined) index = contacts.create(email, nowMs, permission);
      contacts.permission[index] = permission;
      if (contact.firstName !== undefined) contacts.firstName[index] = contact.firstName;
      if (contact.lastName !== undefined) contacts.lastName[index] = contact.lastName;
      if (contact.permission === "explicit") contacts.extrasFor(index).optInSource = "Contact";
      if (contact.permission === "unsubscribed" || contact.optOutSource !== undefined) {
        const extras = contacts.extrasFor(index);
        extras.optOutSource = contact.optOutSource ?? "Contact";
        extras.optOutDate = nowMs;
      }
      for (const listId of contact.listIds ?? []) {
        const list = account.lists.get(listId.toLowerCase());
        if (list === undefined) throw new Error(`seedContact: unknown list ${listId}`);
        account.addMember(list, index);
      }
      if (contact.deleted === true) account.deleteContact(index, nowMs);
      return { contactId: contacts.idOf(index) };
    },
    seedList(accountId, options) {
      const account = requireAccount(ctx, accountId);
      const list = account.createList(options.name, options.description, false, ctx.clock.nowMs());
      return { listId: list.id };
    },
    seedCustomField(accountId, options) {
      const account = requireAccount(ctx, accountId);
      const field = account.createCustomField(
        options.label,
        options.type ?? "string",
        ctx.clock.nowMs(),
      );
      return { customFieldId: field.id, name: field.name };
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
