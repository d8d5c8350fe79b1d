/**
 * OAuth2 with Constant Contact (CONTRACT §5): the consent URL, the authorization-code exchange
 * used by `ccx connect`, and the refresh grant. Client secrets and tokens never appear in errors.
 */
import { createHash, randomBytes } from "node:crypto";
import { request } from "undici";
import type { Dispatcher } from "undici";
import { z } from "zod";
import { DEFAULT_AUTHORIZE_URL, DEFAULT_TOKEN_URL } from "./endpoints.ts";
import { CtctApiError, parseErrorBody, redactPersonalData } from "./errors.ts";
import { describeTransportError, isTransportError } from "./transport-errors.ts";

/**
 * Scopes ccx asks for: `contact_data` (lists, contacts, activities, custom fields),
 * `offline_access` (without it no refresh token is issued, CONTRACT §7.11) and `account_read`.
 */
export const DEFAULT_SCOPES: readonly string[] = ["contact_data", "offline_access", "account_read"];

/** An application key and its secret. */
export interface OAuthApp {
  clientId: string;
  /** Secret; only ever sent in the `Authorization` header of the token endpoint. */
  clientSecret: string;
  /** @default DEFAULT_TOKEN_URL (the real service) */
  tokenUrl?: string | undefined;
  /** undici dispatcher for the token endpoint. @default undici's global dispatcher */
  dispatcher?: Dispatcher | undefined;
  /** Timeout of one token request, in ms. @default 30_000 */
  timeoutMs?: number | undefined;
}

/** What the token endpoint grants. */
export interface TokenGrant {
  accessToken: string;
  /** Absent when `offline_access` was not granted. */
  refreshToken: string | undefined;
  /** Now + `expires_in` seconds (relative seconds, CONTRACT §5). */
  accessTokenExpiresAt: Date;
  scope: string | undefined;
}

/**
 * The consent page URL to send a person to.
 * @example buildAuthorizeUrl({ clientId, redirectUri: "http://localhost:5555/callback", state })
 */
export function buildAuthorizeUrl(options: {
  clientId: string;
  /** Must match a registered redirect URI exactly. */
  redirectUri: string;
  /** Random value echoed back, checked by the caller against CSRF. */
  state: string;
  /** @default DEFAULT_SCOPES */
  scopes?: readonly string[];
  /** @default DEFAULT_AUTHORIZE_URL (the real service) */
  authorizeUrl?: string;
  /** PKCE: the S256 challenge of the verifier the code exchange will send ({@link createPkcePair}). */
  codeChallenge?: string;
}): string {
  const url = new URL(options.authorizeUrl ?? DEFAULT_AUTHORIZE_URL);
  url.searchParams.set("client_id", options.clientId);
  url.searchParams.set("redirect_uri", options.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", (options.scopes ?? DEFAULT_SCOPES).join(" "));
  url.searchParams.set("state", options.state);
  if (options.codeChallenge !== undefined) {
    url.searchParams.set("code_challenge", options.codeChallenge);
    url.searchParams.set("code_challenge_method", "S256");
  }
  return url.toString();
}

/**
 * A PKCE pair (RFC 7636, S256): a code intercepted on its way to the local callback is useless
 * without the verifier, which never leaves this process until the code exchange.
 */
export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Exchanges the `code` from the consent redirect for tokens (CONTRACT §1, code grant). */
export function exchangeAuthorizationCode(
  app: OAuthApp,
  code: string,
  redirectUri: string,
  now: () => number = Date.now,
  /** PKCE verifier whose challenge the consent URL carried. */
  codeVerifier?: string,
): Promise<TokenGrant> {
  return postTokenRequest(
    app,
    {
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      ...(codeVerifier === undefined ? {} : { code_verifier: codeVerifier }),
    },
    now,
  );
}

/** Spends `refreshToken` for a new access token (and, in rotating mode, a new refresh token). */
export function refreshAccessToken(
  app: OAuthApp,
  refreshToken: string,
  now: () => number = Date.now,
): Promise<TokenGrant> {
  return postTokenRequest(app, { grant_type: "refresh_token", refresh_token: refreshToken }, now);
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
});

async function postTokenRequest(
  app: OAuthApp,
  form: Record<string, string>,
  now: () => number,
): Promise<TokenGrant> {
  const operation = `oauth_${form.grant_type ?? "token"}`;
  const timeout = app.timeoutMs ?? 30_000;
  const basic = Buffer.from(`${app.clientId}:${app.clientSecret}`).toString("base64");
  let response: Dispatcher.ResponseData;
  try {
    response = await request(app.tokenUrl ?? DEFAULT_TOKEN_URL, {
      method: "POST",
      headers: {
        authorization: `Basic ${basic}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams(form).toString(),
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(app.dispatcher === undefined ? {} : { dispatcher: app.dispatcher }),
    });
  } catch (error) {
    throw new CtctApiError(
      "CTCT_NETWORK_ERROR",
      `the Constant Contact token endpoint could not be reached (${describeTransportError(error)}); try again`,
      { operation },
      { cause: error, retryable: isTransportError(error) },
    );
  }
  const text = await response.body.text();
  const requestId = headerValue(response.headers, "x-request-id");
  if (response.statusCode !== 200) {
    const entry = parseErrorBody(text)[0];
    const errorKey = entry?.errorKey;
    const description = entry?.errorMessage ? `: ${redactPersonalData(entry.errorMessage)}` : "";
    throw new CtctApiError(
      "CTCT_OAUTH_FAILED",
      `the Constant Contact token endpoint answered HTTP ${response.statusCode}` +
        (errorKey ? ` ${errorKey}${description}` : "") +
        (errorKey === "invalid_client"
          ? "; the client id or secret is wrong (was the secret rotated?)"
          : ""),
      { operation, status: response.statusCode, errorKey, requestId },
      { retryable: response.statusCode === 429 || response.statusCode >= 500 },
    );
  }
  const parsed = tokenResponseSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    // The body holds tokens: report only which fields were wrong, never the values.
    throw new CtctApiError(
      "CTCT_UNEXPECTED_RESPONSE",
      `the Constant Contact token endpoint answered with an unexpected body (${parsed.error.issues
        .map((issue) => issue.path.join("."))
        .join(", ")})`,
      { operation, status: response.statusCode, requestId },
    );
  }
  return {
    accessToken: parsed.data.access_token,
    refreshToken: parsed.data.refresh_token || undefined,
    accessTokenExpiresAt: new Date(now() + parsed.data.expires_in * 1000),
    scope: parsed.data.scope,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** First value of a response header. */
export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
