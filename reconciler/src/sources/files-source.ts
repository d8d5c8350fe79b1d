/**
 * The `files` source, the embedded default: a folder with, per segment, one file
 * `<segment>.csv` (header row) or `<segment>.jsonl`, or a folder `<segment>/` of part files
 * (`*.csv`, `*.jsonl`, read in natural name order). The version is a hash of the files' names,
 * sizes and modification times, so it changes when a file is replaced or touched.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "../core/errors.ts";
import { parseCsvRecordBatches, parseJsonLineBatches } from "./parse-rows.ts";
import { isRecordBatch, rowsOfRecords } from "./segment-records.ts";
import type { RecordSegment, SegmentBatch } from "./segment-records.ts";
import type { SegmentRow, SegmentSource } from "./segment-source.ts";

/** Options of {@link createFilesSource}. */
export interface FilesSourceOptions {
  /** The folder holding the segments. */
  path: string;
  /**
   * Called with every file and folder before it is read; throws to refuse it (a symlink that
   * leaves the allowed roots, see `source-policy.ts`). @default none
   */
  checkPath?: ((path: string) => Promise<void>) | undefined;
}

interface PartFile {
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
  format: "csv" | "jsonl";
}

const naturalOrder = new Intl.Collator("en", { numeric: true }).compare;

/** Creates a `files` source. */
export function createFilesSource(options: FilesSourceOptions): SegmentSource {
  return {
    kind: "files",
    resolve: (segment) => resolveFilesSegment(options.path, segment, options.checkPath),
    close: async () => undefined,
  };
}

async function resolveFilesSegment(
  root: string,
  segment: string,
  checkPath: FilesSourceOptions["checkPath"],
): Promise<RecordSegment> {
  if (segment === "" || segment === "." || segment === ".." || /[/\\]/.test(segment)) {
    throw new AppError(
      "SOURCE_NOT_FOUND",
      `segment name '${segment}' cannot name a file; use a plain name without slashes`,
    );
  }
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    throw new AppError(
      "SOURCE_NOT_FOUND",
      `the files source folder ${root} cannot be read; check the export's source.path`,
      { cause: error },
    );
  }
  const candidates = entries.filter(
    (name) => name === segment || name === `${segment}.csv` || name === `${segment}.jsonl`,
  );
  if (candidates.length === 0) {
    throw new AppError(
      "SOURCE_NOT_FOUND",
      `segment '${segment}' has no ${segment}.csv, ${segment}.jsonl or ${segment}/ folder in ${root}`,
    );
  }
  if (candidates.length > 1) {
    throw new AppError(
      "SOURCE_MALFORMED",
      `segment '${segment}' is ambiguous in ${root} (${candidates.sort().join(", ")}); keep one`,
    );
  }
  const found = join(root, candidates[0] as string);
  await checkPath?.(found);
  const info = await stat(found);
  let parts: PartFile[];
  if (info.isDirectory()) {
    const names = (await readdir(found))
      .filter((name) => formatOf(name) !== undefined)
      .sort(naturalOrder);
    parts = await Promise.all(
      names.map(async (name) => {
        await checkPath?.(join(found, name));
        return describe(join(found, name), `${candidates[0]}/${name}`);
      }),
    );
    if (parts.length === 0) {
      throw new AppError(
        "SOURCE_NOT_FOUND",
        `segment folder ${found} holds no .csv or .jsonl part files`,
      );
    }
  } else {
    parts = [await describe(found, candidates[0] as string)];
  }
  const version = createHash("sha256")
    .update(JSON.stringify(parts.map((part) => [part.name, part.size, part.mtimeMs])))
    .digest("hex")
    .slice(0, 32);
  return {
    segment,
    version,
    location: parts.length === 1 ? (parts[0] as PartFile).path : `${found} (${parts.length} parts)`,
    rows: () => rowsOf(readParts(parts)),
    rowBatches: () => rowBatchesOf(readParts(parts)),
    recordBatches: () => readParts(parts),
  };
}

async function describe(path: string, name: string): Promise<PartFile> {
  const info = await stat(path);
  return { path, name, size: info.size, mtimeMs: info.mtimeMs, format: formatOf(path) ?? "csv" };
}

function formatOf(name: string): "csv" | "jsonl" | undefined {
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".jsonl")) return "jsonl";
  return undefined;
}

async function* rowsOf(batches: AsyncIterable<SegmentBatch>): AsyncGenerator<SegmentRow> {
  for await (const batch of rowBatchesOf(batches)) yield* batch;
}

async function* rowBatchesOf(batches: AsyncIterable<SegmentBatch>): AsyncGenerator<SegmentRow[]> {
  for await (const batch of batches) yield isRecordBatch(batch) ? rowsOfRecords(batch) : batch;
}

async function* readParts(parts: readonly PartFile[]): AsyncGenerator<SegmentBatch> {
  for (const part of parts) {
    // 64 KB: each chunk becomes one string, and strings over 128 KB go straight to the old
    // generation, where a million rows of them pile up as garbage until a full collection.
    const input = createReadStream(part.path, { highWaterMark: 64 * 1024 });
    // Row errors name the file relative to the source's folder: a run's error is visible to
    // every role, and the reconciler's file system is nobody's business.
    const batches =
      part.format === "csv"
        ? parseCsvRecordBatches(input, { header: { kind: "row" }, location: part.name })
        : parseJsonLineBatches(input, part.name);
    yield* batches;
  }
}
