/**
 * Opens the segment source an export names: the admin-owned source in the store, checked against
 * the reconciler's policy (roots, allow-list, limits) every time it is opened, not only when it
 * was saved — a symlink can be swapped, the configuration can shrink. What a run or a plan reports
 * names the segment and the source, never a host path, URL or database message.
 */
import { AppError } from "../core/errors.ts";
import { openSourceSecret } from "../secrets/source-secret.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import { getSource, type SourceRecord } from "../store/source-store.ts";
import type { Store } from "../store/store.ts";
import { createAzureBlobSource } from "./azure-blob-source.ts";
import { createFilesSource } from "./files-source.ts";
import { createPostgresSource } from "./postgres-source.ts";
import type { ResolvedSegment, SegmentSource } from "./segment-source.ts";
import { assertBlobAllowed, confineToRoots, type SourcePolicy } from "./source-policy.ts";

/** What the process provides to sources. */
export interface SourceEnvironment {
  /** The bounds from the configuration (`sources`). */
  policy: SourcePolicy;
  /**
   * A storage connection string to use instead of `accountUrl` + Azure identity (Azurite in
   * development). @default none
   */
  azureStorageConnectionString?: string | undefined;
}

/** What opening a stored source needs. */
export interface SourceOpener {
  store: Store;
  secretBox: SecretBox;
  environment: SourceEnvironment;
}

/** Codes whose messages are ours and name no path, URL or database text. */
const OWN_MESSAGES = new Set([
  "SOURCE_OUTSIDE_ROOTS",
  "SOURCE_NOT_ALLOWED",
  "SOURCE_LIMIT_EXCEEDED",
  "SOURCE_TIMEOUT",
  "SOURCE_CREDENTIALS_MISSING",
]);

/**
 * The same error with a message that names only the segment and the source: the inner sources
 * describe files, folders and blobs by where they are, which a contributor must not learn. The
 * original stays in `cause` for the log.
 */
function withoutLocation(error: unknown, sourceName: string, segment: string): unknown {
  if (!(error instanceof AppError) || OWN_MESSAGES.has(error.code)) return error;
  if (error.details?.["source"] === sourceName) return error;
  const message =
    error.code === "SOURCE_NOT_FOUND"
      ? `segment '${segment}' was not found in source '${sourceName}'; check the segment's name ` +
        "(`ccx sources` lists the sources you may use)"
      : error.code === "SOURCE_UNAVAILABLE"
        ? `source '${sourceName}' cannot be reached for segment '${segment}'; try again later, or ` +
          "ask an admin to check the source"
        : `segment '${segment}' of source '${sourceName}' cannot be read (${error.code}); an ` +
          "admin can find the details in the reconciler's log";
  return new AppError(error.code, message, {
    cause: error,
    retryable: error.retryable,
    details: { source: sourceName, segment },
  });
}

function guarded(sourceName: string, inner: SegmentSource): SegmentSource {
  return {
    kind: inner.kind,
    async resolve(segment): Promise<ResolvedSegment> {
      try {
        const resolved = await inner.resolve(segment);
        return { ...resolved, location: `segment '${segment}' of source '${sourceName}'` };
      } catch (error) {
        throw withoutLocation(error, sourceName, segment);
      }
    },
    close: () => inner.close(),
  };
}

/** Builds the source adapter of a stored source after checking it against the policy. */
export async function openStoredSource(
  record: SourceRecord,
  secretBox: SecretBox,
  environment: SourceEnvironment,
): Promise<SegmentSource> {
  const { policy } = environment;
  const settings = record.settings;
  switch (settings.type) {
    case "files": {
      const folder = await confineToRoots(policy, record.name, settings.path);
      return guarded(
        record.name,
        createFilesSource({
          path: folder,
          // Every file and part folder is resolved again: a symlink inside the folder that
          // leaves the roots is refused when it is read, whenever it was created.
          checkPath: async (path) => {
            await confineToRoots(policy, record.name, path);
          },
        }),
      );
    }
    case "azure-blob": {
      assertBlobAllowed(policy, record.name, settings.accountUrl, settings.container);
      return guarded(
        record.name,
        createAzureBlobSource({
          prefix: settings.prefix,
          access:
            environment.azureStorageConnectionString === undefined
              ? { accountUrl: settings.accountUrl, container: settings.container }
              : {
                  connectionString: environment.azureStorageConnectionString,
                  container: settings.container,
                },
        }),
      );
    }
    case "postgres": {
      if (record.secret === null) {
        throw new AppError(
          "SOURCE_CREDENTIALS_MISSING",
          `source '${record.name}' has no connection string; an admin must set one ` +
            `(PUT /v1/sources/${record.name} with connectionString, or the SegmentSource resource)`,
          { details: { source: record.name } },
        );
      }
      const connectionString = openSourceSecret(secretBox, record.name, record.secret.ciphertext);
      return guarded(
        record.name,
        createPostgresSource({
          connectionString,
          sourceName: record.name,
          segments:
            settings.table !== undefined
              ? { table: settings.table }
              : { queries: settings.queries ?? {} },
          statementTimeoutMs: policy.postgres.statementTimeoutMs,
          maxRows: policy.postgres.maxRows,
          maxBytes: policy.postgres.maxBytes,
        }),
      );
    }
  }
}

/**
 * Opens the source named `sourceName` (an export's `source`).
 * @throws AppError `SOURCE_NOT_FOUND` when it no longer exists, and the policy's refusals.
 */
export async function openSegmentSource(
  opener: SourceOpener,
  sourceName: string,
): Promise<SegmentSource> {
  const record = await getSource(opener.store, sourceName);
  if (record === undefined) {
    throw new AppError(
      "SOURCE_NOT_FOUND",
      `source '${sourceName}' does not exist; an admin must create it, or change the export ` +
        "to a source that exists (`ccx sources`)",
      { details: { source: sourceName } },
    );
  }
  return openStoredSource(record, opener.secretBox, opener.environment);
}
