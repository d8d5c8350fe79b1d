/**
 * The planning stage of a run: one streaming diff of the desired contacts against the snapshot
 * the export last synced to this list, counted, then the guards and the profile limit. A plan
 * that fails one ends the run before anything is written.
 */
import type { DiffChange, Membership } from "../core/diff.ts";
import { DEFAULT_PROFILE_LIMIT } from "../core/guards.ts";
import type { ExportPlan } from "../core/plan.ts";
import type { CurrentSnapshot, RunOutcome } from "../store/run-store.ts";
import type { DesiredContacts, DesiredRow } from "./desired-contacts.ts";
import { planFromDesired, previousSnapshotOf } from "./plan-export-run.ts";
import type { PreviousSnapshot } from "./plan-export-run.ts";
import type { RunState } from "./run-state.ts";

/**
 * Changes kept in memory from the plan's pass, while diffing 1,000,000 rows again costs about a
 * second; a 1 % change of a million-profile export fits. Each is kept as a copy
 * (`structuredClone`) that holds its own strings, about 0.5 KB of heap: the fields of a snapshot
 * entry are slices of the chunk of decompressed text its line came from (16 KB), so a kept
 * entry as read would keep its whole chunk alive. 10,000 changes spread over a
 * 1,000,000-entry snapshot held ~35 MB that way, and carried ~110 MB into the old generation
 * while the plan's pass ran, growing the young generation to its maximum (ADR 0010).
 */
const MAX_KEPT_CHANGES = 10_000;

/** What the plan found, and what the write stage needs of it. */
export interface RunPlan {
  plan: ExportPlan;
  /** The export's current snapshot pointer, if it ever completed a run. */
  current: CurrentSnapshot | undefined;
  previous: PreviousSnapshot;
  /**
   * The adds, updates and removals, when there are at most {@link MAX_KEPT_CHANGES}: sending
   * them then needs no second diff of every row (a 1 % re-run). Undefined when there are more.
   */
  kept: ReadonlyArray<DiffChange<DesiredRow>> | undefined;
}

/** Plans the run and records the planned counts. */
export async function planRun(
  state: RunState,
  desired: DesiredContacts,
  listId: string | undefined,
  membership: Membership,
  isSuppressed: (key: string) => boolean,
): Promise<RunPlan> {
  state.phase("planning");
  const current = await state.deps.store.runs.currentSnapshot(state.export.id);
  const previous = previousSnapshotOf(state.deps.snapshots, state.export.name, current, listId);
  // Adds and removals are at least the difference in size between the desired contacts and the
  // snapshot (but for opt-outs, which are rare): past the limit nothing is kept, which spares a
  // first export of 1,000,000 profiles 10,000 copies it would drop anyway. Only speed depends on
  // it: without kept changes the write stage diffs again.
  const sizeChange = Math.abs(desired.counts.profiles - (previous.ref?.entries ?? 0));
  let kept: Array<DiffChange<DesiredRow>> | undefined =
    sizeChange > MAX_KEPT_CHANGES ? undefined : [];
  const plan = await planFromDesired(
    desired,
    // The plan's pass needs no contact ids: the leavers it keeps take theirs from beside the
    // snapshot while the imports are sent (`write-stage.ts`), which is time spent waiting.
    { ...previous, idsId: undefined },
    {
      membership,
      guards: state.export.definition.guards,
      profileLimit: state.deps.profileLimit ?? DEFAULT_PROFILE_LIMIT,
      isSuppressed,
    },
    (change) => {
      if (kept === undefined) return;
      if (change.kind !== "add" && change.kind !== "update" && change.kind !== "remove") return;
      if (kept.length >= MAX_KEPT_CHANGES) kept = undefined;
      else kept.push(structuredClone(change));
    },
  );
  const counts = state.counts;
  counts["suppressed"] = plan.counts.suppressed;
  counts["unchanged"] = plan.counts.unchanged;
  counts["retained"] = plan.counts.retained;
  counts["plannedAdds"] = plan.counts.adds;
  counts["plannedUpdates"] = plan.counts.updates;
  counts["plannedRemovals"] = plan.counts.removals;
  return { plan, current, previous, kept };
}

/** The outcome of a plan that must not write: `failed` over the profile limit, else `paused`. */
export function blockedOutcome(
  plan: ExportPlan,
  counts: Record<string, number>,
): RunOutcome | undefined {
  const failed = plan.verdicts.filter((verdict) => !verdict.passed);
  if (failed.length === 0) return undefined;
  const details = { verdicts: plan.verdicts, plan: plan.counts };
  const overLimit = failed.find((verdict) => verdict.guard === "profileLimit");
  if (overLimit !== undefined) {
    return {
      status: "failed",
      counts,
      error: {
        code: "EXPORT_PROFILE_LIMIT",
        message: `${overLimit.reason}; nothing was written`,
        details,
      },
    };
  }
  return {
    status: "paused",
    counts,
    error: {
      code: "EXPORT_GUARD_TRIPPED",
      message: `${failed.map((verdict) => verdict.reason).join("; ")}; nothing was written`,
      details,
    },
  };
}
