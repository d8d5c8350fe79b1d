/**
 * Queues a run on behalf of a trigger. The runs table allows one queued or running run per
 * export, so a trigger that fires while a run is active gets `undefined` back instead of a
 * second run.
 */
import type { RunTrigger } from "../../../contract/run.ts";
import { sqlState, UNIQUE_VIOLATION } from "../store/sql-database.ts";
import type { ExportRecord, RunRecord, Store } from "../store/store.ts";
import { SchedulerStore } from "./scheduler-store.ts";

/** True when triggers other than "on demand" may run the export. */
export function runsAutomatically(record: ExportRecord): boolean {
  return (
    record.attachedConnectionId !== null &&
    record.definition.enabled &&
    record.definition.schedule.manualOnly !== true
  );
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
      const run = await tx.insertRun({
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
    if (sqlState(error) === UNIQUE_VIOLATION) return "active";
    throw error;
  }
}
