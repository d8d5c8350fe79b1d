/**
 * Export routes: admins and contributors (on connections and sources shared with contributors)
 * create, change, detach, re-attach and delete exports; everyone may read them. An export names
 * its source and segments; where the data lives is the source's business (admins').
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { canonicalJson, hashCanonical } from "../core/canonical-json.ts";
import { AppError, ConflictError, NotFoundError, ValidationError } from "../core/errors.ts";
import { getSource, type SourceRecord } from "../store/source-store.ts";
import type { ConnectionRecord, ExportRecord, Store } from "../store/store.ts";
import type { AppDependencies, AppEnv } from "./app-env.ts";
import { conflictResponse, notFoundResponse } from "./error-handler.ts";
import {
  assertMayManageStoredExport,
  assertMayUseConnection,
  assertMayUseSource,
} from "./export-access.ts";
import { auditActor } from "./request-context.ts";
import { json, protectedRoute } from "./route-table.ts";
import { NameParamsSchema } from "../../../contract/common.ts";
import {
  AttachRequestSchema,
  ExportListResponseSchema,
  ExportPutRequestSchema,
  ExportSchema,
  type ExportDefinition,
  type SegmentExport,
} from "../../../contract/export.ts";

export const listExportsRoute = protectedRoute("export.read", "listing exports", {
  method: "get",
  path: "/v1/exports",
  summary: "List exports",
  responses: { 200: { description: "Exports", content: json(ExportListResponseSchema) } },
});

export const getExportRoute = protectedRoute("export.read", "reading an export", {
  method: "get",
  path: "/v1/exports/{name}",
  summary: "Get an export",
  request: { params: NameParamsSchema },
  responses: {
    200: { description: "The export", content: json(ExportSchema) },
    ...notFoundResponse,
  },
});

export const putExportRoute = protectedRoute("export.manage", "creating or changing an export", {
  method: "put",
  path: "/v1/exports/{name}",
  summary: "Create or change an export (idempotent)",
  description:
    "Saving does not run the export. Every definition change bumps `generation`; a repeated " +
    "identical request changes nothing. A detached export stays detached.",
  request: {
    params: NameParamsSchema,
    body: { required: true, content: json(ExportPutRequestSchema) },
  },
  responses: {
    200: { description: "Changed or unchanged", content: json(ExportSchema) },
    201: { description: "Created", content: json(ExportSchema) },
    ...conflictResponse,
  },
});

export const deleteExportRoute = protectedRoute("export.manage", "deleting an export", {
  method: "delete",
  path: "/v1/exports/{name}",
  summary: "Delete an export",
  description: "Drops its queued run; refused (409) while a run is running: cancel it first.",
  request: { params: NameParamsSchema },
  responses: { 204: { description: "Deleted" }, ...notFoundResponse, ...conflictResponse },
});

export const detachExportRoute = protectedRoute("export.manage", "detaching an export", {
  method: "post",
  path: "/v1/exports/{name}/detach",
  summary: "Detach an export from its connection",
  description: "Keeps the definition; a detached export never runs. Cancels its active run.",
  request: { params: NameParamsSchema },
  responses: { 200: { description: "Detached", content: json(ExportSchema) }, ...notFoundResponse },
});

export const attachExportRoute = protectedRoute("export.manage", "attaching an export", {
  method: "post",
  path: "/v1/exports/{name}/attach",
  summary: "Re-attach a detached export",
  request: {
    params: NameParamsSchema,
    body: { required: false, content: json(AttachRequestSchema) },
  },
  responses: {
    200: { description: "Attached", content: json(ExportSchema) },
    ...notFoundResponse,
    ...conflictResponse,
  },
});

export function toExport(record: ExportRecord): SegmentExport {
  return {
    name: record.name,
    definition: record.definition,
    attached: record.attachedConnectionId !== null,
    generation: record.generation,
    definitionHash: record.definitionHash,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** The export or a 404. */
export async function requireExport(store: Store, name: string): Promise<ExportRecord> {
  const record = await store.getExport(name);
  if (record === undefined) throw new NotFoundError(`export '${name}' does not exist`);
  return record;
}

