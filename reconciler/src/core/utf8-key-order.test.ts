import { describe, expect, it } from "vitest";
import { compareUtf8Keys, keyRank } from "./utf8-key-order.ts";

function compare(a: string, b: string): number {
  const x = Buffer.from(`..${a}`);
  const y = Buffer.from(b);
  return Math.sign(compareUtf8Keys(x, 2, x.length, y, 0, y.length));
}

/** One character of each UTF-8 length and of both sides of the surrogate range. */
const CHARACTERS = [
  "",
  "\u0001",
  "a",
  "z",
  "\u007f",
  "é",
  "\u07ff",
  "中",
  "\ud7ff",
  "\ue000",
  "\uffee",
  "\u{10000}",
  "😀",
  "\u{10ffff}",
];

describe("compareUtf8Keys", () => {
  it("orders every pair of short keys as < orders the strings", () => {
    const keys: string[] = [];
    for (const first of CHARACTERS) for (const second of CHARACTERS) keys.push(`${first}${second}`);
    for (const a of keys) {
      for (const b of keys) {
        const expected = a < b ? -1 : a === b ? 0 : 1;
        expect([a, b, compare(a, b)]).toEqual([a, b, expected]);
      }
    }
  });

  it("ranks keys in that order wherever their ranks differ", () => {
    const keys = ["", "a", "ab", "abcdef", "abcdefg", "abcdeg", "a\u0001", "\uffee", "😀", "中文"];
    for (const first of CHARACTERS) keys.push(`ann@${first}`, `${first}ann`);
    const rank = (key: string): number => {
      const bytes = Buffer.from(key);
      return keyRank(bytes, 0, bytes.length);
    };
    let differing = 0;
    for (const a of keys) {
      for (const b of keys) {
        if (rank(a) === rank(b)) continue;
        differing += 1;
        expect([a, b, Math.sign(rank(a) - rank(b))]).toEqual([a, b, a < b ? -1 : 1]);
      }
    }
    // Only keys that agree in their first six bytes share a rank.
    expect(rank("abcdefg")).toBe(rank("abcdefh"));
    expect(differing).toBeGreaterThan(keys.length * (keys.length - 2));
  });

  it("puts characters from U+10000 on before U+E000–U+FFFF, unlike their bytes", () => {
    expect(Buffer.compare(Buffer.from("😀"), Buffer.from("\uffee"))).toBe(1);
    expect(compare("a😀", "a\uffee")).toBe(-1);
    expect(compare("a\ue000", "a\u{10ffff}")).toBe(1);
  });

  it("puts a key before a longer key it begins, whatever byte follows", () => {
    expect(compare("ann@example.com", "ann@example.com\u0001")).toBe(-1);
    expect(compare("ann@example.com", "ann@example.co")).toBe(1);
    expect(compare("", "")).toBe(0);
  });
});
