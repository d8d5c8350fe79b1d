/**
 * Blast-radius guards of an export, checked before anything is written: a run whose plan breaks
 * one stops with `EXPORT_GUARD_TRIPPED` (or `EXPORT_PROFILE_LIMIT`) and writes nothing.
 */

/** Guards of one export, as declared. */
export interface ExportGuards {
  /**
   * Largest share of the last synced snapshot that one run may remove, in percent
   * (0–100). @default 10
   */
  maxRemovePercent?: number | undefined;
  /** Most contacts one run may add. @default unlimited */
  maxAdds?: number | undefined;
}

/** Default of {@link ExportGuards.maxRemovePercent}. */
export const DEFAULT_MAX_REMOVE_PERCENT = 10;
/** Most profiles one export may hold, as in the product it replaces (DESIGN §2). */
export const DEFAULT_PROFILE_LIMIT = 1_000_000;

export type GuardName = "profileLimit" | "maxRemovePercent" | "maxAdds";

/** The verdict of one guard. */
export interface GuardVerdict {
  guard: GuardName;
  passed: boolean;
  /** The limit in force (a count, or a percent for `maxRemovePercent`). */
  limit: number;
  /** The planned value, in the same unit as `limit`. */
  actual: number;
  /** One sentence for people: what was compared and, when it failed, what to do. */
  reason: string;
}

/** What the guards look at. */
export interface GuardInput {
  /** Distinct valid contacts the segments hold (after de-duplication). */
  profiles: number;
  adds: number;
  removals: number;
  /** Entries of the last synced snapshot (0 on a first run). */
  previousSnapshotSize: number;
  guards: ExportGuards;
  /** @default DEFAULT_PROFILE_LIMIT */
  profileLimit?: number | undefined;
}

/**
 * Evaluates every guard; all verdicts are returned, passed or not, so previews can show them.
 * The removal share is `removals / previousSnapshotSize × 100` (0 when the snapshot is empty,
 * since nothing can then be removed); it trips when strictly above the limit.
 */
export function evaluateGuards(input: GuardInput): GuardVerdict[] {
  const profileLimit = input.profileLimit ?? DEFAULT_PROFILE_LIMIT;
  const verdicts: GuardVerdict[] = [];
  verdicts.push({
    guard: "profileLimit",
    passed: input.profiles <= profileLimit,
    limit: profileLimit,
    actual: input.profiles,
    reason:
      input.profiles <= profileLimit
        ? `${fmt(input.profiles)} profiles are within the limit of ${fmt(profileLimit)} per export`
        : `the segments hold ${fmt(input.profiles)} distinct profiles, over the limit of ${fmt(profileLimit)} per export; narrow the segments or split the export`,
  });

  const maxRemovePercent = input.guards.maxRemovePercent ?? DEFAULT_MAX_REMOVE_PERCENT;
  const percent =
    input.previousSnapshotSize === 0 ? 0 : (input.removals / input.previousSnapshotSize) * 100;
  const removeOk = percent <= maxRemovePercent;
  verdicts.push({
    guard: "maxRemovePercent",
    passed: removeOk,
    limit: maxRemovePercent,
    actual: round2(percent),
    reason: removeOk
      ? `removing ${fmt(input.removals)} of ${fmt(input.previousSnapshotSize)} synced contacts (${round2(percent)} %) is within maxRemovePercent ${maxRemovePercent}`
      : `the run would remove ${fmt(input.removals)} of ${fmt(input.previousSnapshotSize)} synced contacts (${round2(percent)} %), over maxRemovePercent ${maxRemovePercent}; check the segments, or raise the guard if this is intended`,
  });

  if (input.guards.maxAdds !== undefined) {
    const maxAdds = input.guards.maxAdds;
    const addsOk = input.adds <= maxAdds;
    verdicts.push({
      guard: "maxAdds",
      passed: addsOk,
      limit: maxAdds,
      actual: input.adds,
      reason: addsOk
        ? `adding ${fmt(input.adds)} contacts is within maxAdds ${fmt(maxAdds)}`
        : `the run would add ${fmt(input.adds)} contacts, over maxAdds ${fmt(maxAdds)}; check the segments, or raise the guard if this is intended`,
    });
  }
  return verdicts;
}

function fmt(value: number): string {
  return value.toLocaleString("en-US");
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
