import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sortLinesExternally } from "./external-sort.ts";

let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), "ccx-sort-test-"));
});
afterAll(async () => {
  await rm(temp, { recursive: true, force: true });
});

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

function shuffled(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `k${(i * 7_919) % count}\tpayload ${i}`);
}

describe("sortLinesExternally", () => {
  const cases: Array<[string, number, number, number]> = [
    ["empty input", 0, 10, 0],
    ["fits in one run: no spill", 9, 10, 0],
    ["exactly one full run spills once", 10, 10, 1],
    ["several runs and a partial one", 1_005, 100, 11],
    ["a run per line", 7, 1, 7],
  ];
  it.each(cases)("%s", async (_name, count, runLines, runs) => {
    const input = shuffled(count);
    const sorted = await sortLinesExternally(input, { runLines, tempDirectory: temp });
    try {
      expect(sorted.runs).toBe(runs);
      expect(sorted.lines).toBe(count);
      expect(await collect(sorted)).toEqual([...input].sort());
      // Iterable more than once.
      expect((await collect(sorted)).length).toBe(count);
    } finally {
      await sorted.dispose();
    }
    expect(await readdir(temp)).toEqual([]);
  });

  it("orders by code units, so a tab after a key sorts before any e-mail character", async () => {
    const sorted = await sortLinesExternally(["a@b.com\t1", "a@b.co\t2", "A@b.co\t3"], {
      runLines: 1,
      tempDirectory: temp,
    });
    expect(await collect(sorted)).toEqual(["A@b.co\t3", "a@b.co\t2", "a@b.com\t1"]);
    await sorted.dispose();
  });

  it("deletes its spilled runs when the input fails", async () => {
    async function* failing(): AsyncGenerator<string> {
      yield* shuffled(50);
      throw new Error("source broke");
    }
    await expect(
      sortLinesExternally(failing(), { runLines: 10, tempDirectory: temp }),
    ).rejects.toThrow("source broke");
    expect(await readdir(temp)).toEqual([]);
  });
});
