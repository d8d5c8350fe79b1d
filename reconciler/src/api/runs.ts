/**
 * Run routes: trigger (queues a run record), list, get, cancel. The export pipeline picks queued
 * runs up and records progress, counts, rejected samples and errors; these routes never fake any
 * of that.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ConflictError, NotFoundError } from "../core/errors.ts";
import { whyNotRunnable } from "../core/export-runnable.ts";
import { enqueueRun } from "../scheduler/enqueue-run.ts";
import type { RunRecord } from "../store/run-store.ts";
import type { AppDependencies, AppEnv } from "./app-env.ts";
import { conflictResponse, notFoundResponse } from "./error-handler.ts";
import { assertMayManageExport, requireExport } from "./exports.ts";
import { auditActor } from "./request-context.ts";
import { json, protectedRoute } from "./route-table.ts";
import { NameParamsSchema } from "../../../contract/common.ts";
import {
  RunListQuerySchema,
  RunListResponseSchema,
  RunParamsSchema,
  RunSchema,
  TriggerRunRequestSchema,
  type ExportRun,
} from "../../../contract/run.ts";

export const listRunsRoute = protectedRoute("export.read", "listing runs", {
  method: "get",
  path: "/v1/exports/{name}/runs",
  summary: "List an export's runs, newest first",
  request: { params: NameParamsSchema, query: RunListQuerySchema },
  responses: {
    200: { description: "Runs", content: json(RunListResponseSchema) },
    ...notFoundResponse,
  },
});

export const getRunRoute = protectedRoute("export.read", "reading a run", {
  method: "get",
  path: "/v1/exports/{name}/runs/{runId}",
  summary: "Get a run with its counts and error",
  request: { params: RunParamsSchema },
  responses: { 200: { description: "The run", content: json(RunSchema) }, ...notFoundResponse },
});

export const triggerRunRoute = protectedRoute("export.manage", "running an export", {
  method: "post",
  path: "/v1/exports/{name}/runs",
  summary: "Run an export now",
  description:
    "Queues a run (202). Refused (409) while the export is detached, disabled or already has a " +
    "queued or running run.",
  request: {
    params: NameParamsSchema,
    body: { required: false, content: json(TriggerRunRequestSchema) },
  },
  responses: {
    202: { description: "Queued", content: json(RunSchema) },
    ...notFoundResponse,
    ...conflictResponse,
  },
});

export const cancelRunRoute = protectedRoute("export.manage", "cancelling a run", {
  method: "post",
  path: "/v1/exports/{name}/runs/{runId}/cancel",
  summary: "Cancel a run",
  description:
    "A queued run is cancelled at once; a running run is asked to stop (`cancelRequestedAt`) " +
    "and stops at its next checkpoint.",
  request: { params: RunParamsSchema },
  responses: {
    200: { description: "Cancelled or asked to stop", content: json(RunSchema) },
    ...notFoundResponse,
    ...conflictResponse,
  },
});

export function toRun(record: RunRecord): ExportRun {
  return {
    id: record.id,
    export: record.exportName,
    trigger: record.trigger,
    status: record.status,
    generation: record.generation,
    definitionHash: record.definitionHash,
    stack: record.stack,
    updateId: record.updateId,
    requestedBy: record.requestedBy,
    counts: record.counts,
    error: record.error,
    queuedAt: record.queuedAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    cancelRequestedAt: record.cancelRequestedAt,
    progress: (record.progress ?? null) as ExportRun["progress"],
    rejectedSamples: record.rejectedSamples as ExportRun["rejectedSamples"],
  };
}

export function registerRunRoutes(app: OpenAPIHono<AppEnv>, deps: AppDependencies): void {
  const { store } = deps;

  async function requireRun(exportName: string, runId: string): Promise<RunRecord> {
    const record = await requireExport(store, exportName);
    const run = await store.runs.get(runId);
    if (run === undefined || run.exportId !== record.id) {
      throw new NotFoundError(`export '${exportName}' has no run ${runId}`);
    }
    return run;
  }

  app.openapi(listRunsRoute, async (c) => {
    const { name } = c.req.valid("param");
    const { limit } = c.req.valid("query");
    const record = await requireExport(store, name);
    return c.json({ items: (await store.runs.list(record.id, limit)).map(toRun) }, 200);
  });

  app.openapi(getRunRoute, async (c) => {
    const { name, runId } = c.req.valid("param");
    return c.json(toRun(await requireRun(name, runId)), 200);
  });

  app.openapi(triggerRunRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json") as
      Partial<z.infer<typeof TriggerRunRequestSchema>> | undefined;
    const record = await requireExport(store, name);
    await assertMayManageExport(c, store, record, "running an export");
    const notRunnable = whyNotRunnable(record);
    if (notRunnable === "detached") {
      throw new ConflictError(
        "EXPORT_DETACHED",
        `export '${name}' is detached and never runs; attach it first`,
      );
    }
    if (notRunnable === "disabled") {
      throw new ConflictError(
        "EXPORT_DISABLED",
        `export '${name}' is disabled; set enabled: true to run it`,
      );
    }
    const actor = auditActor(c);
    const run = await enqueueRun(store, {
      export: record,
      trigger: body?.trigger ?? "manual",
      requestedBy: c.get("principal").name,
      actor,
      stack: actor.stack,
      updateId: actor.updateId,
    });
    if (typeof run === "string") {
      const active = await store.runs.findActive(record.id);
      throw new ConflictError(
        "RUN_IN_PROGRESS",
        `export '${name}' already has a ${active?.status ?? "queued or running"} run` +
          `${active === undefined ? "" : ` (${active.id})`}; wait for it or cancel it`,
        { details: active === undefined ? {} : { runId: active.id } },
      );
    }
    return c.json(toRun(run), 202);
  });

  app.openapi(cancelRunRoute, async (c) => {
    const { name, runId } = c.req.valid("param");
    const record = await requireExport(store, name);
    await assertMayManageExport(c, store, record, "cancelling a run");
    const run = await requireRun(name, runId);
    if (run.status !== "queued" && run.status !== "running") {
      throw new ConflictError(
        "RUN_FINISHED",
        `run ${runId} of export '${name}' already finished (${run.status}); nothing to cancel`,
        { details: { status: run.status } },
      );
    }
    const actor = auditActor(c);
    const cancelled = await store.transaction(async (tx) => {
      const updated = await tx.runs.requestCancel(runId);
      await tx.appendAudit({
        ...actor,
        action: "run.cancel",
        targetType: "run",
        targetName: runId,
        generation: record.generation,
        details: { export: name, status: updated?.status ?? run.status },
      });
      return updated ?? run;
    });
    return c.json(toRun(cancelled), 200);
  });
}
