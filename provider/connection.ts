/**
 * `ConstantContactConnection`: the shape (arguments, inputs, outputs) and the resource. What each
 * step does lives in `connection-behaviour.ts`, loaded inside the provider process.
 */
import * as pulumi from "@pulumi/pulumi";

/** The data-privacy agreement an admin gives when creating a connection. */
export interface ConsentArgs {
  /**
   * Must be `true`: data, including personal data, leaves the platform for Constant Contact, and
   * the customer is responsible for the consent of the people in it.
   */
  accepted: pulumi.Input<boolean>;
  /** Version of the statement agreed to. @example "2026-01" */
  statementVersion: pulumi.Input<string>;
  /** Who agreed. @example "ada@contoso.com" */
  acceptedBy: pulumi.Input<string>;
}

/** OAuth credentials of the Constant Contact application (`ccx connect` prints them). */
export interface CredentialsArgs {
  clientId: pulumi.Input<string>;
  clientSecret: pulumi.Input<string>;
  /**
   * Refresh token from `ccx connect`. Handed to the reconciler once, which rotates it from then
   * on; the stack's state keeps it (spent) as an encrypted secret input and a fingerprint in the
   * outputs, and sends a token again only when you change it here.
   */
  refreshToken: pulumi.Input<string>;
}

/** Arguments of {@link ConstantContactConnection}. */
export interface ConstantContactConnectionArgs {
  /** Name in the reconciler: lowercase letters, digits, `.`, `_`, `-`. @default the resource name */
  name?: pulumi.Input<string>;
  /** Name people see. @example "Contoso marketing" */
  displayName: pulumi.Input<string>;
  /** Who may use the connection for exports. @default "admins" */
  sharing?: pulumi.Input<"admins" | "contributors">;
  consent: pulumi.Input<ConsentArgs>;
  /** Always stored as a secret, whether or not you pass a secret. */
  credentials: pulumi.Input<CredentialsArgs>;
  /** The user recorded as running exports ("add yourself as export user"). */
  exportUser: pulumi.Input<string>;
  /** Take over a connection of that name that already exists in the reconciler. @default false */
  adopt?: pulumi.Input<boolean>;
}

/** Plain inputs, as the provider receives them. */
export interface ConstantContactConnectionInputs {
  name: string;
  displayName: string;
  sharing?: "admins" | "contributors";
  consent: { accepted: boolean; statementVersion: string; acceptedBy: string };
  credentials: { clientId: string; clientSecret: string; refreshToken: string };
  exportUser: string;
  adopt?: boolean;
  /** Stack and project that declare the resource, for the reconciler's audit log. */
  caller?: { stack: string; project: string };
}

/** What the stack state keeps: never a credential. */
export interface ConstantContactConnectionOutputs {
  name: string;
  displayName: string;
  sharing: "admins" | "contributors";
  exportUser: string;
  consent: {
    accepted: boolean;
    statementVersion: string;
    acceptedBy: string;
    acceptedAt: string;
    accountId: string;
  };
  accountId: string;
  organizationName: string;
  status: "connected" | "needs-reauthorisation";
  /** Truncated SHA-256 of the credentials last sent: how a change is noticed without the token. */
  credentialsFingerprint: string;
  generation: number;
}

// Serialized into the state as source text: it captures nothing and loads its behaviour in the
// provider process (docs/adr/0001).
/** @internal The serialized provider; exported for the provider-protocol tests. */
export const connectionProvider: pulumi.dynamic.ResourceProvider<
  ConstantContactConnectionInputs,
  ConstantContactConnectionOutputs
> = {
  async configure(request) {
    (await import("@ccx/pulumi/settings")).configureFromStack(request.config);
  },
  async check(olds, news) {
    return (await import("@ccx/pulumi/connection-behaviour")).checkConnection(olds, news);
  },
  async diff(id, olds, news) {
    return (await import("@ccx/pulumi/connection-behaviour")).diffConnection(id, olds, news);
  },
  async create(inputs) {
    return (await import("@ccx/pulumi/connection-behaviour")).createConnection(inputs);
  },
  async read(id, props) {
    return (await import("@ccx/pulumi/connection-behaviour")).readConnection(id, props);
  },
  async update(id, olds, news) {
    return (await import("@ccx/pulumi/connection-behaviour")).updateConnection(id, olds, news);
  },
  async delete(id, props) {
    return (await import("@ccx/pulumi/connection-behaviour")).deleteConnection(id, props);
  },
};

/**
 * A Constant Contact connection held by the ccx reconciler. Admins only: creating, changing or
 * deleting one needs an admin token. Creating verifies the credentials against Constant Contact.
 *
 * @example
 * const connection = new ConstantContactConnection("marketing", {
 *   displayName: "Contoso marketing",
 *   sharing: "contributors",
 *   consent: { accepted: true, statementVersion: "2026-01", acceptedBy: "ada@contoso.com" },
 *   credentials: config.requireSecretObject("constantContact"),
 *   exportUser: "ada@contoso.com",
 * });
 */
export class ConstantContactConnection extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly displayName: pulumi.Output<string>;
  declare readonly sharing: pulumi.Output<"admins" | "contributors">;
  declare readonly exportUser: pulumi.Output<string>;
  declare readonly consent: pulumi.Output<ConstantContactConnectionOutputs["consent"]>;
  /** The Constant Contact account behind the credentials. */
  declare readonly accountId: pulumi.Output<string>;
  declare readonly organizationName: pulumi.Output<string>;
  declare readonly status: pulumi.Output<ConstantContactConnectionOutputs["status"]>;
  declare readonly credentialsFingerprint: pulumi.Output<string>;
  declare readonly generation: pulumi.Output<number>;

  constructor(
    name: string,
    args: ConstantContactConnectionArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      connectionProvider,
      name,
      {
        ...args,
        name: args.name ?? name,
        credentials: pulumi.secret(args.credentials),
        caller: { stack: pulumi.getStack(), project: pulumi.getProject() },
        accountId: undefined,
        organizationName: undefined,
        status: undefined,
        credentialsFingerprint: undefined,
        generation: undefined,
      },
      opts,
      "ccx",
      "ConstantContactConnection",
    );
  }
}
