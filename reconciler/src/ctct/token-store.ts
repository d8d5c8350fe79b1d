/**
 * Where a connection's OAuth tokens live. The client reads them through this interface and
 * writes every rotated pair back through it before using the new access token (CONTRACT §5);
 * the reconciler's database implements it, {@link InMemoryTokenStore} serves tests.
 */

/** The tokens of one connection (one Constant Contact account authorised for one app key). */
export interface ConnectionTokens {
  /** Bearer token for `/v3` calls. Secret. */
  accessToken: string;
  /** Token to get the next access token; may rotate on every use. Secret. */
  refreshToken: string;
  /** When the access token stops working (issue time + `expires_in`). */
  accessTokenExpiresAt: Date;
  /** Scopes granted, space-separated, when the token endpoint said. */
  scope?: string | undefined;
}

/** Persistence of one connection's tokens. */
export interface TokenStore {
  /**
   * Stable id of the connection. Refreshes are single-flight per id within a process, so two
   * clients of one connection never spend the same rotating refresh token.
   */
  readonly connectionId: string;
  /** The current tokens, or undefined when the connection was never authorised. */
  load(): Promise<ConnectionTokens | undefined>;
  /**
   * Replaces the tokens in one atomic write. Must be durable when it resolves: with rotating
   * refresh tokens the previous one is already dead, so a lost write means re-authorisation.
   */
  save(tokens: ConnectionTokens): Promise<void>;
  /** Records that the refresh token was rejected and a person must run `ccx connect` again. */
  markNeedsReauthorization(reason: string): Promise<void>;
}

/** A {@link TokenStore} in memory, for tests and one-off scripts. */
export class InMemoryTokenStore implements TokenStore {
  readonly connectionId: string;
  private tokens: ConnectionTokens | undefined;
  /** Every pair ever saved, oldest first (tests check that none was lost). */
  readonly history: ConnectionTokens[] = [];
  /** The reason given to {@link markNeedsReauthorization}, if it was called. */
  needsReauthorization: string | undefined;

  constructor(connectionId: string, initial?: ConnectionTokens) {
    this.connectionId = connectionId;
    this.tokens = initial === undefined ? undefined : { ...initial };
  }

  load(): Promise<ConnectionTokens | undefined> {
    return Promise.resolve(this.tokens === undefined ? undefined : { ...this.tokens });
  }

  save(tokens: ConnectionTokens): Promise<void> {
    this.tokens = { ...tokens };
    this.history.push({ ...tokens });
    this.needsReauthorization = undefined;
    return Promise.resolve();
  }

  markNeedsReauthorization(reason: string): Promise<void> {
    this.needsReauthorization = reason;
    return Promise.resolve();
  }
}
