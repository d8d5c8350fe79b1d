/**
 * Queues a run on behalf of a trigger. The runs table allows one queued or running run per
 * export, so a trigger that fires while a run is active gets `undefined` back instead of a
 * second run.
 */
import type { RunTrigger } from "../../../contract/run.ts";
import { AppError } from "../core/errors.ts";
import { whyNotRunnable } from "../core/export-runnable.ts";
import { RUN_ALREADY_ACTIVE, type RunRecord } from "../store/run-store.ts";
import type { ExportRecord, Store } from "../store/store.ts";
import { SchedulerStore } from "./scheduler-store.ts";

/** True when triggers other than "on demand" may run the export. */
export function runsAutomatically(record: ExportRecord): boolean {
  return whyNotRunnable(record) === undefined && record.definition.schedule.manualOnly !== true;
}

export interface EnqueueRequest {
  export: ExportRecord;
  trigger: RunTrigger;
  /** Who asked: a token name, or "scheduler". */
  requestedBy: string;
  actor?: { actorName: string; actorRole: "admin" | "contributor" | "viewer" | "system" };
  /** The Pulumi stack and update that asked, recorded on the run. */
  stack?: string | undefined;
  updateId?: string | undefined;
  /** Extra audit facts (e.g. the cron time that fired). */
  details?: Record<string, unknown>;
  /**
   * A state change to make in the same transaction; when it returns false (another process
   * got there first) nothing is queued.
   */
  claim?: (tx: SchedulerStore) => Promise<boolean>;
}

/** The queued run, `"active"` when the export already has one, `"lost"` when the claim failed. */
export async function enqueueRun(
  store: Store,
  request: EnqueueRequest,
): Promise<RunRecord | "active" | "lost"> {
  const record = request.export;
  try {
    return await store.transaction(async (tx) => {
      if (request.claim !== undefined && !(await request.claim(new SchedulerStore(tx.db)))) {
        return "lost" as const;
      }
      const run = await tx.runs.insert({
        exportId: record.id,
        trigger: request.trigger,
        generation: record.generation,
        definitionHash: record.definitionHash,
        stack: request.stack ?? null,
        updateId: request.updateId ?? null,
        requestedBy: request.requestedBy,
      });
      await tx.appendAudit({
        ...(request.actor ?? { actorName: "scheduler", actorRole: "system" }),
        action: "run.trigger",
        targetType: "export",
        targetName: record.name,
        generation: record.generation,
        details: { runId: run.id, trigger: run.trigger, ...request.details },
      });
      return run;
    });
  } catch (error) {
    if (error instanceof AppError && error.code === RUN_ALREADY_ACTIVE) return "active";
    throw error;
  }
}
