import { describe, expect, it } from "vitest";
import { batched, BatchCursor, batchesOf, isBatched } from "./batched.ts";

async function* plain(items: readonly number[]): AsyncGenerator<number> {
  for (const item of items) yield await Promise.resolve(item);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("batched streams", () => {
  const numbers = Array.from({ length: 2_500 }, (_, i) => i);

  it.each([
    [
      "a batched stream (empty batches skipped)",
      () =>
        batched(async function* () {
          yield [0, 1];
          yield [];
          yield numbers.slice(2);
        }),
    ],
    ["a plain async stream", () => plain(numbers)],
    ["an array", () => numbers],
  ])("reads %s item by item, batch by batch and through a cursor alike", async (_name, make) => {
    const batches = await collect(batchesOf(make()));
    expect(batches.every((batch) => batch.length > 0 && batch.length <= 2_498)).toBe(true);
    expect(batches.flat()).toEqual(numbers);
    const cursor = new BatchCursor(make());
    const seen: number[] = [];
    for (;;) {
      if (cursor.needsFill) await cursor.fill();
      const item = cursor.peek();
      if (item === undefined) break;
      seen.push(item);
      cursor.advance();
    }
    expect(seen).toEqual(numbers);
  });

  it("iterates a batched stream as items, as often as asked", async () => {
    const stream = batched(async function* () {
      yield ["a", "b"];
      yield ["c"];
    });
    expect(isBatched(stream)).toBe(true);
    expect(isBatched(plain([]))).toBe(false);
    expect(await collect(stream)).toEqual(["a", "b", "c"]);
    expect(await collect(stream)).toEqual(["a", "b", "c"]);
  });

  it("runs the source's cleanup when a cursor is closed early", async () => {
    let closed = false;
    const stream = batched(async function* () {
      try {
        yield [1];
        yield [2];
      } finally {
        closed = true;
      }
    });
    const cursor = new BatchCursor(stream);
    await cursor.fill();
    expect(cursor.peek()).toBe(1);
    await cursor.close();
    expect(closed).toBe(true);
  });
});
