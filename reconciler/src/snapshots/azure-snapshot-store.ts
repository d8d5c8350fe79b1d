/**
 * Snapshots in Azure Blob Storage (production, shared by replicas):
 * `<container>/<prefix>/<export>/<id>.tsv.gz` as block blobs, uploaded as a stream with
 * `If-None-Match: *` so an id is never overwritten. A block blob becomes visible only when its
 * block list is committed at the end of the upload, so a failed upload leaves no snapshot.
 */
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ContainerClient } from "@azure/storage-blob";
import { batched } from "../core/batched.ts";
import type { Batched } from "../core/batched.ts";
import { AppError } from "../core/errors.ts";
import type { SnapshotEntry } from "../core/diff.ts";
import { decodeSnapshotBatches, encodeSnapshot } from "./snapshot-format.ts";
import { snapshotGunzip, snapshotGzip } from "./snapshot-compression.ts";
import type { EncodeStats } from "./snapshot-format.ts";
import { checkExportName, newSnapshotId, parseSnapshotId } from "./snapshot-store.ts";
import type { SnapshotCompression, SnapshotRef, SnapshotStore } from "./snapshot-store.ts";

/** Options of {@link createAzureSnapshotStore}. */
export interface AzureSnapshotStoreOptions extends SnapshotCompression {
  container: ContainerClient;
  /** Folder inside the container. @default "snapshots" */
  prefix?: string | undefined;
}

/** Creates an Azure Blob snapshot store. The container must exist. */
export function createAzureSnapshotStore(options: AzureSnapshotStoreOptions): SnapshotStore {
  const gzipLevel = options.gzipLevel ?? 1;
  const prefix = (options.prefix ?? "snapshots").replace(/^\/+|\/+$/g, "");
  const blobName = (id: string): string => {
    parseSnapshotId(id);
    return prefix === "" ? id : `${prefix}/${id}`;
  };
  return {
    kind: "azure-blob",
    async write(exportName, entries): Promise<SnapshotRef> {
      const id = newSnapshotId(exportName, gzipLevel > 0);
      const blob = options.container.getBlockBlobClient(blobName(id));
      const stats: EncodeStats = { entries: 0 };
      const body = new PassThrough();
      const text = Readable.from(encodeSnapshot(entries, stats));
      const producing =
        gzipLevel > 0 ? pipeline(text, snapshotGzip(gzipLevel), body) : pipeline(text, body);
      const uploading = blob.uploadStream(body, 4 * 1024 * 1024, 2, {
        conditions: { ifNoneMatch: "*" },
        blobHTTPHeaders: {
          blobContentType: gzipLevel > 0 ? "application/gzip" : "text/tab-separated-values",
        },
      });
      const [produced, uploaded] = await Promise.allSettled([producing, uploading]);
      if (produced.status === "rejected") {
        // The upload may have committed what it had; an unsorted or broken stream must leave nothing.
        await blob.deleteIfExists().catch(() => undefined);
        throw produced.reason;
      }
      if (uploaded.status === "rejected") {
        throw new AppError(
          "SNAPSHOT_STORE_UNAVAILABLE",
          `snapshot ${id} could not be uploaded; retrying the run may help`,
          {
            cause: uploaded.reason,
            retryable: true,
          },
        );
      }
      const properties = await blob.getProperties();
      return {
        id,
        exportName,
        entries: stats.entries,
        bytes: properties.contentLength ?? 0,
        createdAt: new Date().toISOString(),
      };
    },
    read(id): Batched<SnapshotEntry> {
      // A bad id fails while reading, as a missing snapshot does.
      return batched(async function* () {
        yield* readBlob(options.container, blobName(id), id, parseSnapshotId(id).gzip);
      });
    },
    async list(exportName): Promise<string[]> {
      checkExportName(exportName);
      const ids: string[] = [];
      const folder = `${prefix === "" ? "" : `${prefix}/`}${exportName}/`;
      for await (const blob of options.container.listBlobsFlat({ prefix: folder })) {
        const id = blob.name.slice(prefix === "" ? 0 : prefix.length + 1);
        try {
          parseSnapshotId(id);
          ids.push(id);
        } catch {
          // not a snapshot
        }
      }
      return ids.sort();
    },
    async delete(id): Promise<void> {
      await options.container.getBlobClient(blobName(id)).deleteIfExists();
    },
  };
}

async function* readBlob(
  container: ContainerClient,
  name: string,
  id: string,
  gzip: boolean,
): AsyncGenerator<SnapshotEntry[]> {
  let body: Readable;
  try {
    const download = await container.getBlobClient(name).download();
    if (download.readableStreamBody === undefined) throw new Error("the download has no body");
    body = download.readableStreamBody as Readable;
  } catch (error) {
    const status =
      error !== null && typeof error === "object" && "statusCode" in error
        ? error.statusCode
        : undefined;
    if (status === 404) {
      throw new AppError(
        "SNAPSHOT_NOT_FOUND",
        `snapshot ${id} does not exist in the blob snapshot store`,
        {
          cause: error,
        },
      );
    }
    throw new AppError(
      "SNAPSHOT_STORE_UNAVAILABLE",
      `snapshot ${id} could not be downloaded; retrying may help`,
      {
        cause: error,
        retryable: true,
      },
    );
  }
  if (!gzip) {
    yield* decodeSnapshotBatches(body, id);
    return;
  }
  const gunzip = snapshotGunzip();
  body.on("error", (error) => gunzip.destroy(error));
  yield* decodeSnapshotBatches(body.pipe(gunzip), id);
}
