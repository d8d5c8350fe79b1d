/**
 * Streams that can also hand over their items in arrays. A streaming pass over a million rows
 * that awaits each one pays an async step per row and per generator layer — seconds for the
 * several passes of a run (ADR 0010). A {@link Batched} stream is still an `AsyncIterable` of its
 * items, so any consumer works, but a consumer that knows it asks for `batches()` and loops over
 * each array synchronously. Pure: no I/O.
 */

/** An async stream of items that can also be read batch by batch. */
export interface Batched<T> extends AsyncIterable<T> {
  /** The same items, in order, in arrays (none empty); may be called once per pass. */
  batches(): AsyncIterable<readonly T[]>;
}

/** A {@link Batched} stream over `batches` (called once per pass). */
export function batched<T>(batches: () => AsyncIterable<readonly T[]>): Batched<T> {
  return {
    batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) yield* batch;
    },
  };
}

/** True when `items` offers {@link Batched.batches}. */
export function isBatched<T>(items: AsyncIterable<T> | Iterable<T>): items is Batched<T> {
  return typeof (items as Partial<Batched<T>>).batches === "function";
}

/** Items a plain stream is grouped into per batch. */
const GROUP = 1_024;

/**
 * The batches of any stream: its own when it is {@link Batched}, else its items grouped (a plain
 * stream still costs an await per item, once).
 */
export async function* batchesOf<T>(
  items: AsyncIterable<T> | Iterable<T>,
): AsyncGenerator<readonly T[]> {
  if (isBatched(items)) {
    for await (const batch of items.batches()) if (batch.length > 0) yield batch;
    return;
  }
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === GROUP) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Reads a stream item by item with only one await per batch: `next()` is synchronous while the
 * current batch lasts; `fill()` must be awaited when {@link needsFill} says so.
 */
export class BatchCursor<T> {
  readonly #batches: AsyncIterator<readonly T[]>;
  #batch: readonly T[] = [];
  #at = 0;
  #done = false;

  constructor(items: AsyncIterable<T> | Iterable<T>) {
    this.#batches = batchesOf(items)[Symbol.asyncIterator]();
  }

  /** True when the current batch is used up and the stream may have more. */
  get needsFill(): boolean {
    return !this.#done && this.#at >= this.#batch.length;
  }

  /** Loads the next batch; afterwards {@link peek} is an item unless the stream ended. */
  async fill(): Promise<void> {
    while (!this.#done && this.#at >= this.#batch.length) {
      const next = await this.#batches.next();
      if (next.done === true) this.#done = true;
      else {
        this.#batch = next.value;
        this.#at = 0;
      }
    }
  }

  /** The current item, or undefined at the end (call after `fill()` when `needsFill`). */
  peek(): T | undefined {
    return this.#at < this.#batch.length ? this.#batch[this.#at] : undefined;
  }

  /** Moves past the current item. */
  advance(): void {
    this.#at += 1;
  }

  /** Stops reading early (the source's `finally` runs). */
  async close(): Promise<void> {
    this.#done = true;
    await this.#batches.return?.(undefined);
  }
}
