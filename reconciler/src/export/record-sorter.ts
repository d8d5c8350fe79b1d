/**
 * Sorts and de-duplicates keyed text records in a compact form: the records' bytes in a few
 * large buffers, a handful of typed arrays per record, no JavaScript object or string per record
 * while they are held (a million rows cost about 95 MB instead of the several hundred a string
 * array with its garbage costs, and the garbage collector has nothing to trace). It spills only
 * when it must: past `maxMemoryBytes` the sorted records go to a run file, and the runs are
 * merged into one spool at the end, so memory stays flat however many records come. Once
 * sorted, more than `maxHeldResultBytes` go to a spool file too, so the passes that read them
 * do not keep them in memory (ADR 0010).
 *
 * A record is `key` and `rest`; neither may hold `\n`, and the key no `\t`. For records with
 * the same key the first one added wins; the others are counted as duplicates.
 */
import { open, mkdtemp, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_PREFIX_BYTES, radixSortByKey, writeKeyPrefix } from "../core/key-radix-sort.ts";
import { writeUtf8 } from "../core/utf8-write.ts";
import { readSortedLines } from "./sorted-lines.ts";
import { BlockWriter } from "./block-writer.ts";
import { mergeSortedRuns } from "./sorted-run-merge.ts";

/** Options of {@link RecordSorter}. */
export interface RecordSorterOptions {
  /**
   * Bytes of records and their bookkeeping held before a run is spilled to disk. @default
   * 134_217_728 (128 MiB: 1,000,000 contacts of about 65 bytes stay in memory, ADR 0010)
   */
  maxMemoryBytes?: number | undefined;
  /** Records held before a run is spilled, whatever their size (tests force spills with it). */
  runLines?: number | undefined;
  /** Parent of the temporary folder for spilled runs and the spool. @default os.tmpdir() */
  tempDirectory?: string | undefined;
  /**
   * Sorted records that fit in this many bytes stay in memory for the passes that read them;
   * more are written to one spool file and their memory is freed. A pass reads the spool about
   * as fast as memory (the file is in the page cache), so a run does not hold ~95 MB per
   * 1,000,000 contacts for its whole length to save the one write (ADR 0010). @default
   * 16_777_216 (16 MiB: about 170,000 contacts)
   */
  maxHeldResultBytes?: number | undefined;
}

/** The sorted, unique records; `dispose()` frees them and deletes any file. */
export interface SortedRecords extends AsyncDisposable {
  /** Records kept (one per key). */
  readonly unique: number;
  /** Records dropped because an earlier one had the same key. */
  readonly duplicates: number;
  /** Sorted runs written to disk (0 when the records stay in memory). */
  readonly runs: number;
  /** The records as `key\trest` lines, in key order and in batches; may be called again. */
  lines(): AsyncIterable<string[]>;
  dispose(): Promise<void>;
}

const CHUNK_BYTES = 4 * 1024 * 1024;
const CHUNK_SHIFT = 22;
/** Bytes kept per record besides its text: prefix, start, length, key length, flags, order. */
const PER_RECORD_BYTES = DEFAULT_PREFIX_BYTES + 4 + 4 + 2 + 1 + 8;
const TAB = 9;
const NEWLINE_BYTES = Buffer.from("\n");
// Small batches: the rows of a batch are alive at each young-generation collection (see parse-rows).
const LINES_PER_BATCH = 256;

/** Collects records, then sorts them; see the module comment. */
export class RecordSorter {
  readonly #maxBytes: number;
  readonly #maxRecords: number;
  readonly #maxHeldResultBytes: number;
  readonly #tempDirectory: string | undefined;
  #chunks: Buffer[] = [];
  /** The chunk being filled (-1 before the first record of a run). */
  #chunkIndex = -1;
  #offset = CHUNK_BYTES;
  #count = 0;
  #digits = new Uint8Array(DEFAULT_PREFIX_BYTES * 1024);
  #starts = new Uint32Array(1024);
  #lengths = new Uint32Array(1024);
  #keyLengths = new Uint16Array(1024);
  #duplicates = 0;
  /** Records added before the spills so far (duplicates included). */
  #spilledRecords = 0;
  #folder: string | undefined;
  #runFiles: string[] = [];

  constructor(options: RecordSorterOptions = {}) {
    this.#maxBytes = options.maxMemoryBytes ?? 134_217_728;
    this.#maxRecords = options.runLines ?? Number.POSITIVE_INFINITY;
    this.#maxHeldResultBytes = options.maxHeldResultBytes ?? 16_777_216;
    this.#tempDirectory = options.tempDirectory;
  }

