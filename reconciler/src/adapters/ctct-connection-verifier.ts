/**
 * The real {@link ConnectionVerifier}: spends the refresh token once (Constant Contact rotates
 * it), reads the account summary with the new access token, and hands back the account and the
 * rotated refresh token for the reconciler to keep.
 */
import { randomUUID } from "node:crypto";
import type {
  ConnectionVerifier,
  ConstantContactCredentials,
  VerifiedAccount,
} from "../core/connection-verifier.ts";
import { AppError } from "../core/errors.ts";
import { createCtctClient, InMemoryTokenStore, TokenRefresher } from "../ctct/index.ts";

export interface CtctVerifierOptions {
  /** @default the real Constant Contact API (the client's default) */
  apiBaseUrl?: string | undefined;
  /** @default the real Constant Contact token endpoint (the client's default) */
  tokenUrl?: string | undefined;
}

export function createCtctConnectionVerifier(
  options: CtctVerifierOptions = {},
): ConnectionVerifier {
  return {
    async verify(credentials: ConstantContactCredentials): Promise<VerifiedAccount> {
      const app = {
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        ...(options.tokenUrl === undefined ? {} : { tokenUrl: options.tokenUrl }),
      };
      // An access token that is already expired makes the first call refresh, which is the
      // check we want: the refresh token and the client secret are both exercised.
      const tokenStore = new InMemoryTokenStore(`verify-${randomUUID()}`, {
        accessToken: "",
        refreshToken: credentials.refreshToken,
        accessTokenExpiresAt: new Date(0),
      });
      const client = createCtctClient({
        app: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
        tokenStore,
        refresher: new TokenRefresher(tokenStore, app),
        ...(options.apiBaseUrl === undefined ? {} : { apiBaseUrl: options.apiBaseUrl }),
        ...(options.tokenUrl === undefined ? {} : { tokenUrl: options.tokenUrl }),
      });
      try {
        const summary = await client.accountSummary();
        if (summary.encodedAccountId === undefined) {
          throw new AppError(
            "CTCT_ACCOUNT_UNKNOWN",
            "the Constant Contact account summary has no account id; grant the account_read scope",
          );
        }
        const latest = await tokenStore.load();
        const rotated = latest?.refreshToken;
        return {
          accountId: summary.encodedAccountId,
          organizationName: summary.organizationName ?? "",
          ...(rotated !== undefined && rotated !== credentials.refreshToken
            ? { rotatedRefreshToken: rotated }
            : {}),
        };
      } finally {
        await client.close();
      }
    },
  };
}
