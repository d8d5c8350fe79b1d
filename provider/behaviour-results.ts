/**
 * What a behaviour step returns, in plain shapes that neither Pulumi shell owns: the dynamic
 * provider (`pulumi.dynamic.ResourceProvider`) and the resource plugin (`@pulumi/pulumi/provider`)
 * both accept them as they are, so one behaviour serves both (docs/adr/0012). Fields are optional
 * where the dynamic provider's own types have them optional, so callers of either kind check.
 */
import type { CheckFailure } from "./check-failures.ts";

/** `check`: the inputs to use and the problems found, each against a property. */
export interface CheckResult<Inputs> {
  inputs?: Inputs;
  failures?: CheckFailure[];
}

/** `diff`: whether anything changed and which properties force a replacement. */
export interface DiffResult {
  changes?: boolean;
  replaces?: string[];
  deleteBeforeReplace?: boolean;
}

/** `create`: the resource's id (its name in the reconciler) and its outputs. */
export interface CreateResult<Outputs> {
  id: string;
  outs?: Outputs;
}

/** `update`: the complete outputs after the change. */
export interface UpdateResult<Outputs> {
  outs?: Outputs;
}

/** `read`: the resource as the reconciler holds it now; an empty id (and no props) when it is gone. */
export interface ReadResult<Outputs> {
  id: string;
  props?: Outputs;
}
