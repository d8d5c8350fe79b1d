/**
 * Keeps idle connections alive: a connection whose refresh token has not been used for
 * `connections.idleRefreshDays` is refreshed (and the rotated token stored) before Constant
 * Contact's 180-day expiry of unused tokens (CONTRACT §5). A token Constant Contact refuses marks
 * the connection `needs-reauthorisation` (the token store does) and admins get a notice.
 */
import type { Logger } from "pino";
import { ConnectionTokenStore } from "../adapters/connection-token-store.ts";
import { isIdleRefreshDue } from "../core/refresh-token-age.ts";
import { CtctReauthorizationNeededError } from "../ctct/errors.ts";
import { TokenRefresher } from "../ctct/token-refresher.ts";
import type { CtctSettings } from "../export/connection-client.ts";
import { openCredentials } from "../secrets/connection-credentials.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import type { Store } from "../store/store.ts";
import type { FailureNotifier } from "./failure-notice.ts";

export interface IdleRefreshDependencies {
  store: Store;
  secretBox: SecretBox;
  ctct: Pick<CtctSettings, "tokenUrl">;
  notifier: FailureNotifier;
  logger: Logger;
  /** Refresh a connection whose refresh token was last used this many days ago. */
  idleRefreshDays: number;
  /** The clock. @default () => new Date() */
  now?: () => Date;
}

/** What one sweep did, by connection name. */
export interface IdleRefreshReport {
  refreshed: string[];
  needsReauthorisation: string[];
  /** Refreshes that failed for a passing reason (network, 5xx); tried again next sweep. */
  failed: string[];
}

/** Refreshes every connected connection whose refresh token is idle for too long. */
export async function refreshIdleConnections(
  deps: IdleRefreshDependencies,
): Promise<IdleRefreshReport> {
  const now = deps.now ?? (() => new Date());
  const report: IdleRefreshReport = { refreshed: [], needsReauthorisation: [], failed: [] };
  for (const connection of await deps.store.listConnections()) {
    if (connection.status !== "connected") continue;
    if (!isIdleRefreshDue(connection.refreshTokenRefreshedAt, now(), deps.idleRefreshDays)) {
      continue;
    }
    try {
      const credentials = openCredentials(deps.secretBox, connection);
      // A refresher of its own, not the process-wide one: that one may hold a fresh access token
      // and would not use the refresh token at all.
      const refresher = new TokenRefresher(
        new ConnectionTokenStore(deps.store, deps.secretBox, connection, { now }),
        {
          clientId: credentials.clientId,
          clientSecret: credentials.clientSecret,
          tokenUrl: deps.ctct.tokenUrl,
        },
        { now: () => now().getTime() },
      );
      await refresher.refresh();
      report.refreshed.push(connection.name);
      deps.logger.info({ connection: connection.name }, "refreshed an idle connection");
    } catch (error) {
      if (error instanceof CtctReauthorizationNeededError) {
        report.needsReauthorisation.push(connection.name);
        deps.logger.warn(
          { connection: connection.name },
          "an idle connection's refresh token was refused; it needs `ccx connect` again",
        );
        await deps.notifier.notify({
          event: "connection.needs-reauthorisation",
          connection: connection.name,
          reason: "Constant Contact refused the refresh token (invalid_grant)",
          refreshTokenRefreshedAt: connection.refreshTokenRefreshedAt,
          at: now().toISOString(),
        });
      } else {
        report.failed.push(connection.name);
        deps.logger.warn(
          { connection: connection.name, code: (error as { code?: unknown }).code },
          "could not refresh an idle connection; trying again at the next check",
        );
      }
    }
  }
  return report;
}

/** A running idle-refresh loop. */
export interface RunningIdleRefresh {
  close(): Promise<void>;
}

/** Sweeps at start and every `intervalMs` after the previous sweep ended. */
export function startIdleRefresh(
  deps: IdleRefreshDependencies,
  intervalMs: number,
): RunningIdleRefresh {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = refreshIdleConnections(deps)
      .catch((error: unknown) => deps.logger.warn({ err: error }, "idle connection check failed"))
      .finally(() => {
        if (!closed) timer = setTimeout(sweep, intervalMs).unref();
      });
  };
  sweep();
  return {
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await sweeping;
    },
  };
}