function missingConnection(connection: string): ValidationError {
  return new ValidationError(
    `connection '${connection}' does not exist; an admin must create it first`,
    { details: { field: "connection", connection } },
  );
}

async function requireConnectionFor(store: Store, connection: string): Promise<ConnectionRecord> {
  const record = await store.getConnection(connection);
  if (record === undefined) throw missingConnection(connection);
  return record;
}

/**
 * The connection and source an existing export names, checked for the caller: an export whose
 * connection or source is gone is admin-only.
 */
export async function assertMayManageExport(
  c: Context<AppEnv>,
  store: Store,
  record: ExportRecord,
  doing: string,
): Promise<void> {
  assertMayManageStoredExport(
    c.get("principal"),
    record,
    await store.getConnection(record.connectionName),
    await getSource(store, record.definition.source),
    doing,
  );
}

/**
 * The source a definition names, checked for the caller: it exists, is shared with the caller,
 * and defines every segment the definition names (a postgres source with one query per segment).
 */
export async function requireSourceFor(
  c: Context<AppEnv>,
  store: Store,
  definition: ExportDefinition,
  doing: string,
): Promise<SourceRecord> {
  const source = await getSource(store, definition.source);
  if (source === undefined) {
    throw new ValidationError(
      `source '${definition.source}' does not exist; an admin must create it first, or use a ` +
        "source that exists (`ccx sources` lists the ones you may use)",
      { details: { field: "source", source: definition.source } },
    );
  }
  assertMayUseSource(c.get("principal"), source, doing);
  const settings = source.settings;
  if (settings.type === "postgres" && settings.queries !== undefined) {
    const defined = settings.queries;
    const missing = definition.segments.filter((segment) => !Object.hasOwn(defined, segment));
    if (missing.length > 0) {
      throw new AppError(
        "SEGMENT_NOT_IN_SOURCE",
        `source '${source.name}' defines no segment ${missing.map((s) => `'${s}'`).join(", ")}; ` +
          `use one of its segments: ${Object.keys(defined).sort().join(", ")}`,
        { details: { field: "segments", source: source.name, missing } },
      );
    }
  }
  return source;
}

