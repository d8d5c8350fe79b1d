/**
 * The auth host (CONTRACT §1, §5): a local consent page that redirects with a code, and the token
 * endpoint with the authorization-code and refresh grants.
 */
import type { Context, Hono } from "hono";
import type { EmulatorContext } from "../context.ts";
import { registerRoute } from "../request-pipeline.ts";
import type { EmulatorEnv } from "../request-pipeline.ts";
import { oauthError } from "../http-errors.ts";
import { Account } from "../state/account.ts";
import { newAccountId } from "../ids.ts";

/** Scopes the consent page accepts. */
const knownScopes = new Set([
  "contact_data",
  "offline_access",
  "account_read",
  "campaign_data",
  "openid",
  "profile",
]);

/** The OAuth base path on the emulator (the real auth host's path). */
export const oauthBasePath = "/oauth2/default/v1";

/** Registers the authorize and token routes. */
export function registerOauthRoutes(app: Hono<EmulatorEnv>, ctx: EmulatorContext): void {
  registerRoute(app, ctx, {
    method: "GET",
    template: `${oauthBasePath}/authorize`,
    scope: undefined,
    handler: (c) => {
      const query = c.req.query();
      const problem = checkAuthorizeRequest(ctx, query);
      if (problem !== undefined) return problem;
      return c.html(consentPage(ctx, query));
    },
  });

  registerRoute(app, ctx, {
    method: "POST",
    template: `${oauthBasePath}/authorize`,
    scope: undefined,
    handler: async (c) => {
      const form = await readForm(c);
      const problem = checkAuthorizeRequest(ctx, form);
      if (problem !== undefined) return problem;
      const redirectUri = form.redirect_uri ?? "";
      if (form.decision !== "allow") {
        return redirectWith(c, redirectUri, { error: "access_denied", state: form.state });
      }
      let account = form.account_id === undefined ? undefined : ctx.accounts.get(form.account_id);
      if (account === undefined) account = firstOrNewAccount(ctx);
      const scopes = (form.scope ?? "").split(/\s+/).filter((scope) => scope !== "");
      const code = ctx.auth.createCode(
        form.client_id ?? "",
        account.id,
        redirectUri,
        scopes,
        ctx.clock.nowMs(),
        form.code_challenge,
      );
      return redirectWith(c, redirectUri, { code, state: form.state });
    },
  });

  registerRoute(app, ctx, {
    method: "POST",
    template: `${oauthBasePath}/token`,
    scope: undefined,
    handler: async (c) => {
      // CONTRACT §5: parameters may come in the form body or in the query string.
      const params = { ...c.req.query(), ...(await readForm(c)) };
      if (ctx.faults.tokenThrottleCalls > 0) {
        ctx.faults.tokenThrottleCalls -= 1;
        throw tooManyTokenRequests();
      }
      const basic = parseBasic(c.req.header("authorization"));
      const application = ctx.auth.authenticateClient(
        basic?.clientId ?? params.client_id,
        basic?.clientSecret ?? params.client_secret,
      );
      const nowMs = ctx.clock.nowMs();
      if (ctx.tokenLimiter?.take(application.clientId, nowMs) !== undefined) {
        throw tooManyTokenRequests();
      }
      const grant = params.grant_type;
      if (grant === undefined) throw oauthError(400, "invalid_request", "grant_type is required.");
      if (grant === "authorization_code") {
        if (params.code === undefined)
          throw oauthError(400, "invalid_request", "code is required.");
        return c.json(
          ctx.auth.exchangeCode(
            application,
            params.code,
            params.redirect_uri,
            nowMs,
            params.code_verifier,
          ),
        );
      }
      if (grant === "refresh_token") {
        if (params.refresh_token === undefined) {
          throw oauthError(400, "invalid_request", "refresh_token is required.");
        }
        return c.json(ctx.auth.refresh(application, params.refresh_token, nowMs));
      }
      throw oauthError(400, "unsupported_grant_type", `grant_type ${grant} is not supported.`);
    },
  });
}

function tooManyTokenRequests() {
  return oauthError(429, "too_many_requests", "Too many token requests; retry after a second.");
}

