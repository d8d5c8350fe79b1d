/**
 * Prometheus metrics of one reconciler: the process defaults plus request counts and latencies
 * by route template (never by raw path, which would explode the label set).
 */
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export interface ApiMetrics {
  registry: Registry;
  middleware: ReturnType<typeof createMiddleware>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "ccx_" });
  const requests = new Counter({
    name: "ccx_http_requests_total",
    help: "HTTP requests handled, by method, route template and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "ccx_http_request_duration_seconds",
    help: "HTTP request duration in seconds, by method and route template",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const middleware = createMiddleware(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      // The last matched route is the handler's template, e.g. /v1/exports/:name.
      const route =
        c.res.status === 404 && c.req.routePath === "*" ? "unmatched" : safeRoutePath(c);
      const labels = { method: c.req.method, route };
      requests.inc({ ...labels, status: String(c.res.status) });
      duration.observe(labels, (performance.now() - started) / 1000);
    }
  });
  return { registry, middleware };
}

function safeRoutePath(c: Parameters<typeof routePath>[0]): string {
  try {
    return routePath(c, -1);
  } catch {
    return "unmatched";
  }
}
