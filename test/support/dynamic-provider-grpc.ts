/**
 * Drives Pulumi's real dynamic-provider server (`@pulumi/pulumi/cmd/dynamic-provider`) over gRPC,
 * the way the engine does, with providers serialized the way a program serializes them.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { once } from "node:events";
import { promisify } from "node:util";
import type * as grpcTypes from "@grpc/grpc-js";
import { repoRoot } from "./pulumi-cli.ts";

const require = createRequire(import.meta.url);
const grpc = require("@grpc/grpc-js") as typeof grpcTypes;
const providerGrpc = require("@pulumi/pulumi/proto/provider_grpc_pb") as {
  ResourceProviderClient: new (
    address: string,
    credentials: grpcTypes.ChannelCredentials,
  ) => grpcTypes.Client;
};
const providerPb = require("@pulumi/pulumi/proto/provider_pb") as Record<
  string,
  new () => ProtoMessage
>;
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
};

interface ProtoMessage {
  [setter: string]: unknown;
}

/** The providers, serialized by a plain Node process. */
export async function serializeProviders(): Promise<{
  connection: string;
  segmentSource: string;
  segmentExport: string;
}> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["test/support/serialize-providers.ts"],
    { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as { connection: string; segmentSource: string; segmentExport: string };
}

type Properties = Record<string, unknown>;

export interface CheckResponse {
  inputs: Properties;
  failures: Array<{ property: string; reason: string }>;
}
export interface DiffResponse {
  changes: number;
  replaces: string[];
}

/** A running dynamic-provider server and a client for it. */
export interface DynamicProviderServer {
  configure(config: Record<string, string>): Promise<void>;
  check(urn: string, olds: Properties, news: Properties): Promise<CheckResponse>;
  diff(urn: string, id: string, olds: Properties, news: Properties): Promise<DiffResponse>;
  create(urn: string, properties: Properties): Promise<{ id: string; properties: Properties }>;
  read(
    urn: string,
    id: string,
    properties: Properties,
  ): Promise<{ id: string; properties: Properties }>;
  update(urn: string, id: string, olds: Properties, news: Properties): Promise<Properties>;
  delete(urn: string, id: string, properties: Properties): Promise<void>;
  close(): Promise<void>;
}

/** Starts the server with `env` (working directory: the package root, as the engine does). */
export async function startDynamicProviderServer(
  env: NodeJS.ProcessEnv = {},
): Promise<DynamicProviderServer> {
  const script = require.resolve("@pulumi/pulumi/cmd/dynamic-provider");
  // One argument is required: the engine address. Nothing here calls back into an engine.
  const child: ChildProcess = spawn(process.execPath, [script, "127.0.0.1:1"], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (chunk: Buffer) =>
      resolve(chunk.toString().trim().split("\n")[0] ?? ""),
    );
    child.once("exit", (code) =>
      reject(new Error(`dynamic-provider exited with ${code}: ${stderr}`)),
    );
  });
  const client = new providerGrpc.ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );

  const message = (type: string, fields: Record<string, unknown>): ProtoMessage => {
    const Message = providerPb[type];
    if (Message === undefined) throw new Error(`no message type ${type}`);
    const instance = new Message();
    for (const [field, value] of Object.entries(fields)) {
      const setter = `set${field[0]?.toUpperCase()}${field.slice(1)}`;
      (instance[setter] as (v: unknown) => void).call(instance, value);
    }
    return instance;
  };
  const call = <T>(method: string, request: ProtoMessage): Promise<T> =>
    new Promise((resolve, reject) => {
      const fn = (
        client as unknown as Record<
          string,
          (r: ProtoMessage, cb: (e: Error | null, r: T) => void) => void
        >
      )[method];
      if (fn === undefined) throw new Error(`no method ${method}`);
      fn.call(client, request, (error, response) => (error ? reject(error) : resolve(response)));
    });
  const struct = (value: Properties) => Struct.fromJavaScript(value);
  const plain = (value: unknown): Properties =>
    (value as { toJavaScript(): Properties } | undefined)?.toJavaScript() ?? {};
  type Response = Record<string, () => unknown>;

  return {
    async configure(config) {
      await call("configure", message("ConfigureRequest", { args: struct(config) }));
    },
    async check(urn, olds, news) {
      const response = await call<Response>(
        "check",
        message("CheckRequest", { urn, olds: struct(olds), news: struct(news) }),
      );
      const failures = (response.getFailuresList?.() as Array<Record<string, () => string>>).map(
        (failure) => ({
          property: failure.getProperty?.() ?? "",
          reason: failure.getReason?.() ?? "",
        }),
      );
      return { inputs: plain(response.getInputs?.()), failures };
    },
    async diff(urn, id, olds, news) {
      const response = await call<Response>(
        "diff",
        message("DiffRequest", { urn, id, olds: struct(olds), news: struct(news) }),
      );
      return {
        changes: response.getChanges?.() as number,
        replaces: response.getReplacesList?.() as string[],
      };
    },
    async create(urn, properties) {
      const response = await call<Response>(
        "create",
        message("CreateRequest", { urn, properties: struct(properties) }),
      );
      return { id: response.getId?.() as string, properties: plain(response.getProperties?.()) };
    },
    async read(urn, id, properties) {
      const response = await call<Response>(
        "read",
        message("ReadRequest", { urn, id, properties: struct(properties) }),
      );
      return { id: response.getId?.() as string, properties: plain(response.getProperties?.()) };
    },
    async update(urn, id, olds, news) {
      const response = await call<Response>(
        "update",
        message("UpdateRequest", { urn, id, olds: struct(olds), news: struct(news) }),
      );
      return plain(response.getProperties?.());
    },
    async delete(urn, id, properties) {
      await call("delete", message("DeleteRequest", { urn, id, properties: struct(properties) }));
    },
    async close() {
      client.close();
      child.kill();
      await once(child, "exit");
    },
  };
}
