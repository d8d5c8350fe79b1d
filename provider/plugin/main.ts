/**
 * Entry point of `pulumi-resource-ccx`, the ccx resource plugin: the engine starts it (through the
 * launcher beside it) with its own address as the argument and reads the gRPC port from the first
 * line of standard output.
 */
import { configureFromStack } from "../settings.ts";
import { providerIdentity } from "../reconciler-client.ts";
import { createCcxProvider } from "./ccx-provider.ts";
import { PACKAGE_NAME, packageSchema } from "./package-schema.ts";
import { serveProvider } from "./serve.ts";

/** The plugin's version: the package's (`@ccx/pulumi@<version>`), as the reconciler also sees it. */
const version = providerIdentity().replace(/^.*@/, "");

// The engine asks only for what it needs; building the schema once at start costs milliseconds.
const schema = JSON.stringify(packageSchema(version));

await serveProvider(createCcxProvider({ version, schema }), {
  packageName: PACKAGE_NAME,
  onConfigure: (config) =>
    configureFromStack({ get: (key) => config[key.replace(/^ccx:/, "") as keyof typeof config] }),
  args: process.argv.slice(2),
});
