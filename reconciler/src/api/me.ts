/**
 * `GET /v1/me`: the caller's token name, role and per-export permissions, so a client (the status
 * page, `ccx status`) shows only the buttons the API would accept. The API still checks every
 * request; this route only saves clients from guessing.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import {
  isAllowed,
  mayUseConnection,
  permissionTable,
  type Action,
  type Role,
} from "../core/permissions.ts";
import type { ConnectionRecord, ExportRecord } from "../store/store.ts";
import type { AppDependencies, AppEnv } from "./app-env.ts";
import { protectedRoute } from "./route-table.ts";
import { MeSchema, type Me } from "../../../contract/me.ts";

export const getMeRoute = protectedRoute("export.read", "reading your own permissions", {
  method: "get",
  path: "/v1/me",
  summary: "Who this token is and what it may do",
  description:
    "Every role may call it (every role has `export.read`). Lists each export with the actions " +
    "this token may perform on it.",
  responses: {
    200: { description: "The caller", content: { "application/json": { schema: MeSchema } } },
  },
});

/** Actions `role` may perform on `record`, mirroring the checks of the export and run routes. */
export function exportActionsFor(
  role: Role,
  record: ExportRecord,
  connection: ConnectionRecord | undefined,
): Action[] {
  const actions: Action[] = ["export.read"];
  // Same rule as assertMayUseConnection: a connection that is gone does not narrow the role.
  const connectionAllows = connection === undefined || mayUseConnection(role, connection.sharing);
  if (isAllowed(role, "export.manage") && connectionAllows) actions.push("export.manage");
  return actions;
}

export function registerMeRoutes(app: OpenAPIHono<AppEnv>, deps: AppDependencies): void {
  const { store } = deps;
  app.openapi(getMeRoute, async (c) => {
    const { name, role } = c.get("principal");
    const [exports, connections] = await Promise.all([
      store.listExports(),
      store.listConnections(),
    ]);
    const byName = new Map(connections.map((connection) => [connection.name, connection]));
    const body: Me = {
      name,
      role,
      actions: (Object.keys(permissionTable) as Action[]).filter((action) =>
        isAllowed(role, action),
      ),
      exports: exports.map((record) => ({
        name: record.name,
        actions: exportActionsFor(role, record, byName.get(record.connectionName)),
      })),
    };
    return c.json(body, 200);
  });
}
