/**
 * Builds the source an export definition names (`source` in the API's export schema).
 */
import { AppError } from "../core/errors.ts";
import { createAzureBlobSource } from "./azure-blob-source.ts";
import { createFilesSource } from "./files-source.ts";
import { createPostgresSource } from "./postgres-source.ts";
import type { SegmentSource } from "./segment-source.ts";

/** A source as declared on an export. */
export type SourceDefinition =
  | { type: "files"; path: string }
  | { type: "azure-blob"; accountUrl: string; container: string; prefix?: string | undefined }
  | { type: "postgres"; connectionStringEnv: string; queries: Readonly<Record<string, string>> };

/** What the process provides to sources: secrets by name, and a storage override for tests. */
export interface SourceEnvironment {
  /** Looks up a named secret (for `connectionStringEnv`); the process config supplies it. */
  secret(name: string): string | undefined;
  /**
   * A storage connection string to use instead of `accountUrl` + Azure identity (Azurite in
   * development). @default none
   */
  azureStorageConnectionString?: string | undefined;
}

/** Creates the source of a definition. */
export function createSegmentSource(
  definition: SourceDefinition,
  environment: SourceEnvironment,
): SegmentSource {
  switch (definition.type) {
    case "files":
      return createFilesSource({ path: definition.path });
    case "azure-blob":
      return createAzureBlobSource({
        prefix: definition.prefix,
        access:
          environment.azureStorageConnectionString === undefined
            ? { accountUrl: definition.accountUrl, container: definition.container }
            : {
                connectionString: environment.azureStorageConnectionString,
                container: definition.container,
              },
      });
    case "postgres": {
      const connectionString = environment.secret(definition.connectionStringEnv);
      if (connectionString === undefined || connectionString === "") {
        throw new AppError(
          "SOURCE_UNAVAILABLE",
          `the reconciler has no ${definition.connectionStringEnv}; set it to the segment database's connection string`,
        );
      }
      return createPostgresSource({ connectionString, queries: definition.queries });
    }
  }
}
