/** Unauthenticated operational routes: liveness, readiness and metrics. */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppDependencies, AppEnv } from "./app-env.ts";
import type { ApiMetrics } from "./metrics.ts";

const StatusSchema = z.object({ status: z.enum(["ok", "unavailable"]) }).meta({ id: "Status" });

export const healthzRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness: the process answers",
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: StatusSchema } } },
  },
});

export const readyzRoute = createRoute({
  method: "get",
  path: "/readyz",
  summary: "Readiness: the store answers",
  responses: {
    200: { description: "Ready", content: { "application/json": { schema: StatusSchema } } },
    503: {
      description: "The store is unreachable",
      content: { "application/json": { schema: StatusSchema } },
    },
  },
});

export const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics",
  responses: {
    200: {
      description: "Metrics in the Prometheus text format",
      content: { "text/plain": { schema: z.string() } },
    },
  },
});

export function registerSystemRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: AppDependencies,
  metrics: ApiMetrics,
): void {
  app.openapi(healthzRoute, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readyzRoute, async (c) => {
    const ready = await deps.store.ping().catch((error: unknown) => {
      deps.logger.warn({ err: error }, "store is not reachable");
      return false;
    });
    return ready
      ? c.json({ status: "ok" as const }, 200)
      : c.json({ status: "unavailable" as const }, 503);
  });
  app.openapi(metricsRoute, async (c) => {
    const body = await metrics.registry.metrics();
    return c.text(body, 200, { "content-type": metrics.registry.contentType });
  });
}
