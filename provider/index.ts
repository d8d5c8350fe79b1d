/**
 * The ccx Pulumi provider: declare Constant Contact connections, segment sources and segment
 * exports in a stack.
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
  SegmentSource,
  type SegmentSourceArgs,
  type SegmentSourceInputs,
  type SegmentSourceOutputs,
} from "./segment-source.ts";
export {
  SegmentExport,
  type SegmentExportArgs,
  type SegmentExportInputs,
  type SegmentExportOutputs,
  type LastRunOutput,
} from "./segment-export.ts";
