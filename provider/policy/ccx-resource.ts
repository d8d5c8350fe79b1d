/**
 * What the policies know about a resource: its ccx kind (from the type token alone, so rules keep
 * working when an input changes shape), its name in the reconciler, and the stack that declares it.
 */

/** A resource as a policy sees it: the checked inputs of one resource of the stack. */
export interface PolicyResourceView {
  /** Type token, e.g. `pulumi-nodejs:dynamic/ccx:SegmentExport`. */
  type: string;
  /** `urn:pulumi:<stack>::<project>::<type>::<name>`. */
  urn: string;
  /** The resource's inputs after the provider checked them. */
  props: Record<string, unknown>;
}

/** The ccx resources the policies judge. */
export type CcxKind = "SegmentExport" | "ConstantContactConnection" | "SegmentSource";

const KINDS: ReadonlySet<string> = new Set<CcxKind>([
  "SegmentExport",
  "ConstantContactConnection",
  "SegmentSource",
]);

/**
 * The ccx kind of a type token: the dynamic provider registers `pulumi-nodejs:dynamic/ccx:<Kind>`
 * (the `module`/`type` constructor arguments), a resource plugin `ccx:index:<Kind>`.
 */
export function ccxKindOf(type: string): CcxKind | undefined {
  const match = /^(?:pulumi-nodejs:dynamic\/ccx|ccx:index):([A-Za-z]+)$/.exec(type);
  const kind = match?.[1];
  return kind !== undefined && KINDS.has(kind) ? (kind as CcxKind) : undefined;
}

/** The stack name in a URN (`urn:pulumi:<stack>::…`). */
export function stackOf(urn: string): string {
  return /^urn:pulumi:([^:]*)::/.exec(urn)?.[1] ?? "";
}

/** The name the reconciler knows the resource by: its `name` input, else the URN's last part. */
export function nameOf(resource: PolicyResourceView): string {
  const name = resource.props["name"];
  return typeof name === "string" ? name : resource.urn.split("::").slice(3).join("::");
}

/** True when `value` matches one of `patterns`: exactly, or by prefix when a pattern ends in `*`. */
export function matchesAny(value: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith("*") ? value.startsWith(pattern.slice(0, -1)) : value === pattern,
  );
}

/** A plain object, or undefined. */
export function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
