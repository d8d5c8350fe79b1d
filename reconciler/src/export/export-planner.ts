/**
 * Plans an export without writing anything (`POST /v1/exports/{name}/plan`, `ccx plan`, and
 * `pulumi preview` through the provider's `check`): the same collect → diff → guards → request
 * estimate a run does before its first write. The definition may be the stored one or a
 * proposed one not applied yet; an export that does not exist yet plans as a first run
 * (everything is an add), and a changed one is diffed against its current snapshot when it
 * still targets the same list.
 */
import type { ExportDefinition } from "../../../contract/export.ts";
import { AppError, NotFoundError, ValidationError } from "../core/errors.ts";
import { DEFAULT_PROFILE_LIMIT } from "../core/guards.ts";
import type { ExportPlan } from "../core/plan.ts";
import type { RowError } from "../core/mapping.ts";
import { hashCanonical } from "../core/canonical-json.ts";
import { sortedKeyMatcher } from "../core/sorted-key-set.ts";
import { applicationKeyOf } from "../scheduler/request-budget.ts";
import { SchedulerStore, utcDay } from "../scheduler/scheduler-store.ts";
import { readSourceVersion } from "../scheduler/source-version.ts";
import { openSegmentSource } from "../sources/open-source.ts";
import type { ConnectionRecord } from "../store/store.ts";
import { createConnectionClient, requestsSent } from "./connection-client.ts";
import type { SegmentRead } from "./desired-contacts.ts";
import { buildExportPlan, previousSnapshotOf } from "./plan-export-run.ts";
import type { PlanRules } from "./plan-export-run.ts";
import { resolveExportList } from "./resolve-list.ts";
import type { ExportRunDependencies } from "./run-state.ts";
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

/** How a plan may use what is stored. */
export interface PlanOptions {
  /**
   * Diff a proposed definition against the stored export's snapshot. The API turns it off when
   * the caller may not manage the stored export: the diff would tell them who is on its list.
   * @default true
   */
  compareWithStored?: boolean | undefined;
}

/** Plans `definition` (or the stored definition) for the export `name`. */
export async function planExport(
  deps: ExportRunDependencies,
  name: string,
  proposed?: ExportDefinition,
  options: PlanOptions = {},
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
  // The list, the opt-outs and the current snapshot are read while the segments are.
  const listRead = resolveExportList(client, definition, { mayCreate: false });
  // The kept set and what changed since; a plan reads it but writes nothing back.
  const optOutsRead = readOptOuts(client, {
    snapshots: deps.snapshots,
    connectionId: connection.id,
    persist: false,
  });
  const previousRead = (async () => {
    const current =
      existing === undefined || options.compareWithStored === false
        ? undefined
        : await deps.store.runs.currentSnapshot(existing.id);
    // A plan counts removals; it has no use for the contact ids stored beside the snapshot.
    return previousSnapshotOf(deps.snapshots, name, current, (await listRead)?.listId, {
      contactIds: false,
    });
  })();
  const rulesRead = optOutsRead.then(({ emails }): PlanRules => ({
    membership: definition.membership,
    guards: definition.guards,
    profileLimit: deps.profileLimit ?? DEFAULT_PROFILE_LIMIT,
    isSuppressed: sortedKeyMatcher(emails),
  }));
  // Awaited below; a failure while the segments are still read is not unhandled meanwhile.
  for (const read of [listRead, previousRead, rulesRead]) read.catch(() => undefined);
  try {
    const source = await openSegmentSource(
      { store: deps.store, secretBox: deps.secretBox, environment: deps.sources },
      definition.source,
    );
    try {
      const report = await buildExportPlan({
        source,
        segments: definition.segments,
        mappings: definition.mappings,
        tempDirectory: deps.tempDirectory,
        maxRowErrorsKept: 100,
        previous: previousRead,
        rules: rulesRead,
      });
      return {
        ...report.plan,
        export: name,
        listId: (await listRead)?.listId ?? null,
        comparedWithSnapshot: (await previousRead).ref !== undefined,
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
    // A plan that failed early leaves no read running on the client it closes.
    await Promise.allSettled([listRead, optOutsRead, previousRead]);
    await client.close();
    // A plan reads the list and the opt-outs: its requests count against the application's
    // shared daily budget like a run's (CONTRACT §2.1), also when it failed.
    await recordRequestUse(deps, connection, requestsSent(client));
  }
}

/**
 * What a plan of `name` depends on, as one key: the definition (stored or proposed), its
 * segments' versions, the export's current snapshot and the connection's state. Equal keys give
 * equal plans (short of hand edits in Constant Contact), so a plan may be reused while the key
 * stays the same. Undefined when a part cannot be read; then the plan is made afresh.
 */
export async function planReuseKey(
  deps: ExportRunDependencies,
  name: string,
  proposed?: ExportDefinition,
  options: PlanOptions = {},
): Promise<string | undefined> {
  const existing = await deps.store.getExport(name);
  const definition = proposed ?? existing?.definition;
  if (definition === undefined) return undefined;
  const connection = await deps.store.getConnection(definition.connection);
  if (connection === undefined) return undefined;
  const snapshot =
    existing === undefined ? undefined : await deps.store.runs.currentSnapshot(existing.id);
  let sourceVersion: string;
  try {
    sourceVersion = await readSourceVersion(definition, {
      store: deps.store,
      secretBox: deps.secretBox,
      environment: deps.sources,
    });
  } catch {
    return undefined;
  }
  return hashCanonical({
    name,
    definition,
    // A plan compared with the stored snapshot is only for callers who may manage the export:
    // it must never be reused for one who may not.
    compareWithStored: options.compareWithStored !== false,
    sourceVersion,
    snapshot: snapshot?.snapshotId ?? null,
    connection: [connection.id, connection.generation, connection.status],
  });
}

async function recordRequestUse(
  deps: ExportRunDependencies,
  connection: ConnectionRecord,
  requests: number,
): Promise<void> {
  if (requests <= 0) return;
  try {
    await new SchedulerStore(deps.store.db).recordRequestUse(
      applicationKeyOf(deps.secretBox, connection),
      utcDay(new Date()),
      requests,
    );
  } catch (error) {
    // The plan itself is done; a ledger that cannot be written must not turn it into a failure.
    deps.logger.warn({ err: error, requests }, "could not count a plan's requests in the budget");
  }
}
