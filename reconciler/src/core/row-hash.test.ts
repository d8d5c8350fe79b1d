import { describe, expect, it } from "vitest";
import { fieldsHash, FIELDS_HASH_LENGTH, isLegacyFieldsHash, plainFieldsHash } from "./row-hash.ts";

describe("fieldsHash", () => {
  // Snapshots hold these hashes: a change of the function would make every contact an update.
  it.each([
    ["Ann\u0000Lee\u0000\u0000Contoso\u0000", "X3U1ci_N3TI"],
    ["", "Gu6NgSIvcuM"],
  ])("hashes %j as %s, as snapshots recorded it", (text, hash) => {
    expect(fieldsHash(text)).toBe(hash);
  });

  // Texts one character, one position or one separator apart.
  const near = [
    "",
    "\u0000",
    "\u0000\u0000",
    "a",
    "b",
    "ab",
    "ba",
    "a\u0000b",
    "ab\u0000",
    "\u0000ab",
    "Ann\u0000Lee\u0000\u0000\u0000",
    "Ann\u0000Le\u0000e\u0000\u0000",
    "Anne\u0000Lee\u0000\u0000\u0000",
    "Zoë\u0000中\u0000\u{1F600}\u0000\u0000",
    "Zoe\u0000中\u0000\u{1F600}\u0000\u0000",
  ];
  it("gives texts that differ slightly distinct hashes of 11 base64url characters", () => {
    const hashes = near.map(fieldsHash);
    expect(new Set(hashes).size).toBe(near.length);
    for (const hash of hashes) expect(hash).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(FIELDS_HASH_LENGTH).toBe(11);
  });

  it("spreads 200,000 similar texts without a collision", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i += 1)
      seen.add(fieldsHash(`First${i}\u0000Last\u0000\u0000\u0000`));
    expect(seen.size).toBe(200_000);
  });
});

describe("plainFieldsHash", () => {
  it.each([
    ["plain, four separators", "a\u0000b\u0000c\u0000d\u0000e", 4, true],
    ["a NUL inside a value", "a\u0000b\u0000c\u0000d\u0000e\u0000", 4, false],
    ["a tab", "a\tb\u0000\u0000\u0000\u0000", 4, false],
    ["a line break", "a\u0000b\n\u0000\u0000\u0000", 4, false],
    ["non-ASCII is plain", "Zoë\u0000中\u0000\u0000\u0000", 4, true],
    ["custom field pairs", "\u0000\u0000\u0000\u0000\u0000tier\u0000gold", 6, true],
  ])("%s", (_name, text, separators, plain) => {
    expect(plainFieldsHash(text, separators)).toBe(plain ? fieldsHash(text) : undefined);
  });
});

describe("isLegacyFieldsHash", () => {
  it.each([
    ["ae681d5babc58ece", true],
    ["AE681D5BABC58ECE", false],
    ["ae681d5babc58ec", false],
    ["X3U1ci_N3TI", false],
    ["", false],
  ])("%j → %s", (hash, legacy) => {
    expect(isLegacyFieldsHash(hash)).toBe(legacy);
  });
});
