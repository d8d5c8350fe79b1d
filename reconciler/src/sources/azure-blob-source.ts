/**
 * The `azure-blob` source: the segment exports Customer Insights writes to Azure Data Lake / Blob
 * Storage (DESIGN §4.2):
 *
 * ```
 * <container>/<prefix = CustomerInsights_<instanceId>/<ExportDestinationName>>/
 *   model.json                                        (CDM: tables' attributes and partitions)
 *   <TableName>/<yyyy>/<MM>/<dd>/<HHmm>/<TableName>_<PartitionId>.csv
 * ```
 *
 * Each export run writes one full snapshot into a new time folder, large tables as several part
 * files. **Which folder is current:** Customer Insights rewrites `model.json` when a run has
 * written all its partitions, so the current folder is the newest time folder whose partitions
 * `model.json` lists and all exist; newer folders are runs still being written and are ignored.
 * When `model.json` lists no partition of the table (or is absent) there is no completeness
 * signal, and the newest time folder holding `.csv` files is used.
 *
 * **Column names** come from the header row, or — when the partitions have none — from the
 * table's attributes in `model.json`: a partition's `fileFormatSettings.columnHeaders` decides;
 * when it is not stated, the first record is a header exactly when it equals the attribute names.
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { ContainerClient } from "@azure/storage-blob";
import type { TokenCredential } from "@azure/identity";
import { AppError } from "../core/errors.ts";
import { parseCsvRowBatches } from "./parse-rows.ts";
import type { CsvHeader } from "./parse-rows.ts";
import type { ResolvedSegment, SegmentRow, SegmentSource } from "./segment-source.ts";

/** How to reach the container. */
export type AzureContainerAccess =
  /** A storage connection string (Azurite, or an account key / SAS in development). */
  | { connectionString: string; container: string }
  /**
   * An account URL and an Azure identity; `credential` defaults to `DefaultAzureCredential`
   * (managed identity in Azure, developer sign-in locally).
   */
  | { accountUrl: string; container: string; credential?: TokenCredential | undefined };

/** Options of {@link createAzureBlobSource}. */
export interface AzureBlobSourceOptions {
  access: AzureContainerAccess;
  /** The export destination folder, `CustomerInsights_<instanceId>/<ExportDestinationName>`. @default "" (container root) */
  prefix?: string | undefined;
}

/** Opens a container client from {@link AzureContainerAccess}. */
export async function openContainerClient(access: AzureContainerAccess): Promise<ContainerClient> {
  if ("connectionString" in access) {
    return new ContainerClient(access.connectionString, access.container);
  }
  const credential =
    access.credential ?? new (await import("@azure/identity")).DefaultAzureCredential();
  const base = access.accountUrl.endsWith("/") ? access.accountUrl : `${access.accountUrl}/`;
  return new ContainerClient(`${base}${encodeURIComponent(access.container)}`, credential);
}

/** Creates an `azure-blob` source. */
export function createAzureBlobSource(options: AzureBlobSourceOptions): SegmentSource {
  let client: Promise<ContainerClient> | undefined;
  const container = (): Promise<ContainerClient> =>
    (client ??= openContainerClient(options.access));
  const prefix = trimSlashes(options.prefix ?? "");
  return {
    kind: "azure-blob",
    resolve: async (segment) => resolveBlobSegment(await container(), prefix, segment),
    close: async () => undefined,
  };
}

/** The parts of a CDM `model.json` that matter here. */
interface CdmModel {
  entities?: Array<{
    name?: string;
    attributes?: Array<{ name?: string }>;
    partitions?: Array<{
      location?: string;
      fileFormatSettings?: { columnHeaders?: boolean; delimiter?: string };
    }>;
  }>;
}

interface TimeFolder {
  /** `yyyy/MM/dd/HHmm` */
  path: string;
  blobs: Map<string, { name: string; etag: string }>;
}

const TIME_PART = /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{4})\/([^/]+\.csv)$/;
const naturalOrder = new Intl.Collator("en", { numeric: true }).compare;

