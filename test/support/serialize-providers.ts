/**
 * Prints the ccx dynamic providers serialized exactly as a Pulumi program serializes them, as JSON
 * `{ connection, segmentSource, segmentExport }`. Runs in a plain Node process: code transformed by a test runner
 * would serialize the runner's helpers too.
 */
import * as pulumi from "@pulumi/pulumi";
import { connectionProvider } from "../../provider/connection.ts";
import { segmentExportProvider } from "../../provider/segment-export.ts";
import { segmentSourceProvider } from "../../provider/segment-source.ts";

async function serialize(provider: object): Promise<string> {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return serialized.text;
}

process.stdout.write(
  JSON.stringify({
    connection: await serialize(connectionProvider),
    segmentSource: await serialize(segmentSourceProvider),
    segmentExport: await serialize(segmentExportProvider),
  }),
);
