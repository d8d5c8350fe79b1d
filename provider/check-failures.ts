/**
 * Turns zod validation issues into Pulumi check failures (`property`, `reason`), so that a bad
 * input is reported against the property the user wrote, the way first-class providers do.
 */
import type { z } from "zod";
import { isUnknownAt } from "./unknowns.ts";

/** A Pulumi check failure. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * The failures of `schema` for `value`, leaving out issues about inputs that are unknown during
 * preview. `prefix` maps the validated body's paths back to input property names.
 */
export function checkFailures(
  schema: z.ZodType,
  value: unknown,
  inputs: unknown,
  prefix: ReadonlyArray<PropertyKey> = [],
): CheckFailure[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues
    .filter((issue) => !isUnknownAt(inputs, [...prefix, ...issue.path]))
    .map((issue) => ({
      property: [...prefix, ...issue.path].map(String).join(".") || "(inputs)",
      reason: issue.message,
    }));
}
