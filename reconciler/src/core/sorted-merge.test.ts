import { describe, expect, it } from "vitest";
import {
  compareKeys,
  mergeSorted,
  mergeSortedBatches,
  requireAscendingKeys,
} from "./sorted-merge.ts";

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("mergeSorted", () => {
  const cases: Array<[string, string[][], string[]]> = [
    ["no inputs", [], []],
    ["empty inputs", [[], []], []],
    ["one input", [["a", "b"]], ["a", "b"]],
    [
      "interleaved",
      [
        ["a", "d", "g"],
        ["b", "e"],
        ["c", "f", "h", "i"],
      ],
      ["a", "b", "c", "d", "e", "f", "g", "h", "i"],
    ],
    [
      "ties keep input order",
      [
        ["a1", "b1"],
        ["a1", "b1"],
      ],
      ["a1", "a1", "b1", "b1"],
    ],
  ];
  it.each(cases)("%s", async (_name, inputs, expected) => {
    expect(
      await collect(
        mergeSorted(
          inputs.map((input) => from(input)),
          compareKeys,
        ),
      ),
    ).toEqual(expected);
  });

  it("is stable: equal items come from the first input first", async () => {
    const merged = await collect(
      mergeSorted(
        [from([{ k: "a", from: 0 }]), from([{ k: "a", from: 1 }]), from([{ k: "a", from: 2 }])],
        (x, y) => compareKeys(x.k, y.k),
      ),
    );
    expect(merged.map((item) => item.from)).toEqual([0, 1, 2]);
  });

  it("merges 20 random sorted runs into one sorted sequence", async () => {
    const all: string[] = [];
    const runs = Array.from({ length: 20 }, (_, r) => {
      const run = Array.from(
        { length: 50 },
        (_, i) => `k${(i * 7919 + r * 104729) % 10007}`,
      ).sort();
      all.push(...run);
      return run;
    });
    expect(
      await collect(
        mergeSorted(
          runs.map((run) => from(run)),
          compareKeys,
        ),
      ),
    ).toEqual(all.sort());
  });
});

describe("mergeSortedBatches", () => {
  const cases: Array<[string, string[][][], number, string[][]]> = [
    ["no inputs", [], 2, []],
    ["empty batches are skipped", [[[], ["a"], []], [[]]], 2, [["a"]]],
    [
      "interleaved, output in batches of 2",
      [[["a", "d"], ["g"]], [["b"], ["e", "f"]], [["c"]]],
      2,
      [["a", "b"], ["c", "d"], ["e", "f"], ["g"]],
    ],
    ["ties keep input order", [[["a1"]], [["a1", "b"]]], 10, [["a1", "a1", "b"]]],
  ];
  it.each(cases)("%s", async (_name, inputs, batchSize, expected) => {
    const out = await collect(
      mergeSortedBatches(
        inputs.map((batches) => from(batches)),
        compareKeys,
        batchSize,
      ),
    );
    expect(out).toEqual(expected);
  });

  it("matches mergeSorted on 20 random runs", async () => {
    const runs = Array.from({ length: 20 }, (_, r) =>
      Array.from({ length: 97 }, (_, i) => `k${(i * 7919 + r * 104729) % 10007}`).sort(),
    );
    const batched = (run: string[]): string[][] =>
      Array.from({ length: Math.ceil(run.length / 10) }, (_, i) => run.slice(i * 10, i * 10 + 10));
    const merged = (
      await collect(
        mergeSortedBatches(
          runs.map((run) => from(batched(run))),
          compareKeys,
          33,
        ),
      )
    ).flat();
    expect(merged).toEqual(
      await collect(
        mergeSorted(
          runs.map((run) => from(run)),
          compareKeys,
        ),
      ),
    );
  });
});

describe("requireAscendingKeys", () => {
  it("passes a strictly ascending stream", async () => {
    const items = [{ key: "a" }, { key: "a@b.co" }, { key: "a@b.com" }];
    expect(await collect(requireAscendingKeys(from(items), "input"))).toEqual(items);
  });
  it.each([
    ["a repeat", ["a", "a"]],
    ["a step back", ["b", "a"]],
  ])("fails on %s", async (_name, keys) => {
    await expect(
      collect(requireAscendingKeys(from(keys.map((key) => ({ key }))), "the snapshot")),
    ).rejects.toMatchObject({ code: "UNSORTED_INPUT" });
  });
});
