/**
 * Scheduling routes: "run all scheduled" (the seed's Run all) and the daily request budget of a
 * connection's Constant Contact application, which `ccx status` shows.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ForbiddenError, NotFoundError } from "../core/errors.ts";
import { mayUseConnection } from "../core/permissions.ts";
import { listSources } from "../store/source-store.ts";
import { mayManageStoredExport } from "./export-access.ts";
import { enqueueRun, runsAutomatically } from "../scheduler/enqueue-run.ts";
import { applicationKeyOf, readRequestBudget } from "../scheduler/request-budget.ts";
import { SchedulerStore } from "../scheduler/scheduler-store.ts";
import type { AppDependencies, AppEnv } from "./app-env.ts";
import { notFoundResponse } from "./error-handler.ts";
import { auditActor } from "./request-context.ts";
import { json, protectedRoute } from "./route-table.ts";
import { NameParamsSchema } from "../../../contract/common.ts";
import {
  RequestBudgetSchema,
  RunAllRequestSchema,
  RunAllResponseSchema,
} from "../../../contract/scheduling.ts";

/** Constant Contact's daily limit per application (CONTRACT §2.1). */
export const DEFAULT_DAILY_REQUESTS = 10_000;

export interface SchedulingRouteOptions {
  /** Requests per UTC day of one application. @default 10000 */
  dailyRequestBudget?: number;
}

export const runAllRoute = protectedRoute("export.manage", "running all scheduled exports", {
  method: "post",
  path: "/v1/runs/run-all",
  summary: "Run every scheduled export now",
  description:
    "Queues a run (trigger `manual`) for every attached, enabled export that is not manual-only " +
    "and that the caller may manage. Exports with an active run are skipped.",
  request: { body: { required: false, content: json(RunAllRequestSchema) } },
  responses: {
    202: { description: "Queued and skipped exports", content: json(RunAllResponseSchema) },
  },
});

export const getBudgetRoute = protectedRoute("export.read", "reading a request budget", {
  method: "get",
  path: "/v1/connections/{name}/budget",
  summary: "Today's Constant Contact request budget of a connection's application",
  description:
    "Every export on every connection that uses the same Constant Contact application shares " +
    "one daily budget. A run that cannot fit in what remains is deferred to the next UTC day.",
  request: { params: NameParamsSchema },
  responses: {
    200: { description: "The budget", content: json(RequestBudgetSchema) },
    ...notFoundResponse,
  },
});

export function registerSchedulingRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: AppDependencies,
  options: SchedulingRouteOptions = {},
): void {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  const dailyLimit = options.dailyRequestBudget ?? DEFAULT_DAILY_REQUESTS;

  app.openapi(runAllRoute, async (c) => {
    const body = c.req.valid("json") as z.infer<typeof RunAllRequestSchema> | undefined;
    const principal = c.get("principal");
    const actor = auditActor(c);
    const connections = new Map((await store.listConnections()).map((item) => [item.id, item]));
    const sources = new Map((await listSources(store)).map((item) => [item.name, item]));
    const queued: { export: string; runId: string }[] = [];
    const skipped: { export: string; reason: "run-in-progress" | "not-permitted" }[] = [];
    for (const record of await store.listExports()) {
      if (!runsAutomatically(record)) continue;
      if (body?.connection !== undefined && record.connectionName !== body.connection) continue;
      const connection = connections.get(record.attachedConnectionId ?? "");
      if (connection === undefined) continue;
      if (
        !mayManageStoredExport(principal, record, connection, sources.get(record.definition.source))
      ) {
        skipped.push({ export: record.name, reason: "not-permitted" });
        continue;
      }
      const run = await enqueueRun(store, {
        export: record,
        trigger: "manual",
        requestedBy: principal.name,
        actor,
        stack: actor.stack,
        updateId: actor.updateId,
        details: { via: "run-all" },
      });
      if (typeof run === "string") skipped.push({ export: record.name, reason: "run-in-progress" });
      else queued.push({ export: record.name, runId: run.id });
    }
    return c.json({ queued, skipped }, 202);
  });

  app.openapi(getBudgetRoute, async (c) => {
    const { name } = c.req.valid("param");
    const connection = await store.getConnection(name);
    if (connection === undefined) throw new NotFoundError(`connection '${name}' does not exist`);
    // The budget belongs to a connection: whoever may not see the connection (viewers, and
    // contributors on one shared with admins only) may not see its budget either.
    const { role } = c.get("principal");
    if (!mayUseConnection(role, connection.sharing)) {
      throw new ForbiddenError(
        `reading the request budget of connection '${name}' needs the admin role` +
          (role === "contributor" ? ", because it is shared with admins only" : "") +
          `; this token has ${role}`,
        { details: { connection: name, role } },
      );
    }
    const application = applicationKeyOf(deps.secretBox, connection);
    const budget = await readRequestBudget(
      new SchedulerStore(store.db),
      application,
      dailyLimit,
      now(),
    );
    return c.json({ connection: name, application, ...budget }, 200);
  });
}