async function resolveBlobSegment(
  container: ContainerClient,
  prefix: string,
  segment: string,
): Promise<ResolvedSegment> {
  if (segment === "" || segment.includes("/")) {
    throw new AppError("SOURCE_NOT_FOUND", `segment name '${segment}' cannot name a table folder`);
  }
  const tablePrefix = `${prefix === "" ? "" : `${prefix}/`}${segment}/`;
  const folders = new Map<string, TimeFolder>();
  try {
    for await (const blob of container.listBlobsFlat({ prefix: tablePrefix })) {
      const match = TIME_PART.exec(blob.name.slice(tablePrefix.length));
      if (match === null) continue;
      const path = `${match[1]}/${match[2]}/${match[3]}/${match[4]}`;
      const folder = folders.get(path) ?? { path, blobs: new Map() };
      folder.blobs.set(blob.name, { name: blob.name, etag: blob.properties.etag ?? "" });
      folders.set(path, folder);
    }
  } catch (error) {
    throw unavailable(container, error);
  }
  const model = await readModel(container, prefix);
  const entity = model?.entities?.find((candidate) => candidate.name === segment);
  const listed = new Map<string, { columnHeaders?: boolean; delimiter?: string }>();
  for (const partition of entity?.partitions ?? []) {
    const name =
      partition.location === undefined ? undefined : blobNameOf(partition.location, tablePrefix);
    if (name !== undefined) listed.set(name, partition.fileFormatSettings ?? {});
  }

  const newestFirst = [...folders.values()].sort((a, b) =>
    a.path < b.path ? 1 : a.path > b.path ? -1 : 0,
  );
  let chosen: { folder: TimeFolder; parts: string[] } | undefined;
  if (listed.size > 0) {
    for (const folder of newestFirst) {
      const parts = [...listed.keys()].filter((name) =>
        name.startsWith(`${tablePrefix}${folder.path}/`),
      );
      if (parts.length > 0 && parts.every((name) => folder.blobs.has(name))) {
        chosen = { folder, parts };
        break;
      }
    }
  } else {
    const folder = newestFirst[0];
    if (folder !== undefined) chosen = { folder, parts: [...folder.blobs.keys()] };
  }
  if (chosen === undefined) {
    throw new AppError(
      "SOURCE_NOT_FOUND",
      `no complete export of segment '${segment}' under ${container.containerName}/${tablePrefix}; ` +
        "check that Customer Insights exported it and that model.json lists its partitions",
    );
  }
  const parts = chosen.parts.sort(naturalOrder);
  const attributes = (entity?.attributes ?? []).map((attribute) => attribute.name ?? "");
  const version =
    `${chosen.folder.path}:` +
    createHash("sha256")
      .update(
        JSON.stringify(parts.map((name) => [name, chosen.folder.blobs.get(name)?.etag ?? ""])),
      )
      .digest("hex")
      .slice(0, 24);
  return {
    segment,
    version,
    location: `${container.containerName}/${tablePrefix}${chosen.folder.path}/ (${parts.length} parts)`,
    rows: () => rowsOf(readBlobParts(container, parts, attributes, listed)),
    rowBatches: () => readBlobParts(container, parts, attributes, listed),
  };
}

async function* rowsOf(batches: AsyncIterable<SegmentRow[]>): AsyncGenerator<SegmentRow> {
  for await (const batch of batches) yield* batch;
}

async function* readBlobParts(
  container: ContainerClient,
  parts: readonly string[],
  attributes: readonly string[],
  settings: ReadonlyMap<string, { columnHeaders?: boolean; delimiter?: string }>,
): AsyncGenerator<SegmentRow[]> {
  for (const name of parts) {
    const format = settings.get(name) ?? {};
    let header: CsvHeader;
    if (format.columnHeaders === true || attributes.length === 0) header = { kind: "row" };
    else if (format.columnHeaders === false) header = { kind: "names", names: attributes };
    else header = { kind: "detect", names: attributes };
    let body: Readable;
    try {
      const download = await container.getBlobClient(name).download();
      if (download.readableStreamBody === undefined) throw new Error("no body");
      body = download.readableStreamBody as Readable;
    } catch (error) {
      throw unavailable(container, error);
    }
    const batches = parseCsvRowBatches(body, {
      header,
      delimiter: format.delimiter,
      location: `${container.containerName}/${name}`,
    });
    yield* batches;
  }
}

async function readModel(
  container: ContainerClient,
  prefix: string,
): Promise<CdmModel | undefined> {
  const name = `${prefix === "" ? "" : `${prefix}/`}model.json`;
  let text: string;
  try {
    const buffer = await container.getBlobClient(name).downloadToBuffer();
    text = buffer.toString("utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw unavailable(container, error);
  }
  try {
    return JSON.parse(text) as CdmModel;
  } catch (error) {
    throw new AppError(
      "SOURCE_MALFORMED",
      `${container.containerName}/${name} is not valid JSON; Customer Insights may still be writing it, retry later`,
      { cause: error, retryable: true },
    );
  }
}

/** The blob name a CDM partition location points to, when it lies under `tablePrefix`. */
function blobNameOf(location: string, tablePrefix: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(new URL(location).pathname);
  } catch {
    path = location;
  }
  const at = path.indexOf(`/${tablePrefix}`);
  if (at === -1) return path.startsWith(tablePrefix) ? path : undefined;
  return path.slice(at + 1);
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, "");
}

function statusOf(error: unknown): number | undefined {
  return error !== null &&
    typeof error === "object" &&
    "statusCode" in error &&
    typeof error.statusCode === "number"
    ? error.statusCode
    : undefined;
}

function unavailable(container: ContainerClient, error: unknown): AppError {
  const status = statusOf(error);
  if (status === 404) {
    return new AppError(
      "SOURCE_NOT_FOUND",
      `container ${container.containerName} does not exist; check the export's source.container`,
      { cause: error },
    );
  }
  if (status === 401 || status === 403) {
    return new AppError(
      "SOURCE_UNAVAILABLE",
      `access to container ${container.containerName} was denied (${status}); grant the reconciler's identity "Storage Blob Data Reader" on it`,
      { cause: error },
    );
  }
  return new AppError(
    "SOURCE_UNAVAILABLE",
    `container ${container.containerName} could not be read${status === undefined ? "" : ` (${status})`}; retrying later may help`,
    { cause: error, retryable: true },
  );
}
