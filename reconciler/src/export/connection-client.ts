/**
 * A Constant Contact client for a stored connection: the application key from its encrypted
 * credentials, tokens from (and rotated back into) the store.
 */
import { ConnectionTokenStore } from "../adapters/connection-token-store.ts";
import { createCtctClient } from "../ctct/client.ts";
import type { CtctClient, CtctClientOptions } from "../ctct/client.ts";
import { openCredentials } from "../secrets/connection-credentials.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import type { ConnectionRecord, Store } from "../store/store.ts";

/** Where Constant Contact is, and client tuning. */
export interface CtctSettings {
  /** @default the real API */
  apiBaseUrl?: string | undefined;
  /** @default the real token endpoint */
  tokenUrl?: string | undefined;
  /** Extra client options (tests and benchmarks). */
  clientOptions?: Partial<Omit<CtctClientOptions, "app" | "tokenStore">> | undefined;
}

/** Builds the client of one connection. Call `close()` when done. */
export function createConnectionClient(
  store: Store,
  secretBox: SecretBox,
  connection: ConnectionRecord,
  settings: CtctSettings,
): CtctClient {
  const credentials = openCredentials(secretBox, connection);
  return createCtctClient({
    ...settings.clientOptions,
    app: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
    tokenStore: new ConnectionTokenStore(store, secretBox, connection),
    ...(settings.apiBaseUrl === undefined ? {} : { apiBaseUrl: settings.apiBaseUrl }),
    ...(settings.tokenUrl === undefined ? {} : { tokenUrl: settings.tokenUrl }),
  });
}

/** Requests a client has sent to Constant Contact, of every kind. */
export function requestsSent(client: CtctClient): number {
  return Object.values(client.requestCounts()).reduce((sum, count) => sum + count, 0);
}
