/**
 * Serves the plugin with `@pulumi/pulumi/provider`'s gRPC server (`main`), plus two things that
 * server (SDK 3.270) leaves out, patched in while `main` registers the service; every other method
 * stays the SDK's (docs/adr/0012):
 *
 * - its `Configure` answers without reading the request, so a provider written on it never sees
 *   its configuration, and `ccx:endpoint` and `ccx:token` arrive exactly there. The `Configure`
 *   here reads the request's arguments (or the older `ccx:config:*` variables), hands them to the
 *   provider's settings, and answers with what the shell supports;
 * - its `Read` assumes the request carries the resource's state, which `pulumi import` does not
 *   send: such a read gets an empty state, which the shell knows as an import.
 */
import { createRequire } from "node:module";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as sdk from "@pulumi/pulumi/provider/index.js";
import type * as providerProto from "@pulumi/pulumi/proto/provider_pb.js";

/** The provider settings the stack configures, by their config key without the package. */
export type ProviderConfig = Partial<Record<"endpoint" | "token", string>>;

// The SDK's own copies of grpc-js and its generated messages: the hook must patch the server class
// that `main` uses, and answer with the message class it serializes.
const sdkRequire = createRequire(
  createRequire(import.meta.url).resolve("@pulumi/pulumi/provider/index.js"),
);
const grpc = sdkRequire("@grpc/grpc-js") as typeof grpcTypes;
const { main } = sdkRequire("./index.js") as typeof sdk;
const { ConfigureResponse } = sdkRequire("../proto/provider_pb") as typeof providerProto;
const { ResourceProviderService } = sdkRequire("../proto/provider_grpc_pb") as {
  ResourceProviderService: grpcTypes.ServiceDefinition;
};
const { Struct } = sdkRequire("google-protobuf/google/protobuf/struct_pb") as {
  Struct: new () => unknown;
};

/** Pulumi's secret wrapper, as a configure request's arguments carry a secret value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function configValue(value: unknown): string | undefined {
  if (value !== null && typeof value === "object" && SECRET_SIG in value) {
    return configValue((value as { value?: unknown }).value);
  }
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The ccx settings in a `ConfigureRequest`: typed arguments first, then the legacy variables. */
export function configFromRequest(
  request: providerProto.ConfigureRequest,
  packageName: string,
): ProviderConfig {
  const args = (request.getArgs()?.toJavaScript() ?? {}) as Record<string, unknown>;
  const variables = request.getVariablesMap();
  const read = (key: "endpoint" | "token") =>
    configValue(args[key]) ?? configValue(variables.get(`${packageName}:config:${key}`));
  const config: ProviderConfig = {};
  const endpoint = read("endpoint");
  const token = read("token");
  if (endpoint !== undefined) config.endpoint = endpoint;
  if (token !== undefined) config.token = token;
  return config;
}

type UnaryCallback = (error: grpcTypes.ServiceError | null, value?: unknown) => void;
type AddService = (
  this: grpcTypes.Server,
  service: grpcTypes.ServiceDefinition,
  implementation: grpcTypes.UntypedServiceImplementation,
) => void;

/** The SDK's implementation with this module's `Configure` and `Read` in front. */
function patched(
  implementation: grpcTypes.UntypedServiceImplementation,
  onConfigure: (request: providerProto.ConfigureRequest) => void,
): grpcTypes.UntypedServiceImplementation {
  // Everything else stays the SDK's: the object inherits from its implementation.
  const service = Object.create(implementation) as grpcTypes.UntypedServiceImplementation;
  service["configure"] = (
    call: grpcTypes.ServerUnaryCall<providerProto.ConfigureRequest, unknown>,
    callback: UnaryCallback,
  ) => {
    try {
      onConfigure(call.request);
    } catch (error) {
      callback(error as grpcTypes.ServiceError);
      return;
    }
    const response = new ConfigureResponse();
    // Secrets arrive wrapped and go back wrapped (the shell handles both ways). Resource
    // references and output values are left to the engine to resolve into plain values.
    response.setAcceptsecrets(true);
    response.setAcceptresources(false);
    response.setAcceptoutputs(false);
    // Create and update always act: the engine must not call them during a preview.
    response.setSupportspreview(false);
    callback(null, response);
  };
  const read = implementation["read"] as (
    this: grpcTypes.UntypedServiceImplementation,
    call: unknown,
    callback: UnaryCallback,
  ) => unknown;
  service["read"] = (
    call: grpcTypes.ServerUnaryCall<providerProto.ReadRequest, unknown>,
    callback: UnaryCallback,
  ) => {
    if (!call.request.hasProperties()) {
      call.request.setProperties(
        new Struct() as ReturnType<providerProto.ReadRequest["getProperties"]>,
      );
    }
    return read.call(service, call, callback);
  };
  return service;
}

/**
 * Starts the gRPC server for `provider` (printing its port, as the engine expects) with
 * `onConfigure` called on every `Configure`.
 */
export async function serveProvider(
  provider: sdk.Provider,
  options: {
    packageName: string;
    onConfigure: (config: ProviderConfig) => void;
    args: string[];
  },
): Promise<void> {
  const prototype = grpc.Server.prototype as { addService: AddService };
  const addService = prototype.addService;
  prototype.addService = function (service, implementation) {
    addService.call(
      this,
      service,
      service === ResourceProviderService
        ? patched(implementation, (request) =>
            options.onConfigure(configFromRequest(request, options.packageName)),
          )
        : implementation,
    );
  };
  try {
    await main(provider, options.args);
  } finally {
    prototype.addService = addService;
  }
}
