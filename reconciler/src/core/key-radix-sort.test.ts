import { describe, expect, it } from "vitest";
import { DEFAULT_PREFIX_BYTES, radixSortByKey, writeKeyPrefix } from "./key-radix-sort.ts";

function sortKeys(keys: readonly string[], width = DEFAULT_PREFIX_BYTES): string[] {
  const digits = new Uint8Array(keys.length * width);
  keys.forEach((key, i) => writeKeyPrefix(key, digits, i * width, width));
  const order = radixSortByKey(keys.length, digits, width, (item) => keys[item] as string);
  return Array.from(order, (item) => keys[item] as string);
}

/** A deterministic pseudo-random generator (no flaky tests). */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe("radixSortByKey", () => {
  it.each([
    ["short prefixes and prefixes of each other", ["b", "a", "ab", "a!", "aa", "", "ba"], 4],
    [
      "keys longer than the prefix",
      ["user10@x.de", "user1@x.de", "user100@x.de", "user1@x.com"],
      3,
    ],
    [
      "non-ASCII, surrogate pairs and code units above them",
      ["zoë@x.de", "zoe@x.de", "\u{1F600}@x.de", "\uFF21@x.de", "z\u00e9@x.de", "Z@x.de"],
      2,
    ],
  ])("orders %s exactly as < on strings", (_name, keys, width) => {
    expect(sortKeys(keys, width)).toEqual([...keys].sort());
  });

  it("orders 20,000 random keys as < does, and keeps equal keys in item order", () => {
    const random = generator(7);
    const alphabet = "aab.-_@éz中\u{1F600}0";
    const keys = Array.from({ length: 20_000 }, () => {
      const length = Math.floor(random() * 14);
      let key = "";
      for (let i = 0; i < length; i += 1) key += [...alphabet][Math.floor(random() * 13)];
      return key;
    });
    const digits = new Uint8Array(keys.length * 6);
    keys.forEach((key, i) => writeKeyPrefix(key, digits, i * 6, 6));
    const order = Array.from(
      radixSortByKey(keys.length, digits, 6, (item) => keys[item] as string),
    );
    const expected = keys
      .map((key, item) => ({ key, item }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.item - b.item))
      .map((entry) => entry.item);
    expect(order).toEqual(expected);
  });
});
