import { describe, expect, it } from "vitest";
import { decodeFields, encodeFields, JSON_FIELDS, separatorCount } from "./contact-fields.ts";
import type { MappedContact } from "./contact-fields.ts";

describe("encodeFields and decodeFields", () => {
  const cases: Array<[string, MappedContact, string]> = [
    ["no fields", { email: "a@b.co" }, "\u0000\u0000\u0000\u0000"],
    [
      "standard fields in order",
      { email: "a@b.co", firstName: "Ann", companyName: "Contoso", phone: "+1 5" },
      "Ann\u0000\u0000\u0000Contoso\u0000+1 5",
    ],
    [
      "custom fields sorted by name",
      { email: "a@b.co", lastName: "Lee", customFields: { tier: "gold", a: "1" } },
      "\u0000Lee\u0000\u0000\u0000\u0000a\u00001\u0000tier\u0000gold",
    ],
    [
      "a control character: JSON",
      { email: "a@b.co", firstName: "A\tB", customFields: { z: "1", a: "2" } },
      `${JSON_FIELDS}{"firstName":"A\\tB","customFields":{"a":"2","z":"1"}}`,
    ],
    [
      "a NUL in a custom field: JSON",
      { email: "a@b.co", customFields: { a: "x\u0000y" } },
      `${JSON_FIELDS}{"customFields":{"a":"x\\u0000y"}}`,
    ],
  ];
  it.each(cases)("%s", (_name, contact, text) => {
    expect(encodeFields(contact)).toBe(text);
    const decoded = decodeFields(contact.email, text);
    expect(decoded).toEqual(contact);
    expect(encodeFields(decoded)).toBe(text);
  });

  it("reads the JSON fields of older spools", () => {
    expect(decodeFields("a@b.co", '{"firstName":"Ann"}')).toEqual({
      email: "a@b.co",
      firstName: "Ann",
    });
  });

  it.each([
    [0, 4],
    [1, 6],
    [25, 54],
  ])("a plain text with %i custom fields has %i separators", (customs, separators) => {
    const customFields = Object.fromEntries(
      Array.from({ length: customs }, (_, i) => [`f${i}`, "v"]),
    );
    const text = encodeFields({ email: "a@b.co", customFields });
    expect(text.split("\u0000").length - 1).toBe(separators);
    expect(separatorCount(customs)).toBe(separators);
  });
});
