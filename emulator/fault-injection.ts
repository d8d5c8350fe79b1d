/**
 * The fault-injection API (CONTRACT §6) of a running emulator: each {@link EmulatorFaults}
 * method changes the fault settings, the limiters, the tokens or the activity queue that the
 * request pipeline consults.
 */
import type { EmulatorContext } from "./context.ts";
import { requireAccount, requireApp } from "./context.ts";
import { emailKey } from "./email.ts";
import type { EmulatorFaults } from "./faults.ts";
import { newToken } from "./ids.ts";

/** The `emulator.faults` object, acting on `ctx`. */
export function createFaultInjection(ctx: EmulatorContext): EmulatorFaults {
  return {
    throttleBurst({ calls, durationMs, clientId }) {
      const key = clientId ?? "*";
      if (calls !== undefined) ctx.faults.throttleCalls.set(key, calls);
      if (durationMs !== undefined)
        ctx.faults.throttleUntil.set(key, ctx.clock.nowMs() + durationMs);
      if (calls === undefined && durationMs === undefined) ctx.faults.throttleCalls.set(key, 1);
    },
    setDailyBudget(clientId, remaining) {
      ctx.limiter.setRemainingToday(clientId, remaining, ctx.clock.nowMs());
    },
    exhaustDailyQuota(clientId) {
      ctx.limiter.setRemainingToday(clientId, 0, ctx.clock.nowMs());
    },
    serverErrors(route, options = {}) {
      ctx.faults.addRouteFault(ctx.faults.serverErrors, route, options, {
        status: options.status ?? 503,
        body: options.body ?? "json",
      });
    },
    latency(route, options) {
      ctx.faults.addRouteFault(ctx.faults.latencies, route, options, { ms: options.ms });
    },
    dropConnections(route, options = {}) {
      ctx.faults.addRouteFault(ctx.faults.drops, route, options, {
        afterEffect: options.afterEffect ?? false,
      });
    },
    activityOutcome(fault) {
      ctx.faults.activityPlans.push({
        kind: fault.kind,
        remaining: fault.count ?? 1,
        plan: {
          outcome: fault.outcome,
          partialFraction: fault.partialEffects ?? 0,
          errors: fault.errors ?? [],
        },
      });
    },
    stuckActivities(options) {
      ctx.faults.activityPlans.push({
        kind: options.kind,
        remaining: options.count ?? 1,
        plan: { stuck: options.stage, stallPercent: options.percentDone ?? 50 },
      });
    },
    processingSpeed(itemsPerSecond) {
      ctx.faults.itemsPerSecond = itemsPerSecond;
    },
    forceRowOutcome(email, outcome) {
      if (outcome === undefined) ctx.faults.rowOutcomes.delete(emailKey(email));
      else ctx.faults.rowOutcomes.set(emailKey(email), outcome);
    },
    preloadActivities(accountId, count) {
      const account = requireAccount(ctx, accountId);
      for (let i = 0; i < count; i += 1) {
        ctx.activities.create(
          account,
          "contacts_json_import",
          0,
          { items_total_count: 0 },
          () => ({ status: { items_total_count: 0 }, errors: [] }),
          ctx.clock.nowMs(),
          { stuck: "initialized" },
        );
      }
    },
    expireAccessTokens(filter = {}) {
      return ctx.auth.expireAccessTokens(filter, ctx.clock.nowMs());
    },
    revokeAccessTokens(filter = {}) {
      return ctx.auth.revokeAccessTokens(filter);
    },
    revokeRefreshTokens(filter = {}) {
      return ctx.auth.revokeRefreshTokens(filter);
    },
    revokeAccessTokensOnRefresh(enabled) {
      ctx.auth.revokeAccessTokensOnRefresh = enabled;
    },
    rotateClientSecret(clientId, newSecret) {
      const app = requireApp(ctx, clientId);
      app.clientSecret = newSecret ?? newToken(24);
      return app.clientSecret;
    },
    deactivateApp(clientId, deactivated = true) {
      requireApp(ctx, clientId).deactivated = deactivated;
    },
    dropScope(clientId, scope) {
      requireApp(ctx, clientId).droppedScopes.add(scope);
    },
    throttleTokenEndpoint(calls) {
      ctx.faults.tokenThrottleCalls = calls;
    },
    invalidateCursors() {
      ctx.faults.cursorGeneration += 1;
    },
    setImportByteLimit(bytes) {
      ctx.faults.importByteLimit = bytes;
    },
    clear() {
      ctx.faults.clear();
      ctx.auth.revokeAccessTokensOnRefresh = false;
      for (const app of ctx.auth.apps.values()) {
        app.deactivated = false;
        app.droppedScopes.clear();
      }
    },
  };
}
