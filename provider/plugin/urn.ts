/**
 * What the plugin learns from a resource's URN, `urn:pulumi:<stack>::<project>::<type>::<name>`:
 * the dynamic provider is handed the stack, project and resource name by its program; a plugin
 * reads them here.
 */

/** The parts of a URN the behaviours need. */
export interface UrnParts {
  stack: string;
  project: string;
  /** The type token, e.g. `ccx:index:SegmentExport` (the last one when nested under a parent). */
  type: string;
  /** The resource's name in the program. */
  name: string;
}

/** Splits a URN. @throws Error when `urn` is not a Pulumi resource URN. */
export function parseUrn(urn: string): UrnParts {
  const match = /^urn:pulumi:([^:]*)::([^:]*)::(.+?)::(.*)$/s.exec(urn);
  if (match === null) throw new Error(`not a Pulumi resource URN: ${urn}`);
  const [, stack = "", project = "", qualifiedType = "", name = ""] = match;
  return { stack, project, type: qualifiedType.split("$").at(-1) ?? qualifiedType, name };
}
