/**
 * Segment source routes: admins create, change and delete the places segment data lives (a
 * folder under an allowed root, a postgres database with admin-defined SQL, an allow-listed
 * storage account); contributors see the name, type and segments of the sources shared with
 * them. Exports name a source; nobody else chooses paths, URLs, SQL or credentials.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { canonicalJson, fingerprint } from "../core/canonical-json.ts";
import { AppError, ConflictError, NotFoundError, ValidationError } from "../core/errors.ts";
import { mayUseSource } from "../core/permissions.ts";
import { sealSourceSecret } from "../secrets/source-secret.ts";
import { assertBlobAllowed, confineToRoots, CLOSED_POLICY } from "../sources/source-policy.ts";
import {
  deleteSource,
  getSource,
  insertSource,
  listExportNamesUsingSource,
  listSources,
  updateSource,
  type SourceRecord,
  type SourceWrite,
} from "../store/source-store.ts";
import type { AppDependencies, AppEnv } from "./app-env.ts";
import { conflictResponse, errorContent, notFoundResponse } from "./error-handler.ts";
import { auditActor } from "./request-context.ts";
import { json, protectedRoute } from "./route-table.ts";
import { NameParamsSchema } from "../../../contract/common.ts";
import {
  SegmentSourceSchema,
  SourceListResponseSchema,
  SourcePutRequestSchema,
  type SegmentSourceView,
  type SourcePutRequest,
  type SourceSettings,
} from "../../../contract/source.ts";

export const listSourcesRoute = protectedRoute("source.list", "listing segment sources", {
  method: "get",
  path: "/v1/sources",
  summary: "List segment sources",
  responses: { 200: { description: "Sources", content: json(SourceListResponseSchema) } },
});

export const getSourceRoute = protectedRoute("source.read", "reading a source's details", {
  method: "get",
  path: "/v1/sources/{name}",
  summary: "Get a segment source's details (never its connection string)",
  request: { params: NameParamsSchema },
  responses: {
    200: { description: "The source", content: json(SegmentSourceSchema) },
    ...notFoundResponse,
  },
});

export const putSourceRoute = protectedRoute("source.manage", "creating or changing a source", {
  method: "put",
  path: "/v1/sources/{name}",
  summary: "Create or change a segment source (idempotent)",
  description:
    "A files folder must resolve (symlinks followed) inside `sources.files.roots`; an azure-blob " +
    "account and container must be on `sources.azureBlob.allowed`; a postgres connection string " +
    "is sealed and never returned. A repeated identical request changes nothing.",
  request: {
    params: NameParamsSchema,
    body: { required: true, content: json(SourcePutRequestSchema) },
  },
  responses: {
    200: { description: "Changed or unchanged", content: json(SegmentSourceSchema) },
    201: { description: "Created", content: json(SegmentSourceSchema) },
    ...conflictResponse,
    422: { description: "Outside the configured roots or allow-list", content: errorContent },
  },
});

export const deleteSourceRoute = protectedRoute("source.manage", "deleting a source", {
  method: "delete",
  path: "/v1/sources/{name}",
  summary: "Delete a segment source",
  description: "Refused (409, naming them) while exports read it: change or delete each first.",
  request: { params: NameParamsSchema },
  responses: { 204: { description: "Deleted" }, ...notFoundResponse, ...conflictResponse },
});

function toView(record: SourceRecord, exports: string[]): SegmentSourceView {
  const settings = record.settings;
  return {
    name: record.name,
    type: record.type,
    sharing: record.sharing,
    ...(record.description === null ? {} : { description: record.description }),
    ...(settings.type === "files" ? { path: settings.path } : {}),
    ...(settings.type === "postgres"
      ? {
          ...(settings.queries === undefined ? {} : { queries: settings.queries }),
          ...(settings.table === undefined ? {} : { table: settings.table }),
          ...(record.secret === null
            ? {}
            : { connectionStringFingerprint: record.secret.fingerprint }),
        }
      : {}),
    ...(settings.type === "azure-blob"
      ? {
          accountUrl: settings.accountUrl,
          container: settings.container,
          ...(settings.prefix === undefined ? {} : { prefix: settings.prefix }),
        }
      : {}),
    generation: record.generation,
    exports,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** The settings of a request: everything but sharing, description and the connection string. */
function settingsOf(request: SourcePutRequest): SourceSettings {
  switch (request.type) {
    case "files":
      return { type: "files", path: request.path };
    case "azure-blob":
      return {
        type: "azure-blob",
        accountUrl: request.accountUrl,
        container: request.container,
        ...(request.prefix === undefined ? {} : { prefix: request.prefix }),
      };
    case "postgres":
      return {
        type: "postgres",
        ...(request.queries === undefined ? {} : { queries: request.queries }),
        ...(request.table === undefined ? {} : { table: request.table }),
      };
  }
}

