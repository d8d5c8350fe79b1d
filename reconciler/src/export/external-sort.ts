/**
 * External sort of text lines: sorted runs of `runLines` lines spilled to temporary files, then
 * a k-way merge. Memory holds one run while sorting and one line per run while merging, so it
 * stays flat however many lines there are; input that fits in one run never touches the disk.
 * Lines must not contain `\n`; they are ordered by code units (`Array.prototype.sort()`).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { compareKeys, mergeSortedBatches } from "../core/sorted-merge.ts";
import { splitLineBatches, splitLines } from "../core/text-lines.ts";

/** Options of {@link sortLinesExternally}. */
export interface ExternalSortOptions {
  /**
   * Lines per sorted run held in memory. @default 50_000 (measured on 1,000,000 rows of about
   * 100 characters: 200,000-line runs peaked at 820 MB RSS, 50,000-line runs at 475 MB in the
   * same time, since sorting a large array of freshly built strings costs far more than the
   * strings; see ADR 0005)
   */
  runLines?: number | undefined;
  /** Parent of the temporary folder. @default os.tmpdir() */
  tempDirectory?: string | undefined;
}

/** The sorted lines; call `dispose()` when done to delete the spilled runs. */
export interface SortedLines extends AsyncIterable<string>, AsyncDisposable {
  /** Lines sorted. */
  readonly lines: number;
  /** Runs spilled to disk (0 when everything fit in one run). */
  readonly runs: number;
  /** The sorted lines in batches: the fast way to consume them (no await per line). */
  batches(): AsyncIterable<string[]>;
  dispose(): Promise<void>;
}

/** Sorts `input`; consumes it fully before returning. */
export async function sortLinesExternally(
  input: AsyncIterable<string> | Iterable<string>,
  options: ExternalSortOptions = {},
): Promise<SortedLines> {
  const runLines = options.runLines ?? 50_000;
  let folder: string | undefined;
  const runFiles: string[] = [];
  let buffer: string[] = [];
  let lines = 0;

  const spill = async (): Promise<void> => {
    folder ??= await mkdtemp(join(options.tempDirectory ?? tmpdir(), "ccx-sort-"));
    const file = join(folder, `run-${runFiles.length}.txt`);
    buffer.sort();
    const sorted = buffer;
    buffer = [];
    await pipeline(Readable.from(joinLines(sorted)), createWriteStream(file));
    runFiles.push(file);
  };

  try {
    for await (const line of input) {
      buffer.push(line);
      lines += 1;
      if (buffer.length >= runLines) await spill();
    }
    if (runFiles.length > 0 && buffer.length > 0) await spill();
  } catch (error) {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    throw error;
  }
  if (runFiles.length === 0) buffer.sort();
  const inMemory = buffer;

  const dispose = async (): Promise<void> => {
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  };
  const batches = (): AsyncGenerator<string[]> =>
    runFiles.length === 0
      ? arrayBatches(inMemory)
      : mergeSortedBatches(runFiles.map(readLineBatches), compareKeys);
  return {
    lines,
    runs: runFiles.length,
    batches,
    dispose,
    [Symbol.asyncDispose]: dispose,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) yield* batch;
    },
  };
}

/** Groups lines into ~256 KB chunks for writing. */
function* joinLines(lines: readonly string[]): Generator<string> {
  let chunk = "";
  for (const line of lines) {
    chunk += `${line}\n`;
    if (chunk.length >= 256 * 1024) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}

async function* arrayBatches(lines: readonly string[]): AsyncGenerator<string[]> {
  for (let at = 0; at < lines.length; at += 4_096) yield lines.slice(at, at + 4_096);
}

/** Streams the lines of a text file in batches. */
export async function* readLineBatches(file: string): AsyncGenerator<string[]> {
  // 64 KB per run file: a merge reads 20 of them at once for a million rows.
  const input = createReadStream(file, { highWaterMark: 64 * 1024, encoding: "utf8" });
  try {
    yield* splitLineBatches(input as AsyncIterable<string>);
  } finally {
    input.destroy();
  }
}

/** Streams the lines of a text file. */
export async function* readLines(file: string): AsyncGenerator<string> {
  const input = createReadStream(file, { highWaterMark: 256 * 1024, encoding: "utf8" });
  try {
    yield* splitLines(input as AsyncIterable<string>);
  } finally {
    input.destroy();
  }
}
