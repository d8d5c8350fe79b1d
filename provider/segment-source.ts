/**
 * `SegmentSource`: the shape (arguments, inputs, outputs) and the resource. What each step does
 * lives in `segment-source-behaviour.ts`, loaded inside the provider process.
 */
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link SegmentSource}: the API's source definition, plus the resource name. */
export interface SegmentSourceArgs {
  /** Name in the reconciler; exports name it in `source`. @default the resource name */
  name?: pulumi.Input<string>;
  /** Where the data lives. */
  type: pulumi.Input<"files" | "postgres" | "azure-blob">;
  /** Who may export from it: admins only, or contributors too. @default "admins" */
  sharing?: pulumi.Input<"admins" | "contributors">;
  /** What the source holds, for people choosing one. */
  description?: pulumi.Input<string>;
  /** files: a folder under one of the reconciler's `sources.files.roots`. */
  path?: pulumi.Input<string>;
  /**
   * postgres: the connection string. Always stored as a secret; handed to the reconciler, which
   * seals it; the state keeps only a fingerprint.
   */
  connectionString?: pulumi.Input<string>;
  /** postgres: one read-only SQL statement per segment, keyed by segment name. */
  queries?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** postgres: instead of queries, a table or view and the column naming each row's segment. */
  table?: pulumi.Input<{ name: pulumi.Input<string>; segmentColumn: pulumi.Input<string> }>;
  /** azure-blob: an account on the reconciler's `sources.azureBlob.allowed`. */
  accountUrl?: pulumi.Input<string>;
  /** azure-blob: the container. */
  container?: pulumi.Input<string>;
  /** azure-blob: `CustomerInsights_<instanceId>/<ExportDestinationName>`. */
  prefix?: pulumi.Input<string>;
  /** Take over a source of that name that already exists in the reconciler. @default false */
  adopt?: pulumi.Input<boolean>;
}

/** Plain inputs, as the provider receives them. */
export interface SegmentSourceInputs {
  name: string;
  type: "files" | "postgres" | "azure-blob";
  sharing?: "admins" | "contributors";
  description?: string;
  path?: string;
  connectionString?: string;
  queries?: Record<string, string>;
  table?: { name: string; segmentColumn: string };
  accountUrl?: string;
  container?: string;
  prefix?: string;
  adopt?: boolean;
  /** Stack and project that declare the resource, for the reconciler's audit log. */
  caller?: { stack: string; project: string };
}

/** What the stack state keeps: never the connection string. */
export interface SegmentSourceOutputs {
  name: string;
  type: "files" | "postgres" | "azure-blob";
  sharing: "admins" | "contributors";
  description?: string;
  path?: string;
  queries?: Record<string, string>;
  table?: { name: string; segmentColumn: string };
  accountUrl?: string;
  container?: string;
  prefix?: string;
  /** Truncated SHA-256 of the connection string last sent: a change shows without the secret. */
  connectionStringFingerprint?: string;
  generation: number;
}

// Serialized into the state as source text: it captures nothing and loads its behaviour in the
// provider process (docs/adr/0001).
/** @internal The serialized provider; exported for the provider-protocol tests. */
export const segmentSourceProvider: pulumi.dynamic.ResourceProvider<
  SegmentSourceInputs,
  SegmentSourceOutputs
> = {
  async configure(request) {
    (await import("@ccx/pulumi/settings")).configureFromStack(request.config);
  },
  async check(olds, news) {
    return (await import("@ccx/pulumi/segment-source-behaviour")).checkSource(olds, news);
  },
  async diff(id, olds, news) {
    return (await import("@ccx/pulumi/segment-source-behaviour")).diffSource(id, olds, news);
  },
  async create(inputs) {
    return (await import("@ccx/pulumi/segment-source-behaviour")).createSource(inputs);
  },
  async read(id, props) {
    return (await import("@ccx/pulumi/segment-source-behaviour")).readSource(id, props);
  },
  async update(id, olds, news) {
    return (await import("@ccx/pulumi/segment-source-behaviour")).updateSource(id, olds, news);
  },
  async delete(id, props) {
    return (await import("@ccx/pulumi/segment-source-behaviour")).deleteSource(id, props);
  },
};

/**
 * Where segment data lives, held by the ccx reconciler. Admins only: creating, changing or
 * deleting one needs an admin token. Exports (contributors' too, when shared) name it and pick
 * segments; they never choose paths, URLs, SQL or credentials.
 *
 * @example
 * const crm = new SegmentSource("crm", {
 *   type: "postgres",
 *   sharing: "contributors",
 *   connectionString: config.requireSecret("crmDatabaseUrl"),
 *   queries: { "high-value": "SELECT email, first_name FROM customers WHERE ltv > 1000" },
 * });
 * new SegmentExport("newsletter", { source: crm.name, segments: ["high-value"], ... });
 */
export class SegmentSource extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly type: pulumi.Output<SegmentSourceOutputs["type"]>;
  declare readonly sharing: pulumi.Output<"admins" | "contributors">;
  declare readonly connectionStringFingerprint: pulumi.Output<string | undefined>;
  declare readonly generation: pulumi.Output<number>;

  constructor(name: string, args: SegmentSourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      segmentSourceProvider,
      name,
      {
        ...args,
        name: args.name ?? name,
        ...(args.connectionString === undefined
          ? {}
          : { connectionString: pulumi.secret(args.connectionString) }),
        caller: { stack: pulumi.getStack(), project: pulumi.getProject() },
        connectionStringFingerprint: undefined,
        generation: undefined,
      },
      opts,
      "ccx",
      "SegmentSource",
    );
  }
}
