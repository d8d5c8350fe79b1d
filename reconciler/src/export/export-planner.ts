/**
 * Plans an export without writing anything (`POST /v1/exports/{name}/plan`, `ccx plan`, and
 * `pulumi preview` through the provider's `check`): the same collect → diff → guards → request
 * estimate a run does before its first write. The definition may be the stored one or a
 * proposed one not applied yet; an export that does not exist yet plans as a first run
 * (everything is an add), and a changed one is diffed against its current snapshot when it
 * still targets the same list.
 */
import type { ExportDefinition } from "../api/schemas/export.ts";
import { AppError, NotFoundError, ValidationError } from "../core/errors.ts";
import { DEFAULT_PROFILE_LIMIT } from "../core/guards.ts";
import type { ExportPlan } from "../core/plan.ts";
import type { RowError } from "../core/mapping.ts";
import { createSegmentSource } from "../sources/create-source.ts";
import { getCurrentSnapshot } from "../store/run-store.ts";
import { createConnectionClient } from "./connection-client.ts";
import type { SegmentRead } from "./desired-contacts.ts";
import { buildExportPlan } from "./plan-export-run.ts";
import type { PreviousSnapshot } from "./plan-export-run.ts";
import { resolveExportList } from "./resolve-list.ts";
import type { ExportRunDependencies } from "./run-export.ts";
import { readOptOuts } from "./opt-out-set.ts";

/** A plan with what it was computed from. */
export interface PlannedExport extends ExportPlan {
  export: string;
  /** The list the export writes to; null when it will be created by the first run. */
  listId: string | null;
  /** True when the plan compares with the export's current snapshot. */
  comparedWithSnapshot: boolean;
  segments: SegmentRead[];
  /** Rows read from all segments. */
  rows: number;
  /** The first rejected rows, positions and reasons only. */
  rowErrors: RowError[];
}

/** Plans `definition` (or the stored definition) for the export `name`. */
export async function planExport(
  deps: ExportRunDependencies,
  name: string,
  proposed?: ExportDefinition,
): Promise<PlannedExport> {
  const existing = await deps.store.getExport(name);
  const definition = proposed ?? existing?.definition;
  if (definition === undefined) {
    throw new NotFoundError(
      `export '${name}' does not exist; send a proposed definition to plan a new one`,
    );
  }
  const connection = await deps.store.getConnection(definition.connection);
  if (connection === undefined) {
    throw new ValidationError(
      `connection '${definition.connection}' does not exist; an admin must create it first`,
      { details: { field: "connection", connection: definition.connection } },
    );
  }
  const client = createConnectionClient(deps.store, deps.secretBox, connection, deps.ctct);
  try {
    const list = await resolveExportList(client, definition, { mayCreate: false });
    // The kept set and what changed since; a plan reads it but writes nothing back.
    const unsubscribed = (
      await readOptOuts(client, {
        snapshots: deps.snapshots,
        connectionId: connection.id,
        persist: false,
      })
    ).emails;
    const current =
      existing === undefined ? undefined : await getCurrentSnapshot(deps.store, existing.id);
    const compared = current !== undefined && list !== undefined && current.listId === list.listId;
    const previous: PreviousSnapshot = {
      store: deps.snapshots,
      ...(compared
        ? {
            ref: {
              id: current.snapshotId,
              exportName: name,
              entries: current.entries,
              bytes: current.bytes,
              createdAt: "",
            },
          }
        : {}),
    };
    const source = createSegmentSource(definition.source, deps.sources);
    try {
      const report = await buildExportPlan({
        source,
        segments: definition.segments,
        mappings: definition.mappings,
        tempDirectory: deps.tempDirectory,
        maxRowErrorsKept: 100,
        previous,
        rules: {
          membership: definition.membership,
          guards: definition.guards,
          profileLimit: deps.profileLimit ?? DEFAULT_PROFILE_LIMIT,
          isSuppressed: (key) => unsubscribed.has(key),
        },
      });
      return {
        ...report.plan,
        export: name,
        listId: list?.listId ?? null,
        comparedWithSnapshot: compared,
        segments: report.segments,
        rows: report.rows,
        rowErrors: report.rowErrors,
      };
    } finally {
      await source.close();
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("PLAN_FAILED", "the plan could not be made; see the reconciler log", {
      cause: error,
    });
  } finally {
    await client.close();
  }
}
