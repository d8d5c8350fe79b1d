/**
 * What `SegmentExport` does at each step, run inside the Pulumi provider process. The reconciler
 * is the system of record; this file translates between stack inputs and its API.
 */
import {
  ExportPutRequestSchema,
  ResourceNameSchema,
  type ExportDefinition,
  type ExportRun,
  type SegmentExport,
} from "../contract/index.ts";
import type {
  CheckResult,
  CreateResult,
  DiffResult,
  ReadResult,
  UpdateResult,
} from "./behaviour-results.ts";
import { checkFailures, type CheckFailure } from "./check-failures.ts";
import { planExportChange } from "./export-plan.ts";
import { ReconcilerApiError, reconcilerFor, type ReconcilerClient } from "./reconciler-client.ts";
import type {
  LastRunOutput,
  SegmentExportInputs as Inputs,
  SegmentExportOutputs as Outputs,
} from "./segment-export.ts";
import { containsUnknown } from "./unknowns.ts";

/** The inputs that make up an export's definition (what `PUT /v1/exports/{name}` takes). */
export const EXPORT_DEFINITION_KEYS = [
  "connection",
  "listId",
  "list",
  "mappings",
  "segments",
  "source",
  "schedule",
  "membership",
  "guards",
  "onDelete",
  "enabled",
] as const;

/** The definition part of the inputs: what `PUT /v1/exports/{name}` takes. */
function definitionOf(inputs: Partial<Inputs>): Record<string, unknown> {
  const definition: Record<string, unknown> = {};
  for (const key of EXPORT_DEFINITION_KEYS) {
    if (inputs[key] !== undefined) definition[key] = inputs[key];
  }
  return definition;
}

/** The definition with the API's defaults applied, so `{}` and the defaults compare equal. */
function normalised(definition: Record<string, unknown>): ExportDefinition | undefined {
  const parsed = ExportPutRequestSchema.safeParse(definition);
  return parsed.success ? parsed.data : undefined;
}

function toLastRun(run: ExportRun | undefined): LastRunOutput | null {
  if (run === undefined) return null;
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    finishedAt: run.finishedAt,
    counts: run.counts,
    error: run.error === null ? null : { code: run.error.code, message: run.error.message },
  };
}

async function lastRunOf(client: ReconcilerClient, name: string): Promise<LastRunOutput | null> {
  const runs = await client.listRuns(name, 1);
  return toLastRun(runs[0]);
}

/**
 * Members on the list minus those the last run synced, as that run counted them when it verified
 * the list: hand edits in Constant Contact show up here (`pulumi refresh`) instead of being fought.
 */
function listDriftOf(lastRun: LastRunOutput | null): number | null {
  if (lastRun === null) return null;
  const { listDrift, listMembers } = lastRun.counts;
  if (listDrift !== undefined) return listDrift;
  return listMembers !== undefined && listMembers >= 0 ? 0 : null;
}

function toOutputs(stored: SegmentExport, lastRun: LastRunOutput | null): Outputs {
  return {
    ...(stored.definition as Outputs),
    name: stored.name,
    generation: stored.generation,
    definitionHash: stored.definitionHash,
    attached: stored.attached,
    lastRun,
    listDrift: listDriftOf(lastRun),
  };
}

/**
 * Validates inputs with the API's own schema (failures name the property), then plans the data
 * effect of a changed definition for the preview; a guard the change would trip fails the check.
 */
export async function checkExport(
  olds: Partial<Inputs>,
  news: Inputs,
): Promise<CheckResult<Inputs>> {
  const failures: CheckFailure[] = checkFailures(ExportPutRequestSchema, definitionOf(news), news);
  if (typeof news.name === "string" && !ResourceNameSchema.safeParse(news.name).success) {
    failures.push({
      property: "name",
      reason: "use 1-100 lowercase letters, digits, '.', '_' or '-'",
    });
  }
  if (failures.length > 0 || containsUnknown(news)) return { inputs: news, failures };

  // Plan only what changed: an unchanged definition keeps the plan it was applied with, so a
  // no-op preview stays a no-op and makes no request.
  const definition = definitionOf(news);
  const unchanged =
    olds.name === news.name &&
    JSON.stringify(normalised(definitionOf(olds))) === JSON.stringify(normalised(definition));
  if (unchanged && olds.plan !== undefined)
    return { inputs: { ...news, plan: olds.plan }, failures };
  const planned = await planExportChange(news, definition);
  return { inputs: { ...news, plan: planned.plan }, failures: planned.failures };
}

/** Renaming replaces; every other change updates in place and bumps the generation. */
export async function diffExport(_id: string, olds: Outputs, news: Inputs): Promise<DiffResult> {
  const replaces = news.name !== olds.name ? ["name"] : [];
  const before = normalised(definitionOf(olds));
  const after = containsUnknown(news) ? undefined : normalised(definitionOf(news));
  const changed =
    replaces.length > 0 || after === undefined || JSON.stringify(before) !== JSON.stringify(after);
  return Promise.resolve({ changes: changed, replaces, deleteBeforeReplace: true });
}

/** Creates the export; an existing export of that name is an error unless `adopt` is set. */
export async function createExport(inputs: Inputs): Promise<CreateResult<Outputs>> {
  const client = await reconcilerFor(inputs.caller);
  if (inputs.adopt !== true && (await client.getExport(inputs.name)) !== undefined) {
    throw new ReconcilerApiError(
      409,
      "ALREADY_EXISTS",
      `export '${inputs.name}' already exists in the reconciler; set adopt: true to manage it from this stack`,
    );
  }
  const stored = await client.putExport(inputs.name, definitionOf(inputs));
  return { id: stored.name, outs: toOutputs(stored, await lastRunOf(client, stored.name)) };
}

/** Sends the new definition; the reconciler bumps the generation. */
export async function updateExport(
  _id: string,
  _olds: Outputs,
  news: Inputs,
): Promise<UpdateResult<Outputs>> {
  const client = await reconcilerFor(news.caller);
  const stored = await client.putExport(news.name, definitionOf(news));
  return { outs: toOutputs(stored, await lastRunOf(client, stored.name)) };
}

/** The export and its last run as the reconciler holds them now (`pulumi refresh`). */
export async function readExport(id: string, _props?: Outputs): Promise<ReadResult<Outputs>> {
  const client = await reconcilerFor();
  const stored = await client.getExport(id);
  if (stored === undefined) return { id: "" };
  return { id, props: toOutputs(stored, await lastRunOf(client, id)) };
}

/** Deletes the export; the reconciler applies its `onDelete` to the list's members. */
export async function deleteExport(id: string, _props: Outputs): Promise<void> {
  await (await reconcilerFor()).deleteExport(id);
}
