/**
 * `SegmentExport`: the shape (arguments, inputs, outputs) and the resource. What each step does
 * lives in `segment-export-behaviour.ts`, loaded inside the provider process.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ExportPutRequest, RunStatus } from "../contract/index.ts";
import type { ExportPlanSummary } from "./export-plan.ts";

type Inputify<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** Arguments of {@link SegmentExport}: the API's export definition, plus the resource name. */
export interface SegmentExportArgs extends Inputify<ExportPutRequest> {
  /** Name in the reconciler: lowercase letters, digits, `.`, `_`, `-`. @default the resource name */
  name?: pulumi.Input<string>;
  /** Take over an export of that name that already exists in the reconciler. @default false */
  adopt?: pulumi.Input<boolean>;
}

/** Plain inputs, as the provider receives them. */
export type SegmentExportInputs = ExportPutRequest & {
  name: string;
  adopt?: boolean;
  /** Set by `check`: the data effect of the definition, as the preview shows it. */
  plan?: ExportPlanSummary;
  /** Stack and project that declare the resource, for the reconciler's audit log. */
  caller?: { stack: string; project: string };
};

/** The last run, as `pulumi refresh` shows it. */
export interface LastRunOutput {
  id: string;
  status: RunStatus;
  trigger: string;
  finishedAt: string | null;
  counts: Record<string, number>;
  error: { code: string; message: string } | null;
}

/** What the stack state keeps. */
export type SegmentExportOutputs = ExportPutRequest & {
  name: string;
  /** Bumped by the reconciler on every definition change. */
  generation: number;
  /** SHA-256 of the canonical definition the reconciler stored. */
  definitionHash: string;
  /** False while detached in the reconciler: kept, never run. */
  attached: boolean;
  lastRun: LastRunOutput | null;
  /**
   * Members on the list minus those the last run synced (0: as synced; null: not verified yet).
   * Non-zero when someone edited the list in Constant Contact; reported, never fought.
   */
  listDrift: number | null;
};

// Serialized into the state as source text: it captures nothing and loads its behaviour in the
// provider process (docs/adr/0001).
/** @internal The serialized provider; exported for the provider-protocol tests. */
export const segmentExportProvider: pulumi.dynamic.ResourceProvider<
  SegmentExportInputs,
  SegmentExportOutputs
> = {
  async configure(request) {
    (await import("@ccx/pulumi/settings")).configureFromStack(request.config);
  },
  async check(olds, news) {
    return (await import("@ccx/pulumi/segment-export-behaviour")).checkExport(olds, news);
  },
  async diff(id, olds, news) {
    return (await import("@ccx/pulumi/segment-export-behaviour")).diffExport(id, olds, news);
  },
  async create(inputs) {
    return (await import("@ccx/pulumi/segment-export-behaviour")).createExport(inputs);
  },
  async read(id, props) {
    return (await import("@ccx/pulumi/segment-export-behaviour")).readExport(id, props);
  },
  async update(id, olds, news) {
    return (await import("@ccx/pulumi/segment-export-behaviour")).updateExport(id, olds, news);
  },
  async delete(id, props) {
    return (await import("@ccx/pulumi/segment-export-behaviour")).deleteExport(id, props);
  },
};

/**
 * An export of one or more segments to a Constant Contact list, run by the ccx reconciler on its
 * schedule. Admins and contributors (on connections shared with contributors) may declare one.
 *
 * @example
 * new SegmentExport("newsletter", {
 *   connection: connection.name,
 *   list: { name: "Newsletter", create: true },
 *   mappings: { email: "EmailAddress", firstName: "FirstName" },
 *   segments: ["HighValueCustomers"],
 *   source: crm.name, // a SegmentSource an admin declared, shared with contributors
 *   schedule: { cron: "0 3 * * *", timeZone: "Europe/Berlin" },
 * });
 */
export class SegmentExport extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly connection: pulumi.Output<string>;
  declare readonly listId: pulumi.Output<string | undefined>;
  declare readonly generation: pulumi.Output<number>;
  declare readonly definitionHash: pulumi.Output<string>;
  declare readonly attached: pulumi.Output<boolean>;
  /** Status and counts of the most recent run (updated by `pulumi refresh`). */
  declare readonly lastRun: pulumi.Output<LastRunOutput | null>;
  /** Members on the list minus those the last run synced (updated by `pulumi refresh`). */
  declare readonly listDrift: pulumi.Output<number | null>;

  constructor(name: string, args: SegmentExportArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      segmentExportProvider,
      name,
      {
        ...args,
        name: args.name ?? name,
        caller: { stack: pulumi.getStack(), project: pulumi.getProject() },
        generation: undefined,
        definitionHash: undefined,
        attached: undefined,
        lastRun: undefined,
        listDrift: undefined,
      },
      opts,
      "ccx",
      "SegmentExport",
    );
  }
}
