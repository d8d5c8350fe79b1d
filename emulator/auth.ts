/**
 * OAuth2 state (CONTRACT §5): applications, authorization codes, access and refresh tokens, all
 * on the virtual clock. Every operation is synchronous, so a refresh is an atomic
 * compare-and-swap: of two concurrent refreshes with one rotating token exactly one wins.
 */
import { createHash } from "node:crypto";
import { newToken } from "./ids.ts";
import { oauthError } from "./http-errors.ts";

/** CONTRACT §5: refresh token behaviour, set per application. */
export type RefreshTokenMode = "rotating" | "long-lived";

/** An OAuth application (API key). */
export interface App {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  refreshTokenMode: RefreshTokenMode;
  /** A deactivated app gets 403 on every API call (CONTRACT §5). */
  deactivated: boolean;
  /** Scopes removed by a fault: calls needing them get 403. */
  droppedScopes: Set<string>;
}

/** An issued access token. */
export interface AccessTokenRecord {
  clientId: string;
  accountId: string;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
}

interface RefreshTokenRecord {
  clientId: string;
  accountId: string;
  scopes: string[];
  lastUsedAt: number;
  valid: boolean;
}

interface CodeRecord {
  clientId: string;
  accountId: string;
  redirectUri: string;
  scopes: string[];
  /** PKCE (RFC 7636) `code_challenge` of the consent request, S256 only; absent without PKCE. */
  codeChallenge: string | undefined;
  createdAt: number;
  used: boolean;
}

/** RFC 7636 §4.1: a verifier is 43–128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** The token response body (CONTRACT §1). */
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/** CONTRACT §5: access tokens live a fixed 24 h. */
export const accessTokenLifetimeSeconds = 86_400;
/** CONTRACT §1: codes live 5 min. */
export const codeLifetimeMs = 5 * 60_000;
/** CONTRACT §5: refresh tokens expire after 180 days unused. */
export const refreshTokenIdleMs = 180 * 86_400_000;
/** Scopes granted by `issueTokens` when none are given. */
export const defaultScopes = ["contact_data", "offline_access", "account_read"];

/** All OAuth state of one emulator. */
export class AuthStore {
  readonly apps = new Map<string, App>();
  readonly #codes = new Map<string, CodeRecord>();
  readonly #accessTokens = new Map<string, AccessTokenRecord>();
  readonly #refreshTokens = new Map<string, RefreshTokenRecord>();
  /** When set, a refresh revokes the access tokens issued earlier to the same grant. */
  revokeAccessTokensOnRefresh = false;

