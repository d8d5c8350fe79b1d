import { describe, expect, it } from "vitest";
import { sortedKeyMatcher } from "./sorted-key-set.ts";

/** A seeded generator (mulberry32): the same queries on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const keyOf = (n: number): string => `person${n}@example.org`;

describe("sortedKeyMatcher", () => {
  it("answers like a Set for ascending, descending, repeated and interleaved questions", () => {
    const random = seeded(21);
    const members = new Set<string>();
    for (let i = 0; i < 2_000; i += 1) members.add(keyOf(Math.floor(random() * 10_000)));
    // Given in no order, with repeats.
    const has = sortedKeyMatcher([...members, ...members].reverse());
    const universe = Array.from({ length: 10_000 }, (_, i) => keyOf(i)).sort();
    const passes: string[][] = [
      universe,
      [...universe].reverse(),
      universe.flatMap((key) => [key, key]),
      // Two passes interleaved in batches, as the write pass and the snapshot pass ask.
      universe.flatMap((key, i) => [key, universe[(i + 5_000) % universe.length] as string]),
      Array.from({ length: 20_000 }, () => universe[Math.floor(random() * universe.length)] ?? ""),
      ["", "a", "zzz", keyOf(-1)],
    ];
    let hits = 0;
    for (const pass of passes) {
      for (const key of pass) {
        const expected = members.has(key);
        if (has(key) !== expected) throw new Error(`wrong answer for '${key}'`);
        if (expected) hits += 1;
      }
    }
    expect(hits).toBeGreaterThan(10_000);
  });

  it("finds the first and last keys and nothing in an empty set", () => {
    const has = sortedKeyMatcher(["b", "d", "f"]);
    expect(["a", "b", "c", "d", "e", "f", "g"].map(has)).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(["g", "f", "a", "b"].map(has)).toEqual([false, true, false, true]);
    expect(sortedKeyMatcher([])("a")).toBe(false);
  });

  it("orders keys by code unit, as the diff does", () => {
    // "é" (U+00E9) sorts after "z" by code unit, though before it in locale order.
    const has = sortedKeyMatcher(["zoe@example.org", "éva@example.org", "Ann@example.org"]);
    for (const key of ["Ann@example.org", "zoe@example.org", "éva@example.org"]) {
      expect(has(key)).toBe(true);
    }
    expect(has("eva@example.org")).toBe(false);
  });
});
