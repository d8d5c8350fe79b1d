/**
 * Rule: exports read segments only from sources the organisation allows. A source is named by a
 * label that does not depend on its exact shape: a source's name (`crm-segments`), or its type and
 * location (`files:/data/segments`, `azure-blob:https://acct.blob.core.windows.net/container`,
 * `postgres:SEGMENTS_DB_URL`).
 */
import {
  ccxKindOf,
  matchesAny,
  nameOf,
  objectOf,
  type PolicyResourceView,
} from "./ccx-resource.ts";

/** Configuration of `ccx-allowed-sources`. */
export interface AllowedSourcesConfig {
  /** Allowed source labels (a trailing `*` matches a prefix); unset or empty: any source. */
  sources?: string[];
}

/** The policy's name, as `--policy-pack-config` keys it. */
export const ALLOWED_SOURCES = "ccx-allowed-sources";

/** The label of an export's `source` input, or undefined when it has none. */
export function sourceLabelOf(source: unknown): string | undefined {
  if (typeof source === "string") return source;
  const object = objectOf(source);
  if (object === undefined) return undefined;
  if (typeof object["name"] === "string") return object["name"];
  const type = typeof object["type"] === "string" ? object["type"] : "source";
  const container = typeof object["container"] === "string" ? `/${object["container"]}` : "";
  const location = [object["path"], object["accountUrl"], object["connectionStringEnv"]].find(
    (value): value is string => typeof value === "string",
  );
  return `${type}:${location ?? ""}${location === object["accountUrl"] ? container : ""}`;
}

/** Violations of the rule by `resource` (none for other resources). */
export function checkAllowedSources(
  resource: PolicyResourceView,
  config: AllowedSourcesConfig = {},
): string[] {
  const allowed = config.sources ?? [];
  if (allowed.length === 0 || ccxKindOf(resource.type) !== "SegmentExport") return [];
  const label = sourceLabelOf(resource.props["source"]);
  if (label === undefined || matchesAny(label, allowed)) return [];
  return [
    `export '${nameOf(resource)}' reads segments from source '${label}', which is not allowed; use one of ${allowed.map((s) => `'${s}'`).join(", ")}, or ask an admin to allow it`,
  ];
}
