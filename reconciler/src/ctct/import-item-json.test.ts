import { describe, expect, it } from "vitest";
import { toImportItem } from "./import-chunker.ts";
import { decodeFields, encodeFields, jsonFields } from "../core/contact-fields.ts";
import type { MappedContact } from "../core/contact-fields.ts";
import { importItemRoom, writeImportItem } from "./import-item-json.ts";

/** What the general path sends for a stored contact. */
function generalItem(key: string, fields: string): string {
  return JSON.stringify(toImportItem(decodeFields(key, fields)));
}

function written(key: string, fields: string): string | undefined {
  const buffer = Buffer.alloc(importItemRoom(key, fields) + 8, 0xff);
  const end = writeImportItem(buffer, 4, key, fields);
  return end === undefined ? undefined : buffer.toString("utf8", 4, end);
}

/** A small deterministic generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "Ann",
  "O'Neil",
  'Say "hi"',
  "back\\slash",
  " padded ",
  "   ",
  "",
  "Zoë",
  "中村",
  "\u{1F600}",
  "tab\there",
  "x\u007fy",
  "a/b",
  "<b>",
  "50%",
  "  Lee",
  "Lee  ",
  "\u00a0nbsp",
];
const NAMES = ["tier", "Tier", "1st", "__proto__", "with space", 'qu"ote', "ü", "a_b", "zz"];

function contactOf(next: () => number, index: number): MappedContact {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const contact: MappedContact = { email: `p${index}@example.com` };
  if (next() < 0.8) contact.firstName = pick(PIECES);
  if (next() < 0.8) contact.lastName = pick(PIECES);
  if (next() < 0.3) contact.jobTitle = pick(PIECES);
  if (next() < 0.3) contact.companyName = pick(PIECES);
  if (next() < 0.3) contact.phone = pick(["+1 555 0100", " 555 ", ""]);
  if (next() < 0.4) {
    const custom: Record<string, string> = {};
    for (let i = 0; i < 1 + Math.floor(next() * 3); i += 1) custom[pick(NAMES)] = pick(PIECES);
    contact.customFields = custom;
  }
  return contact;
}

describe("writeImportItem", () => {
  it("writes exactly the bytes of the general path, or nothing (5,000 generated contacts)", () => {
    const next = random(7);
    let fast = 0;
    for (let i = 0; i < 5_000; i += 1) {
      const contact = contactOf(next, i);
      const fields = encodeFields(contact);
      const bytes = written(contact.email, fields);
      if (bytes !== undefined) {
        fast += 1;
        expect(bytes).toBe(generalItem(contact.email, fields));
      }
    }
    // The common case is taken often enough that the comparison means something.
    expect(fast).toBeGreaterThan(1_000);
  });

  it("writes a typical contact: trimmed values, escaped quotes, empty fields left out", () => {
    const fields = encodeFields({
      email: "ann@example.com",
      firstName: ' Ann "A" ',
      lastName: "",
      phone: "  ",
      customFields: { tier: "gold\\1", zone: " " },
    });
    expect(written("ann@example.com", fields)).toBe(
      '{"email":"ann@example.com","first_name":"Ann \\"A\\"","cf:tier":"gold\\\\1"}',
    );
    expect(written("ann@example.com", fields)).toBe(generalItem("ann@example.com", fields));
  });

  it.each([
    ["a non-ASCII value", encodeFields({ email: "a@b.co", firstName: "Zoë" })],
    ["a control character", encodeFields({ email: "a@b.co", firstName: "x\u007fy" })],
    ["fields stored as JSON", jsonFields({ email: "a@b.co", firstName: "tab\there" })],
    [
      "a custom name with a leading digit",
      encodeFields({ email: "a@b.co", customFields: { "1st": "x" } }),
    ],
    [
      "a custom name __proto__",
      encodeFields({
        email: "a@b.co",
        customFields: JSON.parse('{"__proto__":"x"}') as Record<string, string>,
      }),
    ],
    ["a custom name with a quote", encodeFields({ email: "a@b.co", customFields: { 'a"b': "x" } })],
    ["a name without a value", "\u0000\u0000\u0000\u0000\u0000lonely"],
  ])("leaves %s to the general path", (_name, fields) => {
    expect(written("a@b.co", fields)).toBeUndefined();
  });

  it("lower-cases and trims the e-mail as the general path does", () => {
    const fields = encodeFields({ email: "x", firstName: "Bo" });
    expect(written(" Bo@Example.COM ", fields)).toBe(generalItem(" Bo@Example.COM ", fields));
  });
});
