/**
 * The route table: every API route declares the one action it needs, and the same declaration
 * installs the one role check. Tests build the route × role matrix from this table and the
 * permission table.
 */
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { z } from "zod";
import { ForbiddenError } from "../core/errors.ts";
import { forbiddenMessage, isAllowed, type Action } from "../core/permissions.ts";
import type { AppEnv } from "./app-env.ts";
import { errorResponses } from "./error-handler.ts";
import { OriginHeadersSchema } from "../../../contract/common.ts";

export interface RouteEntry {
  method: RouteConfig["method"];
  /** OpenAPI path, e.g. `/v1/connections/{name}`. */
  path: string;
  action: Action;
  /** What the route does, for the 403 message: "creating or changing a connection". */
  doing: string;
}

/** An OpenAPI JSON body of `schema` (request or response `content`). */
export const json = <S extends z.ZodType>(schema: S) => ({ "application/json": { schema } });

/** Every protected route, in registration order. */
export const routeTable: RouteEntry[] = [];

/** The role check of one route. */
export function requirePermission(action: Action, doing: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { role } = c.get("principal");
    if (!isAllowed(role, action)) {
      throw new ForbiddenError(forbiddenMessage(doing, action, role), {
        details: { action, role },
      });
    }
    await next();
  });
}

/**
 * Declares a protected route: documented with bearer authentication and the shared error
 * responses, checked against the permission table, and listed in {@link routeTable}.
 */
export function protectedRoute<const R extends Omit<RouteConfig, "middleware" | "security">>(
  action: Action,
  doing: string,
  config: R,
) {
  routeTable.push({ method: config.method, path: config.path, action, doing });
  // Every protected route documents (and validates) the optional Pulumi origin headers.
  const request = {
    ...config.request,
    headers: OriginHeadersSchema,
  } as (R["request"] extends object ? R["request"] : object) & {
    headers: typeof OriginHeadersSchema;
  };
  return createRoute({
    ...config,
    request,
    description: `${config.description ?? ""}\n\nNeeds: \`${action}\`.`.trim(),
    security: [{ bearerAuth: [] }],
    middleware: [requirePermission(action, doing)] as const,
    responses: { ...errorResponses, ...config.responses },
  });
}