function checkAuthorizeRequest(
  ctx: EmulatorContext,
  query: Record<string, string>,
): Response | undefined {
  const app = query.client_id === undefined ? undefined : ctx.auth.apps.get(query.client_id);
  // Never redirect to an unverified URI: show the error on the page instead.
  if (app === undefined) return errorPage("Unknown client_id.");
  if (query.redirect_uri === undefined || !app.redirectUris.includes(query.redirect_uri)) {
    return errorPage("redirect_uri does not exactly match a registered redirect URI.");
  }
  if (query.response_type !== undefined && query.response_type !== "code") {
    return Response.redirect(
      withParams(query.redirect_uri, { error: "unsupported_response_type", state: query.state }),
      302,
    );
  }
  // PKCE (RFC 7636): the auth host supports S256 only, and a challenge is a SHA-256 in base64url.
  const pkceProblem =
    query.code_challenge === undefined
      ? query.code_challenge_method === undefined
        ? undefined
        : "code_challenge_method without code_challenge"
      : query.code_challenge_method !== "S256"
        ? "code_challenge_method must be S256"
        : /^[A-Za-z0-9_-]{43}$/.test(query.code_challenge)
          ? undefined
          : "code_challenge must be 43 base64url characters";
  if (pkceProblem !== undefined) {
    return Response.redirect(
      withParams(query.redirect_uri, {
        error: "invalid_request",
        error_description: pkceProblem,
        state: query.state,
      }),
      302,
    );
  }
  const scopes = (query.scope ?? "").split(/\s+/).filter((scope) => scope !== "");
  if (scopes.some((scope) => !knownScopes.has(scope))) {
    return Response.redirect(
      withParams(query.redirect_uri, { error: "invalid_scope", state: query.state }),
      302,
    );
  }
  return undefined;
}

function firstOrNewAccount(ctx: EmulatorContext): Account {
  const first = ctx.accounts.values().next();
  if (first.done !== true) return first.value;
  const account = new Account(newAccountId(), "Emulated account", "owner@example.com");
  ctx.accounts.set(account.id, account);
  return account;
}

function consentPage(ctx: EmulatorContext, query: Record<string, string>): string {
  const accounts = [...ctx.accounts.values()];
  const options =
    accounts.length === 0
      ? `<option value="">A new account</option>`
      : accounts
          .map(
            (account) =>
              `<option value="${escape(account.id)}">${escape(account.organizationName)} (${escape(account.id)})</option>`,
          )
          .join("");
  const hidden = [
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "response_type",
    "code_challenge",
    "code_challenge_method",
  ]
    .filter((name) => query[name] !== undefined)
    .map((name) => `<input type="hidden" name="${name}" value="${escape(query[name] ?? "")}">`)
    .join("");
  return `<!doctype html><html><head><title>Constant Contact emulator: consent</title></head><body>
<h1>Allow ${escape(query.client_id ?? "")} to access your account?</h1>
<p>Scopes: ${escape(query.scope ?? "")}</p>
<form method="post" action="${oauthBasePath}/authorize">${hidden}
<label>Account <select name="account_id">${options}</select></label>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>`;
}

function errorPage(message: string): Response {
  return new Response(
    `<!doctype html><html><body><h1>Authorization error</h1><p>${escape(message)}</p></body></html>`,
    {
      status: 400,
      headers: { "content-type": "text/html; charset=utf-8" },
    },
  );
}

function redirectWith(
  c: Context<EmulatorEnv>,
  uri: string,
  params: Record<string, string | undefined>,
): Response {
  return c.redirect(withParams(uri, params), 302);
}

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [key, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

async function readForm(c: Context<EmulatorEnv>): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded")) return {};
  const params = new URLSearchParams(await c.req.text());
  const form: Record<string, string> = {};
  for (const [key, value] of params) form[key] = value;
  return form;
}

function parseBasic(
  header: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return {
    clientId: decodeFormPart(decoded.slice(0, colon)),
    clientSecret: decodeFormPart(decoded.slice(colon + 1)),
  };
}

/** RFC 6749 §2.3.1 form-encodes Basic credentials; tolerate values that are not encoded. */
function decodeFormPart(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}

const htmlEntities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (char) => htmlEntities[char] ?? char);
}