  /** Creates an authorization code for a consented request. */
  createCode(
    clientId: string,
    accountId: string,
    redirectUri: string,
    scopes: string[],
    nowMs: number,
    codeChallenge?: string,
  ): string {
    const code = newToken(24);
    this.#codes.set(code, {
      clientId,
      accountId,
      redirectUri,
      scopes,
      codeChallenge,
      createdAt: nowMs,
      used: false,
    });
    return code;
  }

  /**
   * Checks client credentials (Basic or form); bad ones are 401 `invalid_client` (CONTRACT §5).
   */
  authenticateClient(clientId: string | undefined, clientSecret: string | undefined): App {
    const app = clientId === undefined ? undefined : this.apps.get(clientId);
    if (app === undefined || clientSecret === undefined || app.clientSecret !== clientSecret) {
      throw oauthError(401, "invalid_client", "Client authentication failed.");
    }
    return app;
  }

  /**
   * The code grant: single use, 5 minutes, exact `redirect_uri` (CONTRACT §5). A code issued
   * with a PKCE challenge needs the `code_verifier` that hashes (S256) to it; a verifier for a
   * code issued without one is refused too. Any failure spends the code.
   */
  exchangeCode(
    app: App,
    code: string,
    redirectUri: string | undefined,
    nowMs: number,
    codeVerifier?: string,
  ): TokenResponse {
    const record = this.#codes.get(code);
    const stale =
      record === undefined ||
      record.used ||
      record.clientId !== app.clientId ||
      nowMs - record.createdAt > codeLifetimeMs ||
      record.redirectUri !== redirectUri;
    if (record !== undefined) record.used = true;
    if (stale) {
      throw oauthError(400, "invalid_grant", "The authorization code is invalid or has expired.");
    }
    if (record.codeChallenge === undefined && codeVerifier !== undefined) {
      throw oauthError(
        400,
        "invalid_request",
        "PKCE verification failed: a code_verifier was sent for a code issued without a code_challenge.",
      );
    }
    if (
      record.codeChallenge !== undefined &&
      (codeVerifier === undefined ||
        !CODE_VERIFIER.test(codeVerifier) ||
        createHash("sha256").update(codeVerifier).digest("base64url") !== record.codeChallenge)
    ) {
      throw oauthError(
        400,
        "invalid_grant",
        "PKCE verification failed: the code_verifier is missing or does not match the code_challenge.",
      );
    }
    return this.issue(app.clientId, record.accountId, record.scopes, nowMs);
  }

  /**
   * The refresh grant. Rotating mode returns a new token and kills the one used; long-lived mode
   * returns the same value. Stale, reused or idle-expired tokens are 400 `invalid_grant`.
   */
  refresh(app: App, refreshToken: string, nowMs: number): TokenResponse {
    const record = this.#refreshTokens.get(refreshToken);
    if (
      record === undefined ||
      !record.valid ||
      record.clientId !== app.clientId ||
      nowMs - record.lastUsedAt > refreshTokenIdleMs
    ) {
      throw oauthError(400, "invalid_grant", "The refresh token is invalid or expired.");
    }
    if (this.revokeAccessTokensOnRefresh) {
      for (const token of this.#accessTokens.values()) {
        if (token.clientId === record.clientId && token.accountId === record.accountId) {
          token.revoked = true;
        }
      }
    }
    const access = this.#issueAccess(record.clientId, record.accountId, record.scopes, nowMs);
    let nextRefresh = refreshToken;
    if (app.refreshTokenMode === "rotating") {
      // CONTRACT §5: rotation kills the token used, with no grace window.
      record.valid = false;
      nextRefresh = this.#issueRefresh(record.clientId, record.accountId, record.scopes, nowMs);
    } else {
      record.lastUsedAt = nowMs;
    }
    return { ...access, refresh_token: nextRefresh };
  }

  /** Issues an access token, plus a refresh token when `offline_access` is granted. */
  issue(clientId: string, accountId: string, scopes: string[], nowMs: number): TokenResponse {
    const access = this.#issueAccess(clientId, accountId, scopes, nowMs);
    if (!scopes.includes("offline_access")) return access;
    return { ...access, refresh_token: this.#issueRefresh(clientId, accountId, scopes, nowMs) };
  }

  /** The record of a bearer token that is known, unrevoked and unexpired. */
  verifyAccessToken(token: string, nowMs: number): AccessTokenRecord | undefined {
    const record = this.#accessTokens.get(token);
    if (record === undefined || record.revoked || nowMs >= record.expiresAt) return undefined;
    return record;
  }

  /** Revokes one access token, or every token of `clientId` when `token` is undefined. */
  revokeAccessTokens(filter: { token?: string; clientId?: string }): number {
    return this.#mark(this.#accessTokens, filter, (record) => {
      record.revoked = true;
    });
  }

  /** Makes access tokens expire now (one token, one client's, or all). */
  expireAccessTokens(filter: { token?: string; clientId?: string }, nowMs: number): number {
    return this.#mark(this.#accessTokens, filter, (record) => {
      record.expiresAt = Math.min(record.expiresAt, nowMs);
    });
  }

  /** Revokes refresh tokens (one token, one client's, or all). */
  revokeRefreshTokens(filter: { token?: string; clientId?: string }): number {
    return this.#mark(this.#refreshTokens, filter, (record) => {
      record.valid = false;
    });
  }

  #mark<T extends { clientId: string }>(
    map: Map<string, T>,
    filter: { token?: string; clientId?: string },
    change: (record: T) => void,
  ): number {
    let count = 0;
    for (const [token, record] of map) {
      if (filter.token !== undefined && filter.token !== token) continue;
      if (filter.clientId !== undefined && filter.clientId !== record.clientId) continue;
      change(record);
      count += 1;
    }
    return count;
  }

  #issueAccess(
    clientId: string,
    accountId: string,
    scopes: string[],
    nowMs: number,
  ): TokenResponse {
    // CONTRACT §5: an opaque JWT; clients must not decode it, but it looks like one.
    const header = Buffer.from(JSON.stringify({ alg: "RS256", kid: "emulator" })).toString(
      "base64url",
    );
    const payload = Buffer.from(
      JSON.stringify({
        cid: clientId,
        platform_user_id: accountId,
        iat: Math.floor(nowMs / 1000),
        exp: Math.floor(nowMs / 1000) + accessTokenLifetimeSeconds,
        scp: scopes,
      }),
    ).toString("base64url");
    const token = `${header}.${payload}.${newToken(32)}`;
    this.#accessTokens.set(token, {
      clientId,
      accountId,
      scopes,
      expiresAt: nowMs + accessTokenLifetimeSeconds * 1000,
      revoked: false,
    });
    return {
      access_token: token,
      token_type: "Bearer",
      expires_in: accessTokenLifetimeSeconds,
      scope: scopes.join(" "),
    };
  }

  #issueRefresh(clientId: string, accountId: string, scopes: string[], nowMs: number): string {
    const token = newToken(32);
    this.#refreshTokens.set(token, { clientId, accountId, scopes, lastUsedAt: nowMs, valid: true });
    return token;
  }

  /** Pre-seeds a refresh or access token with a chosen value (for `ccx emulator` flags). */
  seedToken(
    kind: "access" | "refresh",
    token: string,
    clientId: string,
    accountId: string,
    scopes: string[],
    nowMs: number,
  ): void {
    if (kind === "refresh") {
      this.#refreshTokens.set(token, {
        clientId,
        accountId,
        scopes,
        lastUsedAt: nowMs,
        valid: true,
      });
    } else {
      this.#accessTokens.set(token, {
        clientId,
        accountId,
        scopes,
        expiresAt: nowMs + accessTokenLifetimeSeconds * 1000,
        revoked: false,
      });
    }
  }
}
