import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type * as providerProto from "@pulumi/pulumi/proto/provider_pb.js";
import { configFromRequest } from "./serve.ts";

const require = createRequire(import.meta.url);
const { ConfigureRequest } = require("@pulumi/pulumi/proto/provider_pb") as typeof providerProto;
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
};

const SIG = "4dabf18193072939515e22adb298388d";

function request(options: {
  args?: Record<string, unknown>;
  variables?: Record<string, string>;
}): providerProto.ConfigureRequest {
  const configure = new ConfigureRequest();
  if (options.args !== undefined) {
    configure.setArgs(
      Struct.fromJavaScript(options.args) as Parameters<typeof configure.setArgs>[0],
    );
  }
  for (const [key, value] of Object.entries(options.variables ?? {})) {
    configure.getVariablesMap().set(key, value);
  }
  return configure;
}

describe("configFromRequest", () => {
  it("reads endpoint and token from the typed arguments, unwrapping the secret token", () => {
    const configure = request({
      args: {
        endpoint: "https://ccx.example.com",
        token: { [SIG]: "1b47061264138c4ac30d75fd1eb44270", value: "ccx_secret" },
      },
    });
    expect(configFromRequest(configure, "ccx")).toEqual({
      endpoint: "https://ccx.example.com",
      token: "ccx_secret",
    });
  });

  it("falls back to the older ccx:config:* variables, and leaves out what is empty", () => {
    const configure = request({
      args: { endpoint: "" },
      variables: { "ccx:config:endpoint": "http://127.0.0.1:8080", "other:config:token": "x" },
    });
    expect(configFromRequest(configure, "ccx")).toEqual({ endpoint: "http://127.0.0.1:8080" });
  });
});
