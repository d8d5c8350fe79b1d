/**
 * The compatibility handshake: `GET /v1/version` says who the reconciler is and which client API
 * levels it serves, every answer names the reconciler's release, and a request from a client
 * whose level it cannot serve is refused with a message naming both releases and what to upgrade.
 * Clients that send no level (curl, scripts) are served as they are.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import {
  API_LEVEL,
  API_LEVEL_HEADER,
  CLIENT_HEADER,
  checkCompatibility,
  MIN_CLIENT_API_LEVEL,
  SERVER_HEADER,
  VersionSchema,
  type ReconcilerVersion,
} from "../../../contract/version.ts";
import { AppError, ConflictError } from "../core/errors.ts";
import { reconcilerIdentity } from "../package-identity.ts";
import type { AppEnv } from "./app-env.ts";
import { protectedRoute } from "./route-table.ts";

/** What this reconciler says of itself. */
export function reconcilerVersion(): ReconcilerVersion {
  return {
    reconciler: reconcilerIdentity(),
    apiLevel: API_LEVEL,
    minClientApiLevel: MIN_CLIENT_API_LEVEL,
  };
}

export const getVersionRoute = protectedRoute("export.read", "reading the reconciler's version", {
  method: "get",
  path: "/v1/version",
  summary: "The reconciler's release and the client API levels it serves",
  description:
    "Clients (the Pulumi provider, the `ccx` CLI) call it first and refuse to go on when they " +
    "and the reconciler cannot work together.",
  responses: {
    200: {
      description: "The reconciler's version",
      content: { "application/json": { schema: VersionSchema } },
    },
  },
});

/** A client announced an API level outside what this reconciler serves. */
export class ClientIncompatibleError extends ConflictError {
  constructor(message: string, details: Record<string, unknown>) {
    super("CLIENT_INCOMPATIBLE", message, { details });
  }
}

const LEVEL = /^[0-9]{1,6}$/;
const CLIENT = /^[\x21-\x7e]{1,128}$/;

/**
 * Names the release on every answer and refuses clients whose API level this reconciler cannot
 * serve (409). A malformed level header is a 400; headers are echoed only when well-formed.
 */
export const versionHandshake = createMiddleware<AppEnv>(async (c, next) => {
  c.header(SERVER_HEADER, reconcilerIdentity());
  const level = c.req.header(API_LEVEL_HEADER);
  if (level !== undefined) {
    if (!LEVEL.test(level)) {
      throw new AppError("VALIDATION_FAILED", `${API_LEVEL_HEADER} must be a whole number`, {
        details: { header: API_LEVEL_HEADER },
      });
    }
    const sent = c.req.header(CLIENT_HEADER);
    const client = sent !== undefined && CLIENT.test(sent) ? sent : "the client";
    const verdict = checkCompatibility(client, Number(level), reconcilerVersion());
    if (!verdict.compatible) {
      throw new ClientIncompatibleError(verdict.message, {
        client,
        reconciler: reconcilerIdentity(),
        upgrade: verdict.upgrade,
      });
    }
  }
  await next();
});

export function registerVersionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getVersionRoute, (c) => c.json(reconcilerVersion(), 200));
}
