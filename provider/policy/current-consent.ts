/**
 * Rule: a connection records consent to the current data-privacy statement. When the statement
 * changes, every connection must be agreed to again before its stack can be updated.
 */
import { ccxKindOf, nameOf, objectOf, type PolicyResourceView } from "./ccx-resource.ts";

/** Configuration of `ccx-current-consent-statement`. */
export interface CurrentConsentConfig {
  /** The version of the statement in force, e.g. `2026-01`; unset: the rule checks nothing. */
  statementVersion?: string;
}

/** The policy's name, as `--policy-pack-config` keys it. */
export const CURRENT_CONSENT = "ccx-current-consent-statement";

/** Violations of the rule by `resource` (none for other resources). */
export function checkCurrentConsent(
  resource: PolicyResourceView,
  config: CurrentConsentConfig = {},
): string[] {
  if (ccxKindOf(resource.type) !== "ConstantContactConnection") return [];
  const current = config.statementVersion;
  if (current === undefined || current === "") return [];
  const recorded = objectOf(resource.props["consent"])?.["statementVersion"];
  if (recorded === current) return [];
  const shown = typeof recorded === "string" ? recorded : "none";
  return [
    `connection '${nameOf(resource)}' records consent to statement version '${shown}', but the current statement is '${current}'; have an admin read it and set consent.statementVersion to '${current}' with their acceptedBy`,
  ];
}
