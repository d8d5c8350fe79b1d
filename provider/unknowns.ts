/**
 * Preview support. During `pulumi preview`, inputs that depend on resources not yet created arrive
 * as a sentinel string; validation must neither reject nor send them.
 */

/** The value Pulumi passes for an input whose value is not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when `value` is, or contains, an input that is not known yet. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object")
    return Object.values(value).some(containsUnknown);
  return false;
}

/** True when the value at `path` inside `root` (or any value on the way) is not known yet. */
export function isUnknownAt(root: unknown, path: ReadonlyArray<PropertyKey>): boolean {
  let current: unknown = root;
  for (const key of path) {
    if (current === UNKNOWN) return true;
    if (current === null || typeof current !== "object") return false;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return containsUnknown(current);
}
