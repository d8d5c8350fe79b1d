/**
 * Reading a file block by block with the next block always under way, so a reader that works
 * on each block between reads seldom waits on the disk: a read is a round trip to libuv's
 * thread pool, and reading a 60 MB spool 64 KiB at a time, one read after the other, waited
 * half of the pass.
 */
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";

/** The blocks of one file, in order; see the module comment. */
export class BlockReader {
  readonly #handle: FileHandle;
  readonly #blockBytes: number;
  #current: Buffer;
  #next: Buffer;
  #reading: Promise<{ bytesRead: number }>;

  private constructor(handle: FileHandle, blockBytes: number) {
    this.#handle = handle;
    this.#blockBytes = blockBytes;
    this.#current = Buffer.allocUnsafe(blockBytes);
    this.#next = Buffer.allocUnsafe(blockBytes);
    this.#reading = handle.read(this.#next, 0, blockBytes, null);
  }

  static async open(file: string, blockBytes: number): Promise<BlockReader> {
    return new BlockReader(await open(file, "r"), blockBytes);
  }

  /** The next block: valid until the next call; empty at the end of the file. */
  async next(): Promise<Buffer> {
    const { bytesRead } = await this.#reading;
    const block = this.#next;
    this.#next = this.#current;
    this.#current = block;
    if (bytesRead > 0) this.#reading = this.#handle.read(this.#next, 0, this.#blockBytes, null);
    return block.subarray(0, bytesRead);
  }

  /** Closes the file once a read under way has ended. */
  async close(): Promise<void> {
    await this.#reading.catch(() => undefined);
    await this.#handle.close();
  }
}
