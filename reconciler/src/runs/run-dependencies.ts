/**
 * The dependencies of export runs built from the reconciler's configuration: the snapshot store
 * (a local directory by default, Azure Blob when configured), the Constant Contact location,
 * the sources' environment and the run limits. `main.ts` calls this once at start.
 */
import { join } from "node:path";
import type { Logger } from "pino";
import type { ReconcilerConfig } from "../config.ts";
import type { ExportRunDependencies } from "../export/run-state.ts";
import { createAzureSnapshotStore } from "../snapshots/azure-snapshot-store.ts";
import { createLocalSnapshotStore } from "../snapshots/local-snapshot-store.ts";
import type { SnapshotStore } from "../snapshots/snapshot-store.ts";
import { openContainerClient } from "../sources/azure-blob-source.ts";
import type { SourceEnvironment } from "../sources/open-source.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import type { Store } from "../store/store.ts";
import { AppError } from "../core/errors.ts";

/** The local snapshot directory the config names (default: beside the data directory). */
export function snapshotDirectoryOf(config: ReconcilerConfig): string {
  if (config.snapshots.dir !== undefined) return config.snapshots.dir;
  const dataDir = config.store.dataDir;
  return dataDir.startsWith("memory://") ? join(".ccx", "snapshots") : join(dataDir, "snapshots");
}

/** Opens the configured snapshot store. */
export async function openSnapshotStore(config: ReconcilerConfig): Promise<SnapshotStore> {
  const azure = config.snapshots.azureBlob;
  if (azure === undefined) return createLocalSnapshotStore({ root: snapshotDirectoryOf(config) });
  const access =
    azure.connectionString !== undefined
      ? { connectionString: azure.connectionString, container: azure.container }
      : azure.accountUrl !== undefined
        ? { accountUrl: azure.accountUrl, container: azure.container }
        : undefined;
  if (access === undefined) {
    throw new AppError(
      "CONFIG_INVALID",
      "snapshots.azureBlob needs connectionString or accountUrl",
    );
  }
  return createAzureSnapshotStore({
    container: await openContainerClient(access),
    prefix: azure.prefix,
  });
}

/** What sources may point at and how azure-blob sources reach storage, from the config. */
export function sourceEnvironmentOf(config: ReconcilerConfig): SourceEnvironment {
  return {
    policy: {
      files: config.sources.files,
      azureBlob: config.sources.azureBlob,
      postgres: config.sources.postgres,
    },
    azureStorageConnectionString: config.sources.azureStorageConnectionString,
  };
}

/** Everything the export pipeline needs, from the configuration and the process's adapters. */
export async function createRunDependencies(input: {
  config: ReconcilerConfig;
  store: Store;
  secretBox: SecretBox;
  logger: Logger;
}): Promise<ExportRunDependencies> {
  const { config } = input;
  return {
    store: input.store,
    secretBox: input.secretBox,
    logger: input.logger,
    ctct: { apiBaseUrl: config.ctct.apiBaseUrl, tokenUrl: config.ctct.tokenUrl },
    snapshots: await openSnapshotStore(config),
    sources: sourceEnvironmentOf(config),
    tempDirectory: config.runs.tempDir,
    profileLimit: config.runs.profileLimit,
    maxActivitiesInFlight: config.runs.maxActivitiesInFlight,
  };
}