export function registerSourceRoutes(app: OpenAPIHono<AppEnv>, deps: AppDependencies): void {
  const { store } = deps;
  const policy = deps.sourcePolicy ?? CLOSED_POLICY;

  app.openapi(listSourcesRoute, async (c) => {
    const { role } = c.get("principal");
    const records = await listSources(store);
    if (role === "admin") {
      const items = await Promise.all(
        records.map(async (record) =>
          toView(record, await listExportNamesUsingSource(store, record.name)),
        ),
      );
      return c.json({ items }, 200);
    }
    // Contributors see what they may pick: name, type and the segments a source defines.
    const items = records
      .filter((record) => mayUseSource(role, record.sharing))
      .map((record) => ({
        name: record.name,
        type: record.type,
        ...(record.settings.type === "postgres" && record.settings.queries !== undefined
          ? { segments: Object.keys(record.settings.queries).sort() }
          : {}),
      }));
    return c.json({ items }, 200);
  });

  app.openapi(getSourceRoute, async (c) => {
    const { name } = c.req.valid("param");
    const record = await getSource(store, name);
    if (record === undefined) throw new NotFoundError(`source '${name}' does not exist`);
    return c.json(toView(record, await listExportNamesUsingSource(store, name)), 200);
  });

  app.openapi(putSourceRoute, async (c) => {
    const { name } = c.req.valid("param");
    const request = c.req.valid("json");
    const existing = await getSource(store, name);
    const settings = settingsOf(request);

    // Checked against the configuration now, and again whenever a run opens the source.
    if (settings.type === "files") await confineToRoots(policy, name, settings.path);
    if (settings.type === "azure-blob") {
      assertBlobAllowed(policy, name, settings.accountUrl, settings.container);
    }

    let secret: SourceRecord["secret"] = null;
    if (request.type === "postgres") {
      const supplied = request.connectionString;
      if (supplied === undefined) {
        if (existing?.type !== "postgres" || existing.secret === null) {
          throw new ValidationError(
            `creating postgres source '${name}' needs connectionString (postgres://…); it is ` +
              "sealed and never returned",
            {
              details: {
                target: "json",
                issues: [{ path: "connectionString", message: "required to create the source" }],
              },
            },
          );
        }
        secret = existing.secret;
      } else if (existing?.secret?.fingerprint === fingerprint(supplied)) {
        secret = existing.secret;
      } else {
        secret = {
          ...sealSourceSecret(deps.secretBox, name, supplied),
          fingerprint: fingerprint(supplied),
        };
      }
    }
    const write: SourceWrite = {
      type: request.type,
      sharing: request.sharing,
      description: request.description ?? null,
      settings,
      secret,
    };
    if (
      existing !== undefined &&
      canonicalJson({ ...existing, secret: existing.secret?.fingerprint ?? null }) ===
        canonicalJson({ ...existing, ...write, secret: write.secret?.fingerprint ?? null })
    ) {
      return c.json(toView(existing, await listExportNamesUsingSource(store, name)), 200);
    }

    const actor = auditActor(c);
    const saved = await store.transaction(async (tx) => {
      const record =
        existing === undefined
          ? await insertSource(tx, name, write)
          : await updateSource(tx, existing.id, write);
      await tx.appendAudit({
        ...actor,
        action: existing === undefined ? "source.create" : "source.update",
        targetType: "source",
        targetName: name,
        generation: record.generation,
        details: {
          type: record.type,
          sharing: record.sharing,
          secretChanged: (existing?.secret?.fingerprint ?? null) !== (secret?.fingerprint ?? null),
          ...(existing !== undefined && existing.sharing !== record.sharing
            ? { sharingChangedFrom: existing.sharing }
            : {}),
        },
      });
      return record;
    });
    const body = toView(saved, await listExportNamesUsingSource(store, name));
    return existing === undefined ? c.json(body, 201) : c.json(body, 200);
  });

  app.openapi(deleteSourceRoute, async (c) => {
    const { name } = c.req.valid("param");
    const actor = auditActor(c);
    const inUse = (exports: string[], cause?: unknown) =>
      new ConflictError(
        "SOURCE_IN_USE",
        `source '${name}' is read by ${exports.length} export(s): ${exports.join(", ")}; ` +
          "change each to another source or delete it first",
        { details: { exports }, cause },
      );
    try {
      await store.transaction(async (tx) => {
        const record = await getSource(tx, name, { forUpdate: true });
        if (record === undefined) throw new NotFoundError(`source '${name}' does not exist`);
        const exports = await listExportNamesUsingSource(tx, name);
        if (exports.length > 0) throw inUse(exports);
        await deleteSource(tx, record.id);
        await tx.appendAudit({
          ...actor,
          action: "source.delete",
          targetType: "source",
          targetName: name,
          generation: record.generation,
          details: { type: record.type },
        });
      });
    } catch (error) {
      // An export that started reading the source between the check and the delete.
      if (error instanceof AppError && error.code === "SOURCE_IN_USE") {
        throw inUse(await listExportNamesUsingSource(store, name), error);
      }
      throw error;
    }
    return c.body(null, 204);
  });
}
