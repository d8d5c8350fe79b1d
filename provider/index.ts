/**
 * The ccx Pulumi provider: declare Constant Contact connections and segment exports in a stack.
 * Settings: `ccx:endpoint` and `ccx:token` (secret) in stack config, or `CCX_ENDPOINT` and
 * `CCX_TOKEN` in the environment.
 */
export {
  ConstantContactConnection,
  type ConstantContactConnectionArgs,
  type ConstantContactConnectionInputs,
  type ConstantContactConnectionOutputs,
  type ConsentArgs,
  type CredentialsArgs,
} from "./connection.ts";
export {
  SegmentExport,
  type SegmentExportArgs,
  type SegmentExportInputs,
  type SegmentExportOutputs,
  type LastRunOutput,
} from "./segment-export.ts";
