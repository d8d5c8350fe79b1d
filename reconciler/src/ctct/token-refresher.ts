/**
 * Keeps a connection's access token fresh (CONTRACT §5). One refresh at a time per connection in
 * this process (single flight): with rotating refresh tokens two concurrent refreshes would spend
 * the same token and one would lose. The rotated pair is saved through the {@link TokenStore}
 * before anyone uses the new access token, so a crash can never leave only a dead token stored.
 */
import { CtctApiError, CtctReauthorizationNeededError } from "./errors.ts";
import { refreshAccessToken } from "./oauth.ts";
import type { OAuthApp } from "./oauth.ts";
import { backoffDelay, resolveRetryPolicy } from "./retry-policy.ts";
import type { RetryPolicyOptions } from "./retry-policy.ts";
import type { ConnectionTokens, TokenStore } from "./token-store.ts";

/** Options of {@link TokenRefresher}. */
export interface TokenRefresherOptions {
  /** Refresh when the access token expires within this many ms. @default 300_000 (5 min, CONTRACT §5) */
  refreshWindowMs?: number;
  /** Backoff for 429/5xx/network failures of the token endpoint. @default resolveRetryPolicy({ maxRetries: 4 }) */
  retryPolicy?: RetryPolicyOptions;
  /** Clock in epoch ms. @default Date.now */
  now?: () => number;
  /** @default a `setTimeout` promise */
  sleep?: (ms: number) => Promise<void>;
}

/** Hands out valid access tokens for one connection. */
export class TokenRefresher {
  private readonly store: TokenStore;
  private readonly app: OAuthApp;
  private readonly refreshWindowMs: number;
  private readonly retryPolicyOptions: RetryPolicyOptions;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private current: ConnectionTokens | undefined;
  private inFlight: Promise<ConnectionTokens> | undefined;
  private refreshCount = 0;

  constructor(store: TokenStore, app: OAuthApp, options: TokenRefresherOptions = {}) {
    this.store = store;
    this.app = app;
    this.refreshWindowMs = options.refreshWindowMs ?? 300_000;
    this.retryPolicyOptions = { maxRetries: 4, ...options.retryPolicy };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Refreshes performed by this refresher (for tests and metrics). */
  get refreshes(): number {
    return this.refreshCount;
  }

  /**
   * A usable access token: the stored one, or a fresh one when it expires within the refresh
   * window (proactive refresh, CONTRACT §5).
   * @throws CtctReauthorizationNeededError when the refresh token was rejected.
   */
  async accessToken(): Promise<string> {
    if (this.inFlight !== undefined) return (await this.inFlight).accessToken;
    this.current ??= await this.loadOrThrow();
    if (this.current.accessTokenExpiresAt.getTime() - this.now() > this.refreshWindowMs) {
      return this.current.accessToken;
    }
    return (await this.refresh()).accessToken;
  }

  /**
   * Called after a 401 for `rejectedAccessToken`: refreshes unless someone already replaced that
   * token, and returns the token to retry with.
   */
  async accessTokenAfterUnauthorized(rejectedAccessToken: string): Promise<string> {
    if (this.inFlight !== undefined) return (await this.inFlight).accessToken;
    if (this.current !== undefined && this.current.accessToken !== rejectedAccessToken) {
      return this.current.accessToken;
    }
    return (await this.refresh()).accessToken;
  }

  /** Starts a refresh, or joins the one already running. */
  refresh(): Promise<ConnectionTokens> {
    this.inFlight ??= this.refreshOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async refreshOnce(): Promise<ConnectionTokens> {
    // Read the store, not the cache: another process may have rotated the pair already.
    const stored = await this.loadOrThrow();
    if (this.current !== undefined && stored.accessToken !== this.current.accessToken) {
      const fresh = stored.accessTokenExpiresAt.getTime() - this.now() > this.refreshWindowMs;
      if (fresh) {
        this.current = stored;
        return stored;
      }
    }
    const policy = resolveRetryPolicy(this.retryPolicyOptions);
    for (let attempt = 0; ; attempt += 1) {
      try {
        const grant = await refreshAccessToken(this.app, stored.refreshToken, this.now);
        const next: ConnectionTokens = {
          accessToken: grant.accessToken,
          // Long-lived mode returns the same token; a missing one means "keep the current".
          refreshToken: grant.refreshToken ?? stored.refreshToken,
          accessTokenExpiresAt: grant.accessTokenExpiresAt,
          scope: grant.scope ?? stored.scope,
        };
        // Persist first (CONTRACT §5): the old refresh token is dead from this moment.
        await this.store.save(next);
        this.current = next;
        this.refreshCount += 1;
        return next;
      } catch (error) {
        if (error instanceof CtctApiError && error.errorKey === "invalid_grant") {
          return this.afterInvalidGrant(stored, error);
        }
        const retryable = error instanceof CtctApiError && error.retryable;
        if (!retryable || attempt >= policy.maxRetries) throw error;
        await this.sleep(backoffDelay(policy, attempt));
      }
    }
  }

  /**
   * `invalid_grant`: unless another process rotated the pair meanwhile (its tokens are then in
   * the store), the connection needs a person to run `ccx connect` again.
   */
  private async afterInvalidGrant(
    used: ConnectionTokens,
    cause: CtctApiError,
  ): Promise<ConnectionTokens> {
    const latest = await this.store.load();
    if (latest !== undefined && latest.refreshToken !== used.refreshToken) {
      this.current = latest;
      return latest;
    }
    await this.store.markNeedsReauthorization(
      "Constant Contact rejected the refresh token (invalid_grant)",
    );
    throw new CtctReauthorizationNeededError(
      { operation: cause.operation, status: cause.status, errorKey: "invalid_grant" },
      { cause },
    );
  }

  private async loadOrThrow(): Promise<ConnectionTokens> {
    const tokens = await this.store.load();
    if (tokens === undefined) {
      throw new CtctReauthorizationNeededError({ operation: "load_tokens" });
    }
    return tokens;
  }
}

const refreshers = new Map<string, TokenRefresher>();

/**
 * The process-wide refresher of a connection, keyed by application key and connection id, so all
 * clients of one connection share one single-flight refresh.
 */
export function sharedTokenRefresher(
  store: TokenStore,
  app: OAuthApp,
  options?: TokenRefresherOptions,
): TokenRefresher {
  const key = `${app.clientId}\u0000${store.connectionId}`;
  let refresher = refreshers.get(key);
  if (refresher === undefined) {
    refresher = new TokenRefresher(store, app, options);
    refreshers.set(key, refresher);
  }
  return refresher;
}
