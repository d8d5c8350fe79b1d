/**
 * Constant Contact expires a refresh token that goes unused for 180 days (CONTRACT §5), rotating
 * or long-lived. A connection whose exports are paused that long would die silently, so the
 * reconciler refreshes a connection once its token has been idle for a configured number of
 * days, well inside that window.
 */

/** Constant Contact's limit: a refresh token unused this long is refused (`invalid_grant`). */
export const REFRESH_TOKEN_IDLE_LIMIT_DAYS = 180;

const DAY_MS = 86_400_000;

/** Whole days since the refresh token was last used (never below 0). */
export function refreshTokenAgeDays(refreshedAt: string | Date, now: Date): number {
  const at = typeof refreshedAt === "string" ? new Date(refreshedAt) : refreshedAt;
  return Math.max(0, Math.floor((now.getTime() - at.getTime()) / DAY_MS));
}

/** True when a token last used at `refreshedAt` should be refreshed now. */
export function isIdleRefreshDue(
  refreshedAt: string | Date,
  now: Date,
  idleRefreshDays: number,
): boolean {
  const at = typeof refreshedAt === "string" ? new Date(refreshedAt) : refreshedAt;
  return now.getTime() - at.getTime() >= idleRefreshDays * DAY_MS;
}
