/**
 * The Constant Contact client's {@link TokenStore} for a stored connection: tokens live in the
 * connection's encrypted credentials, every rotated pair is written back (durably, in one
 * statement) before the client uses it, and a rejected refresh token marks the connection
 * `needs-reauthorisation`.
 */
import { NotFoundError } from "../core/errors.ts";
import type { ConnectionTokens, TokenStore } from "../ctct/index.ts";
import {
  openCredentials,
  sealCredentials,
  type StoredCredentials,
} from "../secrets/connection-credentials.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import type { ConnectionRecord, Store } from "../store/store.ts";

export class ConnectionTokenStore implements TokenStore {
  readonly connectionId: string;
  readonly #store: Store;
  readonly #secretBox: SecretBox;
  readonly #name: string;

  readonly #now: () => Date;

  constructor(
    store: Store,
    secretBox: SecretBox,
    connection: Pick<ConnectionRecord, "id" | "name">,
    options: {
      /** The clock that stamps each use of the refresh token. @default () => new Date() */
      now?: () => Date;
    } = {},
  ) {
    this.#store = store;
    this.#secretBox = secretBox;
    this.#name = connection.name;
    this.connectionId = connection.id;
    this.#now = options.now ?? (() => new Date());
  }

  async load(): Promise<ConnectionTokens | undefined> {
    const record = await this.#store.getConnection(this.#name);
    if (record === undefined || record.id !== this.connectionId) return undefined;
    const stored = openCredentials(this.#secretBox, record);
    return {
      accessToken: stored.accessToken ?? "",
      refreshToken: stored.refreshToken,
      // No access token yet: already expired, so the first call refreshes.
      accessTokenExpiresAt: new Date(stored.accessTokenExpiresAt ?? 0),
      ...(stored.scope === undefined ? {} : { scope: stored.scope }),
    };
  }

  async save(tokens: ConnectionTokens): Promise<void> {
    await this.#store.transaction(async (tx) => {
      const record = await tx.getConnection(this.#name, { forUpdate: true });
      if (record === undefined || record.id !== this.connectionId) {
        throw new NotFoundError(
          `connection '${this.#name}' was deleted while its tokens were refreshed`,
        );
      }
      const stored = openCredentials(this.#secretBox, record);
      const next: StoredCredentials = {
        clientId: stored.clientId,
        clientSecret: stored.clientSecret,
        refreshToken: tokens.refreshToken,
        accessToken: tokens.accessToken,
        accessTokenExpiresAt: tokens.accessTokenExpiresAt.toISOString(),
        ...(tokens.scope === undefined ? {} : { scope: tokens.scope }),
      };
      // Sealing again also moves the secret to the active key when keys were rotated.
      const sealed = sealCredentials(this.#secretBox, this.#name, next);
      // Every save follows a refresh: the refresh token was used now, which restarts Constant
      // Contact's 180-day expiry of unused tokens (also in long-lived mode).
      await tx.replaceConnectionCredentials(this.#name, sealed, "connected", {
        refreshTokenUsedAt: this.#now(),
      });
    });
  }

  async markNeedsReauthorization(reason: string): Promise<void> {
    await this.#store.transaction(async (tx) => {
      await tx.setConnectionStatus(this.#name, "needs-reauthorisation");
      await tx.appendAudit({
        actorName: "reconciler",
        actorRole: "system",
        action: "connection.needs-reauthorisation",
        targetType: "connection",
        targetName: this.#name,
        details: { reason },
      });
    });
  }
}
