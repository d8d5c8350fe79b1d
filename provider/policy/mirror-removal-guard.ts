/**
 * Rule: an export that mirrors its list (removes people who left the segments) must declare
 * `guards.maxRemovePercent`, at or below the organisation's ceiling, so that a bad source file
 * pauses the run instead of emptying the list.
 */
import { ccxKindOf, nameOf, objectOf, type PolicyResourceView } from "./ccx-resource.ts";

/** Configuration of `ccx-mirror-removal-guard`. */
export interface MirrorRemovalGuardConfig {
  /** The largest `guards.maxRemovePercent` a mirror export may declare, in percent. @default 10 */
  maxRemovePercentCeiling?: number;
}

/** The policy's name, as `--policy-pack-config` keys it. */
export const MIRROR_REMOVAL_GUARD = "ccx-mirror-removal-guard";

/** Violations of the rule by `resource` (none for other resources). */
export function checkMirrorRemovalGuard(
  resource: PolicyResourceView,
  config: MirrorRemovalGuardConfig = {},
): string[] {
  if (ccxKindOf(resource.type) !== "SegmentExport") return [];
  // The API's default membership is mirror.
  if ((resource.props["membership"] ?? "mirror") !== "mirror") return [];
  const ceiling = config.maxRemovePercentCeiling ?? 10;
  const declared = objectOf(resource.props["guards"])?.["maxRemovePercent"];
  const name = nameOf(resource);
  const fix = `set guards: { maxRemovePercent: ${ceiling} } or lower, or use membership: "add-only"`;
  if (typeof declared !== "number") {
    return [`export '${name}' mirrors its list without declaring guards.maxRemovePercent; ${fix}`];
  }
  if (declared > ceiling) {
    return [
      `export '${name}' mirrors its list with guards.maxRemovePercent ${declared}, above the ceiling of ${ceiling}; ${fix}`,
    ];
  }
  return [];
}
