/**
 * Whether an export may run now. One rule for the API (refusing to queue a run), the triggers
 * (not firing) and the run worker (dropping a queued run the export can no longer make): a
 * detached export keeps its definition and never runs (as in the seed product), and a disabled
 * one runs neither on its schedule nor on demand.
 */

/** Why an export does not run; undefined when it may. */
export type NotRunnableReason = "detached" | "disabled";

/** The parts of an export record the rule reads. */
export interface RunnableFacts {
  attachedConnectionId: string | null;
  definition: { enabled: boolean };
}

export function whyNotRunnable(record: RunnableFacts): NotRunnableReason | undefined {
  if (record.attachedConnectionId === null) return "detached";
  if (!record.definition.enabled) return "disabled";
  return undefined;
}