  /**
   * Adds a record: `key`, a tab and `rest`, and when given a tab and `tail` (joining them here
   * spares a string per record). Returns true once the memory budget is reached: `await spill()`
   * before the next `add`.
   */
  add(key: string, rest: string, tail?: string): boolean {
    const index = this.#count;
    if (index === this.#starts.length) this.#grow();
    const chars = key.length + rest.length + (tail === undefined ? 0 : tail.length + 1);
    // At most 3 bytes per UTF-16 code unit: a record that might not fit starts a new chunk.
    const worst = chars * 3 + 1;
    if (this.#offset + worst > CHUNK_BYTES) {
      if (worst > CHUNK_BYTES) throw new RangeError("a record is larger than 4 MiB");
      // Chunks of an earlier run are reused after a spill.
      this.#chunkIndex += 1;
      if (this.#chunkIndex === this.#chunks.length) {
        this.#chunks.push(Buffer.allocUnsafeSlow(CHUNK_BYTES));
      }
      this.#offset = 0;
    }
    const chunkIndex = this.#chunkIndex;
    const chunk = this.#chunks[chunkIndex] as Buffer;
    const start = this.#offset;
    const keyEnd = writeUtf8(chunk, start, key);
    chunk[keyEnd] = TAB;
    let end = writeUtf8(chunk, keyEnd + 1, rest);
    if (tail !== undefined) {
      chunk[end] = TAB;
      end = writeUtf8(chunk, end + 1, tail);
    }
    this.#offset = end;
    this.#starts[index] = (chunkIndex << CHUNK_SHIFT) | start;
    this.#lengths[index] = end - start;
    this.#keyLengths[index] = keyEnd - start;
    writeKeyPrefix(key, this.#digits, index * DEFAULT_PREFIX_BYTES, DEFAULT_PREFIX_BYTES);
    this.#count = index + 1;
    return this.#count >= this.#maxRecords || this.#heldBytes() >= this.#maxBytes;
  }

  /** Sorts what is held and writes it to a run file, freeing the memory for more records. */
  async spill(): Promise<void> {
    if (this.#count === 0) return;
    const { order, duplicate } = this.#sort();
    this.#folder ??= await mkdtemp(join(this.#tempDirectory ?? tmpdir(), "ccx-sort-"));
    const file = join(this.#folder, `run-${this.#runFiles.length}.txt`);
    const handle = await open(file, "w");
    try {
      await this.#writeSorted(handle, order, duplicate);
    } finally {
      await handle.close();
    }
    this.#runFiles.push(file);
    this.#spilledRecords += this.#count;
    this.#count = 0;
    this.#offset = CHUNK_BYTES;
    this.#chunkIndex = -1;
  }

  /** Sorts everything added; the sorter must not be used afterwards. */
  async finish(): Promise<SortedRecords> {
    if (this.#runFiles.length === 0 && this.#heldBytes() <= this.#maxHeldResultBytes) {
      return this.#inMemory();
    }
    try {
      await this.spill();
      this.#release();
      // One run is sorted and unique already: it is the spool.
      return this.#runFiles.length === 1 ? this.#spooled() : await this.#mergeRuns();
    } catch (error) {
      await this.#removeFolder();
      throw error;
    }
  }

  /** Deletes spilled runs (after a failure before `finish`). */
  async abandon(): Promise<void> {
    this.#chunks = [];
    await this.#removeFolder();
  }

  #heldBytes(): number {
    return (this.#chunkIndex + 1) * CHUNK_BYTES + this.#count * PER_RECORD_BYTES;
  }

  #grow(): void {
    const size = this.#starts.length * 2;
    const digits = new Uint8Array(size * DEFAULT_PREFIX_BYTES);
    digits.set(this.#digits);
    this.#digits = digits;
    const starts = new Uint32Array(size);
    starts.set(this.#starts);
    this.#starts = starts;
    const lengths = new Uint32Array(size);
    lengths.set(this.#lengths);
    this.#lengths = lengths;
    const keyLengths = new Uint16Array(size);
    keyLengths.set(this.#keyLengths);
    this.#keyLengths = keyLengths;
  }

  #keyOf(item: number): string {
    const packed = this.#starts[item] as number;
    const chunk = this.#chunks[packed >>> CHUNK_SHIFT] as Buffer;
    const start = packed & (CHUNK_BYTES - 1);
    return chunk.toString("utf8", start, start + (this.#keyLengths[item] as number));
  }

  #lineOf(item: number): string {
    const packed = this.#starts[item] as number;
    const chunk = this.#chunks[packed >>> CHUNK_SHIFT] as Buffer;
    const start = packed & (CHUNK_BYTES - 1);
    return chunk.toString("utf8", start, start + (this.#lengths[item] as number));
  }

  /** The order of the held records, and which positions repeat the key before them. */
  #sort(): { order: Uint32Array; duplicate: Uint8Array } {
    const count = this.#count;
    const duplicate = new Uint8Array(count);
    let duplicates = 0;
    const order = radixSortByKey(
      count,
      this.#digits,
      DEFAULT_PREFIX_BYTES,
      (item) => this.#keyOf(item),
      (from, keys) => {
        for (let k = 1; k < keys.length; k += 1) {
          if (keys[k] === keys[k - 1]) {
            duplicate[from + k] = 1;
            duplicates += 1;
          }
        }
      },
    );
    this.#duplicates += duplicates;
    return { order, duplicate };
  }

  async #writeSorted(handle: FileHandle, order: Uint32Array, duplicate: Uint8Array): Promise<void> {
    const writer = new BlockWriter(handle);
    try {
      for (let j = 0; j < order.length; j += 1) {
        if (duplicate[j] === 1) continue;
        const item = order[j] as number;
        const packed = this.#starts[item] as number;
        const chunk = this.#chunks[packed >>> CHUNK_SHIFT] as Buffer;
        const start = packed & (CHUNK_BYTES - 1);
        const end = start + (this.#lengths[item] as number);
        if (writer.addLine(chunk, start, end)) continue;
        await writer.flushWith(chunk, start, end);
        if (!writer.add(NEWLINE_BYTES, 0, 1)) await writer.flushWith(NEWLINE_BYTES, 0, 1);
      }
      await writer.flush();
    } finally {
      await writer.settle();
    }
  }

  #inMemory(): SortedRecords {
    const { order, duplicate } = this.#sort();
    // The sort keys are not needed to read the records back: free them for the rest of the run.
    this.#digits = new Uint8Array(0);
    this.#keyLengths = new Uint16Array(0);
    const unique = this.#count - this.#duplicates;
    const duplicates = this.#duplicates;
    let held = true;
    const lineOf = (item: number): string => this.#lineOf(item);
    const release = (): void => {
      held = false;
      this.#chunks = [];
      this.#digits = new Uint8Array(0);
    };
    async function* lines(): AsyncGenerator<string[]> {
      let batch: string[] = [];
      for (let j = 0; j < order.length; j += 1) {
        if (!held) throw new Error("the sorted records were disposed");
        if (duplicate[j] === 1) continue;
        batch.push(lineOf(order[j] as number));
        if (batch.length === LINES_PER_BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    }
    const dispose = async (): Promise<void> => release();
    return { unique, duplicates, runs: 0, lines, dispose, [Symbol.asyncDispose]: dispose };
  }

  /** Frees the records' buffers and bookkeeping once they are on disk. */
  #release(): void {
    this.#chunks = [];
    this.#digits = new Uint8Array(0);
    this.#starts = new Uint32Array(0);
    this.#lengths = new Uint32Array(0);
    this.#keyLengths = new Uint16Array(0);
  }

  /** The single spilled run, read as the spool. */
  #spooled(): SortedRecords {
    const spool = this.#runFiles[0] as string;
    this.#runFiles = [];
    const dispose = (): Promise<void> => this.#removeFolder();
    return {
      unique: this.#spilledRecords - this.#duplicates,
      duplicates: this.#duplicates,
      runs: 1,
      lines: () => readSortedLines(spool),
      dispose,
      [Symbol.asyncDispose]: dispose,
    };
  }

  /** Merges the sorted runs into one spool of unique lines (earlier runs win ties). */
  async #mergeRuns(): Promise<SortedRecords> {
    const spool = join(this.#folder as string, "sorted.txt");
    const merged = await mergeSortedRuns(this.#runFiles, spool);
    for (const file of this.#runFiles) await rm(file, { force: true });
    const runs = this.#runFiles.length;
    this.#runFiles = [];
    const duplicates = this.#duplicates + merged.duplicates;
    const dispose = (): Promise<void> => this.#removeFolder();
    return {
      unique: merged.unique,
      duplicates,
      runs,
      lines: () => readSortedLines(spool),
      dispose,
      [Symbol.asyncDispose]: dispose,
    };
  }

  async #removeFolder(): Promise<void> {
    if (this.#folder !== undefined) await rm(this.#folder, { recursive: true, force: true });
    this.#folder = undefined;
  }
}
