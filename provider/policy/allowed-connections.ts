/**
 * Rule: exports go out only through connections the organisation allows (one Constant Contact
 * account per brand, say), and stacks declare only those connections.
 */
import { ccxKindOf, matchesAny, nameOf, type PolicyResourceView } from "./ccx-resource.ts";

/** Configuration of `ccx-allowed-connections`. */
export interface AllowedConnectionsConfig {
  /** Allowed connection names (a trailing `*` matches a prefix); unset or empty: any connection. */
  connections?: string[];
}

/** The policy's name, as `--policy-pack-config` keys it. */
export const ALLOWED_CONNECTIONS = "ccx-allowed-connections";

/** Violations of the rule by `resource` (none for other resources). */
export function checkAllowedConnections(
  resource: PolicyResourceView,
  config: AllowedConnectionsConfig = {},
): string[] {
  const allowed = config.connections ?? [];
  const kind = ccxKindOf(resource.type);
  if (allowed.length === 0 || kind === undefined) return [];
  const list = allowed.map((name) => `'${name}'`).join(", ");
  if (kind === "ConstantContactConnection") {
    const name = nameOf(resource);
    return matchesAny(name, allowed)
      ? []
      : [
          `connection '${name}' is not an allowed connection; name it one of ${list}, or ask an admin to allow it`,
        ];
  }
  if (kind !== "SegmentExport") return [];
  const connection = resource.props["connection"];
  if (typeof connection !== "string" || matchesAny(connection, allowed)) return [];
  return [
    `export '${nameOf(resource)}' exports through connection '${connection}', which is not allowed; set connection to one of ${list}`,
  ];
}
