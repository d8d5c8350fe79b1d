import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordSorter } from "./record-sorter.ts";
import type { RecordSorterOptions } from "./record-sorter.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ccx-record-sorter-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function sortAll(
  records: ReadonlyArray<[string, string]>,
  options: RecordSorterOptions,
): Promise<{ lines: string[]; duplicates: number; unique: number; runs: number }> {
  const sorter = new RecordSorter({ tempDirectory: root, ...options });
  for (const [key, rest] of records) if (sorter.add(key, rest)) await sorter.spill();
  const sorted = await sorter.finish();
  const lines: string[] = [];
  for await (const batch of sorted.lines()) lines.push(...batch);
  // A second pass sees the same records.
  let again = 0;
  for await (const batch of sorted.lines()) again += batch.length;
  expect(again).toBe(lines.length);
  await sorted.dispose();
  return { lines, duplicates: sorted.duplicates, unique: sorted.unique, runs: sorted.runs };
}

/** Keys with repeats, out of order; the value says which occurrence it is. */
function records(count: number): Array<[string, string]> {
  return Array.from({ length: count }, (_, i): [string, string] => {
    const id = (i * 7_919) % Math.ceil(count * 0.8);
    return [`user${id}@example${id % 13}.com`, `h${i}\tvalue ${i}, Zoë`];
  });
}

function expected(input: ReadonlyArray<[string, string]>): string[] {
  const first = new Map<string, string>();
  for (const [key, rest] of input) if (!first.has(key)) first.set(key, rest);
  return [...first.keys()].sort().map((key) => `${key}\t${first.get(key) ?? ""}`);
}

describe("RecordSorter", () => {
  it.each([
    ["in memory", {}, 0],
    ["in memory, then one spool file", { maxHeldResultBytes: 0 }, 1],
    ["spilling every 1,000 records", { runLines: 1_000 }, 10],
    // One 4 MiB buffer and 31 bytes of bookkeeping per record: a spill every 2,000 records.
    ["spilling by bytes", { maxMemoryBytes: 4 * 1024 * 1024 + 31 * 2_000 }, 5],
  ])(
    "sorts, keeps the first record of each key and counts the rest (%s)",
    async (_n, options, runs) => {
      const input = records(10_000);
      const result = await sortAll(input, options);
      expect(result.lines).toEqual(expected(input));
      expect(result.unique).toBe(result.lines.length);
      expect(result.duplicates).toBe(input.length - result.lines.length);
      expect(result.runs).toBe(runs);
    },
  );

  it.each([
    ["ASCII", "ann@example.com", "h1", "Ann\u0000Lee"],
    ["non-ASCII in the key", "zoë@exämple.com", "h2", "Zoë"],
    ["non-ASCII after ASCII in the tail", "bo@example.com", "h3", "Bo\u0000Müller 中 \u{1F600}"],
    ["an empty tail", "cy@example.com", "h4", ""],
  ])("joins key, rest and tail with tabs as UTF-8 (%s)", async (_name, key, rest, tail) => {
    const sorter = new RecordSorter({ tempDirectory: root });
    sorter.add(key, rest, tail);
    sorter.add("a@a.co", "x");
    const sorted = await sorter.finish();
    const lines: string[] = [];
    for await (const batch of sorted.lines()) lines.push(...batch);
    await sorted.dispose();
    expect(lines).toEqual(["a@a.co\tx", `${key}\t${rest}\t${tail}`].sort());
  });

  it("merges spilled runs in the order < gives their keys, whatever their characters", async () => {
    // Characters from U+10000 on sort before U+E000–U+FFFF as strings, after them as UTF-8 bytes.
    const characters = ["a", "é", "中", "\ue000", "\uffee", "😀", "\u{10ffff}"];
    const input: Array<[string, string]> = [];
    for (let i = 0; i < 2_000; i += 1) {
      const a = characters[(i * 5) % characters.length] as string;
      const b = characters[(i * 3) % characters.length] as string;
      input.push([`${a}${b}${i % 700}@example.com`, `r${i}`]);
    }
    const result = await sortAll(input, { runLines: 150 });
    expect(result.runs).toBe(14);
    expect(result.lines).toEqual(expected(input));
    expect(result.duplicates).toBe(input.length - result.lines.length);
  });

  it("merges spilled records longer than a read of a run", async () => {
    const long = (fill: string): string => fill.repeat(1_200_000);
    const input: Array<[string, string]> = [
      ["c@example.com", long("c")],
      ["a@example.com", "short"],
      ["b@example.com", long("b")],
      ["a@example.com", long("x")],
      ["d@example.com", "d"],
    ];
    const result = await sortAll(input, { runLines: 2 });
    expect(result.runs).toBe(3);
    expect(result.lines).toEqual(expected(input));
    expect(result.duplicates).toBe(1);
  });

  it.each([
    ["spilled runs", { runLines: 500 }],
    ["one spool", { maxHeldResultBytes: 0 }],
  ])("leaves no temporary file behind once disposed (%s)", async (_name, options) => {
    await sortAll(records(3_000), options);
    expect(await readdir(root)).toEqual([]);
  });
});
