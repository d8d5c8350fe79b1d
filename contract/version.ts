/**
 * The compatibility handshake between a client (the Pulumi provider, the `ccx` CLI) and the
 * reconciler. Package versions say who is talking; the API level says whether they can work
 * together. A level is bumped only by a change that an older client or reconciler would
 * misunderstand, so minor releases on both sides keep working with each other.
 */
import { z } from "zod";

/** The API level this contract describes. */
export const API_LEVEL = 1;

/** Oldest client level the reconciler of this contract still serves. */
export const MIN_CLIENT_API_LEVEL = 1;

/** Request header: the client's API level. */
export const API_LEVEL_HEADER = "x-ccx-api-level";

/** Request header: the client's package and version, e.g. `@ccx/pulumi@0.2.0`. */
export const CLIENT_HEADER = "x-ccx-client";

/** Response header: the reconciler's package and version, e.g. `@ccx/reconciler@0.2.0`. */
export const SERVER_HEADER = "x-ccx-reconciler";

/** `GET /v1/version`: who the reconciler is and which client levels it serves. */
export const VersionSchema = z
  .object({
    reconciler: z
      .string()
      .meta({ description: "Package and version, e.g. `@ccx/reconciler@0.2.0`" }),
    apiLevel: z.int().meta({ description: "API level the reconciler speaks" }),
    minClientApiLevel: z.int().meta({ description: "Oldest client API level it still serves" }),
  })
  .meta({ id: "Version" });

export type ReconcilerVersion = z.infer<typeof VersionSchema>;

/** Whether a client at `clientLevel` can work with the reconciler, and if not, what to do. */
export type Compatibility =
  { compatible: true } | { compatible: false; upgrade: "client" | "reconciler"; message: string };

/**
 * Decides whether `client` (at `clientLevel`) and the reconciler described by `server` can work
 * together; the message names both versions and what to upgrade.
 */
export function checkCompatibility(
  client: string,
  clientLevel: number,
  server: ReconcilerVersion,
): Compatibility {
  if (clientLevel > server.apiLevel) {
    return {
      compatible: false,
      upgrade: "reconciler",
      message:
        `${client} speaks API level ${clientLevel}, but the reconciler ${server.reconciler} ` +
        `speaks level ${server.apiLevel}: upgrade the reconciler to a release of the same ` +
        `version as ${client}, or install an older client that matches it`,
    };
  }
  if (clientLevel < server.minClientApiLevel) {
    return {
      compatible: false,
      upgrade: "client",
      message:
        `${client} speaks API level ${clientLevel}, but the reconciler ${server.reconciler} ` +
        `needs level ${server.minClientApiLevel} or newer: upgrade ${packageName(client)} ` +
        `to the reconciler's version (e.g. \`npm install ${packageName(client)}@${versionOf(server.reconciler)}\`)`,
    };
  }
  return { compatible: true };
}

function packageName(nameAtVersion: string): string {
  const at = nameAtVersion.lastIndexOf("@");
  return at > 0 ? nameAtVersion.slice(0, at) : nameAtVersion;
}

function versionOf(nameAtVersion: string): string {
  const at = nameAtVersion.lastIndexOf("@");
  return at > 0 ? nameAtVersion.slice(at + 1) : "latest";
}

/**
 * `<name>@<version>` of the package that holds `moduleUrl`: the nearest package.json above it,
 * which is the same file whether the code runs from its sources or from a published build.
 * `readText` reads a file (`readFileSync(url, "utf8")`); this module does no I/O of its own.
 */
export function packageIdentityOf(moduleUrl: string, readText: (url: URL) => string): string {
  for (let folder = new URL("./", moduleUrl); ; folder = new URL("../", folder)) {
    try {
      const manifest = JSON.parse(readText(new URL("package.json", folder))) as {
        name?: string;
        version?: string;
      };
      if (manifest.name !== undefined && manifest.version !== undefined) {
        return `${manifest.name}@${manifest.version}`;
      }
    } catch {
      // No package.json here: look one folder up.
    }
    if (folder.pathname === "/") return "unknown@0.0.0";
  }
}
