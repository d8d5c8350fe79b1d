/**
 * Rule: on the chosen stacks (production), deleting an export never empties its list, so an
 * export there may not declare `onDelete: remove-members`.
 */
import { ccxKindOf, matchesAny, nameOf, stackOf, type PolicyResourceView } from "./ccx-resource.ts";

/** Configuration of `ccx-delete-keeps-members`. */
export interface DeleteKeepsMembersConfig {
  /** Stack names (a trailing `*` matches a prefix) where lists are never emptied. @default ["prod", "production"] */
  stacks?: string[];
}

/** The policy's name, as `--policy-pack-config` keys it. */
export const DELETE_KEEPS_MEMBERS = "ccx-delete-keeps-members";

/** Violations of the rule by `resource` (none for other resources). */
export function checkDeleteKeepsMembers(
  resource: PolicyResourceView,
  config: DeleteKeepsMembersConfig = {},
): string[] {
  if (ccxKindOf(resource.type) !== "SegmentExport") return [];
  if (resource.props["onDelete"] !== "remove-members") return [];
  const stack = stackOf(resource.urn);
  if (!matchesAny(stack, config.stacks ?? ["prod", "production"])) return [];
  return [
    `export '${nameOf(resource)}' declares onDelete: "remove-members" on stack '${stack}', where lists are never emptied on delete; use onDelete: "keep-members" (the default)`,
  ];
}
