/**
 * `GET /v1/me`: the caller's token name, role and per-export permissions, so a client (the status
 * page, `ccx status`) shows only the buttons the API would accept. The API still checks every
 * request; this route only saves clients from guessing.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { isAllowed, permissionTable, type Action, type Role } from "../core/permissions.ts";
import { listSources, type SourceRecord } from "../store/source-store.ts";
import type { ConnectionRecord, ExportRecord } from "../store/store.ts";
import { mayManageStoredExport } from "./export-access.ts";
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
  source: SourceRecord | undefined,
): Action[] {
  const actions: Action[] = ["export.read"];
  // Same rule as the export routes: a connection or source that is gone makes it admin-only.
  if (
    isAllowed(role, "export.manage") &&
    mayManageStoredExport({ name: "", role }, record, connection, source)
  ) {
    actions.push("export.manage");
  }
  return actions;
}

export function registerMeRoutes(app: OpenAPIHono<AppEnv>, deps: AppDependencies): void {
  const { store } = deps;
  app.openapi(getMeRoute, async (c) => {
    const { name, role } = c.get("principal");
    const [exports, connections, sources] = await Promise.all([
      store.listExports(),
      store.listConnections(),
      listSources(store),
    ]);
    const byName = new Map(connections.map((connection) => [connection.name, connection]));
    const sourceByName = new Map(sources.map((source) => [source.name, source]));
    const body: Me = {
      name,
      role,
      actions: (Object.keys(permissionTable) as Action[]).filter((action) =>
        isAllowed(role, action),
      ),
      exports: exports.map((record) => ({
        name: record.name,
        actions: exportActionsFor(
          role,
          record,
          byName.get(record.connectionName),
          sourceByName.get(record.definition.source),
        ),
      })),
    };
    return c.json(body, 200);
  });
}
