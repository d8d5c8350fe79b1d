/**
 * Merging the sorted run files a {@link RecordSorter} spills into one file of unique lines, on
 * bytes: each run is read in large blocks and its lines are compared and copied where they lie,
 * with no string per line. Decoding the runs as text, splitting them into lines and comparing
 * those strings had cost about 400 ms per million records, most of the extra time a 10,000,000
 * profile export spent reading (ADR 0010).
 *
 * A line is `key\trest\n` (a line without a tab is all key). Keys are ordered as `<` orders the
 * strings ({@link compareUtf8Keys}); for equal keys the earlier run wins and the others are
 * counted as duplicates, as within a run the first record added wins.
 */
import { open } from "node:fs/promises";
import { RANK_BYTES, compareUtf8Keys, keyRank } from "../core/utf8-key-order.ts";
import { BlockReader } from "./block-reader.ts";
import { BlockWriter } from "./block-writer.ts";

const TAB = 9;
const NEWLINE = 10;
/** Bytes read from a run at a time; with the block being merged, 2 MiB a run (8 runs: 16 MiB). */
const READ_BYTES = 512 * 1024;

/** What a merge wrote. */
export interface MergedRuns {
  unique: number;
  duplicates: number;
}

/** Merges the sorted `runs` (earlier runs win ties) into `output`, which it creates. */
export async function mergeSortedRuns(
  runs: readonly string[],
  output: string,
): Promise<MergedRuns> {
  const cursors: RunCursor[] = [];
  const out = await open(output, "w");
  const writer = new BlockWriter(out);
  try {
    for (const [index, file] of runs.entries()) cursors.push(await RunCursor.open(file, index));
    const heap = new CursorHeap(cursors.filter((cursor) => cursor.hasLine));
    const last = new KeyCopy();
    let unique = 0;
    let duplicates = 0;
    while (heap.size > 0) {
      const cursor = heap.top;
      if (last.equals(cursor)) duplicates += 1;
      else {
        unique += 1;
        last.take(cursor);
        const { buffer, start, lineEnd } = cursor;
        if (!writer.add(buffer, start, lineEnd + 1))
          await writer.flushWith(buffer, start, lineEnd + 1);
      }
      if (cursor.advance() || (await cursor.refill())) heap.replaceTop();
      else heap.removeTop();
    }
    await writer.flush();
    return { unique, duplicates };
  } finally {
    await writer.settle();
    await out.close();
    await Promise.all(cursors.map((cursor) => cursor.close()));
  }
}

/**
 * The current line of one run file, found in a block of its bytes. The next block is read while
 * this one is merged, so the merge seldom waits on the disk.
 */
class RunCursor {
  readonly run: number;
  buffer = Buffer.allocUnsafe(2 * READ_BYTES);
  /** The current line: `[start, keyEnd)` is its key, `lineEnd` its newline. */
  start = 0;
  keyEnd = 0;
  lineEnd = -1;
  /** The {@link keyRank} of the current key, and of its bytes after the first six. */
  rank = 0;
  nextRank = 0;
  hasLine = false;
  #filled = 0;
  readonly #reader: BlockReader;

  private constructor(reader: BlockReader, run: number) {
    this.#reader = reader;
    this.run = run;
  }

  static async open(file: string, run: number): Promise<RunCursor> {
    const cursor = new RunCursor(await BlockReader.open(file, READ_BYTES), run);
    try {
      await cursor.refill();
    } catch (error) {
      await cursor.close();
      throw error;
    }
    return cursor;
  }

  /** Moves to the next line if it is whole in the block; false when the block must be refilled. */
  advance(): boolean {
    const from = this.lineEnd + 1;
    const end = this.buffer.indexOf(NEWLINE, from);
    if (end === -1 || end >= this.#filled) return false;
    let keyEnd = from;
    const buffer = this.buffer;
    while (keyEnd < end && buffer[keyEnd] !== TAB) keyEnd += 1;
    this.start = from;
    this.keyEnd = keyEnd;
    this.lineEnd = end;
    this.rank = keyRank(buffer, from, keyEnd);
    this.nextRank = keyRank(buffer, from + RANK_BYTES, keyEnd);
    return true;
  }

  /** Reads on past the current line; false at the end of the run. */
  async refill(): Promise<boolean> {
    for (;;) {
      const block = await this.#reader.next();
      const bytesRead = block.length;
      const from = this.lineEnd + 1;
      const kept = this.#filled - from;
      if (kept + bytesRead > this.buffer.length) {
        // A line longer than a block: a larger block holds it.
        const larger = Buffer.allocUnsafe(2 * (kept + bytesRead));
        this.buffer.copy(larger, 0, from, this.#filled);
        this.buffer = larger;
      } else this.buffer.copy(this.buffer, 0, from, this.#filled);
      block.copy(this.buffer, kept);
      this.#filled = kept + bytesRead;
      this.lineEnd = -1;
      if (this.advance()) return (this.hasLine = true);
      if (bytesRead === 0) {
        if (this.#filled > 0) throw new Error("a sorted run ends inside a line");
        return (this.hasLine = false);
      }
    }
  }

  async close(): Promise<void> {
    await this.#reader.close();
  }
}

/** The runs' cursors as a binary heap by current key, then by run. */
class CursorHeap {
  readonly #items: RunCursor[];

  constructor(cursors: RunCursor[]) {
    this.#items = cursors;
    for (let i = (cursors.length >> 1) - 1; i >= 0; i -= 1) this.#siftDown(i);
  }

  get size(): number {
    return this.#items.length;
  }

  get top(): RunCursor {
    return this.#items[0] as RunCursor;
  }

  /** Restores the order after the top cursor moved to its next line. */
  replaceTop(): void {
    this.#siftDown(0);
  }

  removeTop(): void {
    const last = this.#items.pop() as RunCursor;
    if (this.#items.length === 0) return;
    this.#items[0] = last;
    this.#siftDown(0);
  }

  #siftDown(at: number): void {
    const items = this.#items;
    const item = items[at] as RunCursor;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= items.length) break;
      if (
        child + 1 < items.length &&
        before(items[child + 1] as RunCursor, items[child] as RunCursor)
      ) {
        child += 1;
      }
      if (!before(items[child] as RunCursor, item)) break;
      items[at] = items[child] as RunCursor;
      at = child;
    }
    items[at] = item;
  }
}

function before(a: RunCursor, b: RunCursor): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.nextRank !== b.nextRank) return a.nextRank < b.nextRank;
  const order = compareUtf8Keys(a.buffer, a.start, a.keyEnd, b.buffer, b.start, b.keyEnd);
  return order < 0 || (order === 0 && a.run < b.run);
}

/** A copy of the last key written, to tell a duplicate from the next key. */
class KeyCopy {
  #bytes = new Uint8Array(256);
  #length = -1;

  equals(cursor: RunCursor): boolean {
    const length = cursor.keyEnd - cursor.start;
    if (length !== this.#length) return false;
    return (
      compareUtf8Keys(this.#bytes, 0, length, cursor.buffer, cursor.start, cursor.keyEnd) === 0
    );
  }

  take(cursor: RunCursor): void {
    const length = cursor.keyEnd - cursor.start;
    if (length > this.#bytes.length) this.#bytes = new Uint8Array(length * 2);
    const bytes = this.#bytes;
    const source = cursor.buffer;
    for (let i = 0; i < length; i += 1) bytes[i] = source[cursor.start + i] as number;
    this.#length = length;
  }
}