export function registerExportRoutes(app: OpenAPIHono<AppEnv>, deps: AppDependencies): void {
  const { store } = deps;

  app.openapi(listExportsRoute, async (c) => {
    const records = await store.listExports();
    return c.json({ items: records.map(toExport) }, 200);
  });

  app.openapi(getExportRoute, async (c) => {
    const { name } = c.req.valid("param");
    return c.json(toExport(await requireExport(store, name)), 200);
  });

  app.openapi(putExportRoute, async (c) => {
    const { name } = c.req.valid("param");
    const definition: ExportDefinition = c.req.valid("json");
    const definitionHash = hashCanonical(definition);
    const principal = c.get("principal");
    const existing = await store.getExport(name);
    if (existing !== undefined) {
      await assertMayManageExport(c, store, existing, "changing an export");
    }
    const target = await store.getConnection(definition.connection);
    const doing = existing === undefined ? "creating an export" : "changing an export";
    assertMayUseConnection(principal, target, doing);
    await requireSourceFor(c, store, definition, doing);
    if (existing !== undefined && existing.definitionHash === definitionHash) {
      return c.json(toExport(existing), 200);
    }
    // A detached export may keep naming a connection that is gone, as long as that part of its
    // definition does not change; anything that will run needs the connection.
    const needsConnection =
      existing === undefined ||
      existing.attachedConnectionId !== null ||
      existing.connectionName !== definition.connection;
    if (needsConnection && target === undefined) throw missingConnection(definition.connection);
    const actor = auditActor(c);
    const saved = await store.transaction(async (tx) => {
      let record: ExportRecord;
      if (existing === undefined) {
        if (target === undefined) throw missingConnection(definition.connection);
        record = await tx.insertExport({
          name,
          connectionId: target.id,
          definition,
          definitionHash,
        });
      } else {
        record = await tx.updateExportDefinition({
          id: existing.id,
          definition,
          definitionHash,
          // A detached export stays detached; an attached one follows its connection.
          attachedConnectionId:
            existing.attachedConnectionId === null ? null : (target?.id ?? null),
        });
      }
      await tx.appendAudit({
        ...actor,
        action: existing === undefined ? "export.create" : "export.update",
        targetType: "export",
        targetName: name,
        generation: record.generation,
        details: {
          connection: definition.connection,
          definitionHash,
          source: describeSource(definition.source),
          ...(existing === undefined
            ? {}
            : {
                previousDefinitionHash: existing.definitionHash,
                ...changesOf(existing.definition, definition),
              }),
        },
      });
      return record;
    });
    return existing === undefined ? c.json(toExport(saved), 201) : c.json(toExport(saved), 200);
  });

  app.openapi(deleteExportRoute, async (c) => {
    const { name } = c.req.valid("param");
    const record = await requireExport(store, name);
    await assertMayManageExport(c, store, record, "deleting an export");
    const active = await store.runs.findActive(record.id);
    if (active?.status === "running") {
      throw new ConflictError(
        "RUN_IN_PROGRESS",
        `export '${name}' has a running run (${active.id}); cancel it and wait for it to stop first`,
        { details: { runId: active.id } },
      );
    }
    const actor = auditActor(c);
    await store.transaction(async (tx) => {
      await tx.deleteExport(record.id);
      await tx.appendAudit({
        ...actor,
        action: "export.delete",
        targetType: "export",
        targetName: name,
        generation: record.generation,
        details: { connection: record.connectionName, onDelete: record.definition.onDelete },
      });
    });
    return c.body(null, 204);
  });

  app.openapi(detachExportRoute, async (c) => {
    const { name } = c.req.valid("param");
    const record = await requireExport(store, name);
    await assertMayManageExport(c, store, record, "detaching an export");
    if (record.attachedConnectionId === null) return c.json(toExport(record), 200);
    const actor = auditActor(c);
    const saved = await store.transaction(async (tx) => {
      const detached = await tx.setExportAttachment(record.id, null);
      const active = await tx.runs.findActive(record.id);
      if (active !== undefined) await tx.runs.requestCancel(active.id);
      await tx.appendAudit({
        ...actor,
        action: "export.detach",
        targetType: "export",
        targetName: name,
        generation: detached.generation,
        details: {
          connection: record.connectionName,
          ...(active === undefined ? {} : { cancelledRun: active.id }),
        },
      });
      return detached;
    });
    return c.json(toExport(saved), 200);
  });

  app.openapi(attachExportRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json") as z.infer<typeof AttachRequestSchema> | undefined;
    const record = await requireExport(store, name);
    await assertMayManageExport(c, store, record, "attaching an export");
    const targetName = body?.connection ?? record.connectionName;
    const connection = await requireConnectionFor(store, targetName);
    assertMayUseConnection(c.get("principal"), connection, "attaching an export");
    if (record.attachedConnectionId === connection.id) return c.json(toExport(record), 200);
    const actor = auditActor(c);
    const saved = await store.transaction(async (tx) => {
      let current = record;
      if (targetName !== record.connectionName) {
        const definition = { ...record.definition, connection: targetName };
        current = await tx.updateExportDefinition({
          id: record.id,
          definition,
          definitionHash: hashCanonical(definition),
          attachedConnectionId: connection.id,
        });
      } else {
        current = await tx.setExportAttachment(record.id, connection.id);
      }
      await tx.appendAudit({
        ...actor,
        action: "export.attach",
        targetType: "export",
        targetName: name,
        generation: current.generation,
        details: { connection: targetName },
      });
      return current;
    });
    return c.json(toExport(saved), 200);
  });
}

/** Where an export reads from, for the audit log: the admin-owned source it names. */
export function describeSource(source: ExportDefinition["source"]): Record<string, unknown> {
  return { name: source };
}

/**
 * What a change of definition touched, for the audit log: the changed top-level fields, and
 * which connection and source it used before.
 */
function changesOf(before: ExportDefinition, after: ExportDefinition): Record<string, unknown> {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<
    keyof ExportDefinition
  >;
  const changed = [...keys]
    .filter((key) => canonicalJson(before[key]) !== canonicalJson(after[key]))
    .sort();
  return {
    changed,
    ...(changed.includes("connection") ? { previousConnection: before.connection } : {}),
    ...(changed.includes("source") ? { previousSource: describeSource(before.source) } : {}),
  };
}
