/**
 * The reconciler's HTTP API as a Hono app: build it with real or test dependencies, serve it with
 * `@hono/node-server`, or call it in-process with `app.request(...)`.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { AppError, NotFoundError } from "../core/errors.ts";
import type { AppDependencies, AppEnv } from "./app-env.ts";
import { authenticate } from "./authenticate.ts";
import { registerConnectionRoutes } from "./connections.ts";
import { createErrorHandler, errorBody, validationHook } from "./error-handler.ts";
import { registerExportRoutes } from "./exports.ts";
import { registerMeRoutes } from "./me.ts";
import { registerPlanRoutes, type ExportPlanner } from "./plans.ts";
import { createApiMetrics, type ApiMetrics } from "./metrics.ts";
import { registerRunRoutes } from "./runs.ts";
import { registerSourceRoutes } from "./sources.ts";
import { registerSchedulingRoutes, type SchedulingRouteOptions } from "./scheduling.ts";
import { registerSystemRoutes } from "./system.ts";
import { registerVersionRoutes, versionHandshake } from "./version.ts";
import { reconcilerIdentity } from "../package-identity.ts";
import { registerStatusPage } from "../ui/status-page.ts";

/** Default largest request body: 1 MiB. Definitions are a few kilobytes. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export interface ReconcilerApp {
  app: OpenAPIHono<AppEnv>;
  metrics: ApiMetrics;
}

export function createApp(
  deps: AppDependencies & SchedulingRouteOptions & { exportPlanner?: ExportPlanner | undefined },
): ReconcilerApp {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      validationHook(result);
    },
  });
  const metrics = createApiMetrics();
  const limit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;

  app.onError(createErrorHandler(deps.logger));
  app.notFound((c) =>
    c.json(
      errorBody(new NotFoundError(`no route for ${c.req.method} ${c.req.path}; see /openapi.json`)),
      404,
    ),
  );

  app.use("*", metrics.middleware);
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    const principal = c.get("principal") as AppEnv["Variables"]["principal"] | undefined;
    // Method, path, status and the token's *name* (`tokenName`, which the redaction of `token`
    // keys leaves alone): never headers or bodies.
    deps.logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(performance.now() - started),
        ...(principal === undefined ? {} : { tokenName: principal.name, role: principal.role }),
      },
      "request",
    );
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: limit,
      onError: () => {
        throw new AppError(
          "PAYLOAD_TOO_LARGE",
          `request body is larger than ${limit} bytes (server.bodyLimitBytes)`,
          { details: { limitBytes: limit } },
        );
      },
    }),
  );
  app.use("*", versionHandshake);
  app.use("/v1/*", authenticate(deps));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "A ccx API token (`ccx_…`), created with `ccx token create`",
  });

  registerSystemRoutes(app, deps, metrics);
  registerVersionRoutes(app);
  registerConnectionRoutes(app, deps);
  registerSourceRoutes(app, deps);
  registerExportRoutes(app, deps);
  registerRunRoutes(app, deps);
  registerPlanRoutes(app, deps);
  registerSchedulingRoutes(app, deps, deps);
  registerMeRoutes(app, deps);
  registerStatusPage(app);

  app.doc("/openapi.json", {
    openapi: "3.0.3",
    info: {
      title: "ccx reconciler API",
      version: reconcilerIdentity().split("@").at(-1) ?? "unknown",
      description:
        "Connections to Constant Contact and segment exports, declared by Pulumi stacks. Errors " +
        "are `{ error: { code, message, details } }`.",
    },
  });
  return { app, metrics };
}
