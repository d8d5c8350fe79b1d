/**
 * A Constant Contact client wired to a fresh emulator account on 127.0.0.1, for the ctct
 * integration suites. Each fixture has its own application key, account, token store and
 * limiter, so suites never share budget or tokens.
 */
import { startEmulator } from "../../emulator/index.ts";
import type { Emulator, StartEmulatorOptions } from "../../emulator/index.ts";
import { createCtctClient } from "../../reconciler/src/ctct/client.ts";
import type { CtctClient, CtctClientOptions } from "../../reconciler/src/ctct/client.ts";
import { RateLimiter } from "../../reconciler/src/ctct/rate-limiter.ts";
import type { RateLimiterOptions } from "../../reconciler/src/ctct/rate-limiter.ts";
import { TokenRefresher } from "../../reconciler/src/ctct/token-refresher.ts";
import { InMemoryTokenStore } from "../../reconciler/src/ctct/token-store.ts";

/** One emulator, one app, one account, tokens in memory. */
export interface CtctFixture {
  emulator: Emulator;
  clientId: string;
  clientSecret: string;
  accountId: string;
  store: InMemoryTokenStore;
  /** Creates a client of the fixture's connection; closed by `close()`. */
  client(overrides?: Partial<CtctClientOptions>): CtctClient;
  /** A refresher for the fixture's store (single flight within one refresher). */
  refresher: TokenRefresher;
  close(): Promise<void>;
}

let connectionSeq = 0;

/** Starts an emulator and connects one account. Fast retries; limiter pace as given. */
export async function startCtctFixture(
  options: StartEmulatorOptions & {
    limiter?: RateLimiterOptions;
    refreshTokenMode?: "rotating" | "long-lived";
  } = {},
): Promise<CtctFixture> {
  const emulator = await startEmulator({ host: "127.0.0.1", port: 0, ...options });
  const { clientId, clientSecret } = emulator.createApp({
    refreshTokenMode: options.refreshTokenMode ?? "rotating",
  });
  const { accountId } = emulator.createAccount({ organizationName: "ccx test" });
  const issued = emulator.issueTokens(clientId, accountId);
  connectionSeq += 1;
  const store = new InMemoryTokenStore(`fixture-${connectionSeq}-${clientId}`, {
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    accessTokenExpiresAt: new Date(Date.now() + issued.expiresIn * 1000),
  });
  const app = { clientId, clientSecret, tokenUrl: emulator.tokenUrl };
  const refresher = new TokenRefresher(store, app, { retryPolicy: { baseDelayMs: 50 } });
  const limiter = new RateLimiter(options.limiter ?? { requestsPerWindow: 4, windowMs: 1_100 });
  const clients: CtctClient[] = [];
  return {
    emulator,
    clientId,
    clientSecret,
    accountId,
    store,
    refresher,
    client(overrides = {}) {
      const client = createCtctClient({
        app: { clientId, clientSecret },
        tokenStore: store,
        apiBaseUrl: emulator.apiBaseUrl,
        tokenUrl: emulator.tokenUrl,
        limiter,
        refresher,
        retryPolicy: { baseDelayMs: 20, maxDelayMs: 500 },
        wait: { pollSchedule: { initialDelayMs: 20, maxDelayMs: 200 }, timeoutMs: 60_000 },
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await emulator.close();
    },
  };
}

/** `count` contacts `prefix-<i>@example.com` with first names. */
export async function* generatedContacts(
  count: number,
  prefix = "person",
  extra: { firstName?: string } = {},
): AsyncGenerator<{ email: string; firstName: string }> {
  for (let i = 0; i < count; i += 1) {
    yield { email: `${prefix}-${i}@example.com`, firstName: extra.firstName ?? `First${i}` };
  }
}
