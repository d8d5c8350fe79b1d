/**
 * `@ccx/pulumi/policy`: the organisation's rules for ccx resources as Pulumi policies, and each
 * rule's check as a plain function. Importing it starts nothing; the ready-made pack that
 * `pulumi preview --policy-pack` runs is `policy-pack/` in this package (see its README section).
 */
export { ccxPolicies } from "./policies.ts";
export { ccxKindOf, type CcxKind, type PolicyResourceView } from "./ccx-resource.ts";
export {
  checkMirrorRemovalGuard,
  MIRROR_REMOVAL_GUARD,
  type MirrorRemovalGuardConfig,
} from "./mirror-removal-guard.ts";
export {
  checkDeleteKeepsMembers,
  DELETE_KEEPS_MEMBERS,
  type DeleteKeepsMembersConfig,
} from "./delete-keeps-members.ts";
export {
  checkCurrentConsent,
  CURRENT_CONSENT,
  type CurrentConsentConfig,
} from "./current-consent.ts";
export {
  checkScheduleWindows,
  SCHEDULE_WINDOWS,
  type ScheduleWindow,
  type ScheduleWindowsConfig,
} from "./schedule-windows.ts";
export {
  checkAllowedSources,
  sourceLabelOf,
  ALLOWED_SOURCES,
  type AllowedSourcesConfig,
} from "./allowed-sources.ts";
export {
  checkAllowedConnections,
  ALLOWED_CONNECTIONS,
  type AllowedConnectionsConfig,
} from "./allowed-connections.ts";
