/**
 * The plan of an export run: counts, guard verdicts and the Constant Contact requests it will
 * cost. Pure: the export pipeline measures the counts in one streaming pass, `planExport` turns
 * them into what `pulumi preview`, `ccx plan` and a run's guard check all show.
 */
import { AppError } from "./errors.ts";
import { evaluateGuards } from "./guards.ts";
import type { ExportGuards, GuardVerdict } from "./guards.ts";
import type { Membership } from "./diff.ts";

/** What one pass over segments and snapshot found. */
export interface ExportCounts {
  /** Distinct valid contacts in the segments (after de-duplication, suppressed included). */
  profiles: number;
  /** New to the list: imported. */
  adds: number;
  /** On the list with changed mapped fields: imported again. */
  updates: number;
  /** Synced before, in no segment now: membership removed (`mirror` only). */
  removals: number;
  /** Synced before, in no segment now, kept because membership is `add-only`. */
  retained: number;
  /** Unsubscribed in Constant Contact: never added or updated (CONTRACT §2.5). */
  suppressed: number;
  /** Rows with an invalid e-mail or an over-long value: not sent. */
  invalid: number;
  /** Rows whose e-mail an earlier row already had: not sent. */
  duplicates: number;
  /** On the list with the same mapped fields: nothing to send. */
  unchanged: number;
}

/** How requests are counted; every field has the Constant Contact default. */
export interface RequestModel {
  /** Items per import. @default 40_000 (CONTRACT §7.13) */
  maxImportItems?: number;
  /** Bytes per import body. @default 3_500_000 (under the 4 MB drop point, CONTRACT §2.3) */
  maxImportBytes?: number;
  /**
   * Average JSON bytes of one import item; the pipeline measures it. @default 80 (an e-mail and
   * two names)
   */
  averageImportItemBytes?: number;
  /** Contact ids per removal activity. @default 500 (CONTRACT §1) */
  removeChunkSize?: number;
  /** Status polls per activity until it ends. @default 3 */
  pollsPerActivity?: number;
}

/** Requests a run will cost, without retries. */
export interface RequestEstimate {
  /** Import activities: `ceil((adds + updates) / itemsPerImport)`. */
  imports: number;
  /** `min(maxImportItems, floor((maxImportBytes − 2,000) / (averageImportItemBytes + 1)))`. */
  itemsPerImport: number;
  /** Removal activities: `ceil(removals / removeChunkSize)`. */
  removals: number;
  /** `(imports + removals) × pollsPerActivity`. */
  polls: number;
  /** One read of the list's membership count after writing, when anything was written. */
  verify: number;
  /** `imports + removals + polls + verify`. */
  total: number;
  /** The formula, for people. */
  formula: string;
}

/** Input of {@link planExport}. */
export interface PlanInput {
  counts: ExportCounts;
  /** Entries of the last synced snapshot (0 on a first run). */
  previousSnapshotSize: number;
  membership: Membership;
  guards: ExportGuards;
  /** @default 1,000,000 */
  profileLimit?: number | undefined;
  requestModel?: RequestModel | undefined;
}

/** The plan of one run. */
export interface ExportPlan {
  membership: Membership;
  counts: ExportCounts;
  previousSnapshotSize: number;
  verdicts: GuardVerdict[];
  /** True when a verdict failed: the run must not write. */
  blocked: boolean;
  estimate: RequestEstimate;
}

/**
 * Builds the plan of a run.
 * @example
 * planExport({ counts, previousSnapshotSize: 0, membership: "mirror", guards: {} }).estimate.imports
 */
export function planExport(input: PlanInput): ExportPlan {
  const { counts } = input;
  const verdicts = evaluateGuards({
    profiles: counts.profiles,
    adds: counts.adds,
    removals: input.membership === "mirror" ? counts.removals : 0,
    previousSnapshotSize: input.previousSnapshotSize,
    guards: input.guards,
    profileLimit: input.profileLimit,
  });
  return {
    membership: input.membership,
    counts,
    previousSnapshotSize: input.previousSnapshotSize,
    verdicts,
    blocked: verdicts.some((verdict) => !verdict.passed),
    estimate: estimateRequests(counts.adds + counts.updates, counts.removals, input.requestModel),
  };
}

/** Requests to import `importItems` contacts and remove `removals` memberships. */
export function estimateRequests(
  importItems: number,
  removals: number,
  model: RequestModel = {},
): RequestEstimate {
  const maxItems = model.maxImportItems ?? 40_000;
  const maxBytes = model.maxImportBytes ?? 3_500_000;
  const itemBytes = Math.max(1, model.averageImportItemBytes ?? 80);
  const chunkSize = model.removeChunkSize ?? 500;
  const pollsPerActivity = model.pollsPerActivity ?? 3;
  // The body frame (`{"import_data":[`…`],"list_ids":[…]}` with up to 50 ids) is under 2 KB; each
  // item adds a separating comma.
  const itemsPerImport = Math.max(
    1,
    Math.min(maxItems, Math.floor((maxBytes - 2_000) / (itemBytes + 1))),
  );
  const imports = Math.ceil(importItems / itemsPerImport);
  const removalActivities = Math.ceil(removals / chunkSize);
  const polls = (imports + removalActivities) * pollsPerActivity;
  const verify = imports + removalActivities > 0 ? 1 : 0;
  return {
    imports,
    itemsPerImport,
    removals: removalActivities,
    polls,
    verify,
    total: imports + removalActivities + polls + verify,
    formula:
      `ceil(${importItems} / ${itemsPerImport}) imports + ceil(${removals} / ${chunkSize}) removals` +
      ` + ${pollsPerActivity} polls per activity + ${verify} verify`,
  };
}

/**
 * Throws when the plan is blocked: `EXPORT_PROFILE_LIMIT` when the profile limit failed (it
 * cannot be raised), otherwise `EXPORT_GUARD_TRIPPED`. `details.verdicts` holds every verdict.
 */
export function assertPlanAllowed(plan: ExportPlan): void {
  const failed = plan.verdicts.filter((verdict) => !verdict.passed);
  if (failed.length === 0) return;
  const profile = failed.find((verdict) => verdict.guard === "profileLimit");
  const details = { verdicts: plan.verdicts, counts: plan.counts };
  if (profile !== undefined) {
    throw new AppError("EXPORT_PROFILE_LIMIT", `${profile.reason}; nothing was written`, {
      details,
    });
  }
  throw new AppError(
    "EXPORT_GUARD_TRIPPED",
    `${failed.map((verdict) => verdict.reason).join("; ")}; nothing was written`,
    { details },
  );
}
