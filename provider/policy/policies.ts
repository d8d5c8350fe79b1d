/**
 * The ccx rules as Pulumi policies: each rule's check function, its configuration schema (the
 * keys `--policy-pack-config` takes) and a mandatory enforcement level, which a team may lower per
 * policy in that file (`{ "ccx-schedule-windows": { "enforcementLevel": "advisory" } }`).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { checkAllowedConnections, ALLOWED_CONNECTIONS } from "./allowed-connections.ts";
import { checkAllowedSources, ALLOWED_SOURCES } from "./allowed-sources.ts";
import type { PolicyResourceView } from "./ccx-resource.ts";
import { checkCurrentConsent, CURRENT_CONSENT } from "./current-consent.ts";
import { checkDeleteKeepsMembers, DELETE_KEEPS_MEMBERS } from "./delete-keeps-members.ts";
import { checkMirrorRemovalGuard, MIRROR_REMOVAL_GUARD } from "./mirror-removal-guard.ts";
import { checkScheduleWindows, SCHEDULE_WINDOWS } from "./schedule-windows.ts";

/** A policy's configuration properties, as JSON schemas. */
type ConfigProperties = NonNullable<ResourceValidationPolicy["configSchema"]>["properties"];

type Check<C> = (resource: PolicyResourceView, config: C) => string[];

function policy<C extends object>(
  name: string,
  description: string,
  properties: ConfigProperties,
  check: Check<C>,
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    configSchema: { properties },
    validateResource: (args, reportViolation) => {
      for (const message of check(args, args.getConfig<C>())) reportViolation(message);
    },
  };
}

const names = { type: "array", items: { type: "string" } } as const;

/** Every ccx policy, for a pack of your own: `new PolicyPack("mine", { policies: [...ccxPolicies] })`. */
export const ccxPolicies: ResourceValidationPolicy[] = [
  policy(
    MIRROR_REMOVAL_GUARD,
    "Mirror exports declare guards.maxRemovePercent at or below a ceiling.",
    { maxRemovePercentCeiling: { type: "number", minimum: 0, maximum: 100, default: 10 } },
    checkMirrorRemovalGuard,
  ),
  policy(
    DELETE_KEEPS_MEMBERS,
    "On the chosen stacks, deleting an export keeps its list's members.",
    { stacks: { ...names, default: ["prod", "production"] } },
    checkDeleteKeepsMembers,
  ),
  policy(
    CURRENT_CONSENT,
    "Connections record consent to the current data-privacy statement.",
    { statementVersion: { type: "string" } },
    checkCurrentConsent,
  ),
  policy(
    SCHEDULE_WINDOWS,
    "Cron schedules fire only inside the allowed windows.",
    {
      windows: {
        type: "array",
        items: {
          type: "object",
          properties: {
            days: {
              type: "array",
              items: { type: "string", enum: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] },
            },
            from: { type: "string", pattern: "^([01]\\d|2[0-3]):[0-5]\\d$" },
            to: { type: "string", pattern: "^([01]\\d|2[0-3]):[0-5]\\d$" },
          },
          required: ["from", "to"],
        },
      },
      timeZone: { type: "string", default: "UTC" },
    },
    checkScheduleWindows,
  ),
  policy(
    ALLOWED_SOURCES,
    "Exports read segments only from allowed sources.",
    { sources: names },
    checkAllowedSources,
  ),
  policy(
    ALLOWED_CONNECTIONS,
    "Exports use, and stacks declare, only allowed connections.",
    { connections: names },
    checkAllowedConnections,
  ),
];
