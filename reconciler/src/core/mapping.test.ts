import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  checkMappings,
  hashMappedFields,
  mapRow,
  requiredColumns,
  STANDARD_FIELDS,
} from "./mapping.ts";
import type { FieldMappings, MappedContact, RowRejection, SourceRow } from "./mapping.ts";
import { encodeFields } from "./contact-fields.ts";
import { fieldsHash } from "./row-hash.ts";

const mappings: FieldMappings = {
  email: "Email",
  firstName: "FirstName",
  lastName: "LastName",
  jobTitle: "Title",
  companyName: "Company",
  phone: "Phone",
  customFields: { tier: "Tier", region: "Region" },
};
const at = { segment: "vip", row: 7 };

describe("mapRow", () => {
  const accepted: Array<[string, SourceRow, MappedContact]> = [
    [
      "all fields, trimmed, e-mail lower-cased",
      {
        Email: " Ann.Lee@Example.com ",
        FirstName: " Ann ",
        LastName: "Lee",
        Title: "CTO",
        Company: "Contoso",
        Phone: "+1 555 0100",
        Tier: "gold",
        Region: "EU",
      },
      {
        email: "ann.lee@example.com",
        firstName: "Ann",
        lastName: "Lee",
        jobTitle: "CTO",
        companyName: "Contoso",
        phone: "+1 555 0100",
        customFields: { region: "EU", tier: "gold" },
      },
    ],
    [
      "empty optional values are left out",
      { Email: "b@example.com", FirstName: "  ", Tier: "" },
      { email: "b@example.com" },
    ],
    [
      "missing optional columns are left out",
      { Email: "c@example.com" },
      { email: "c@example.com" },
    ],
    [
      "values at the limits",
      {
        Email: "d@example.com",
        FirstName: "x".repeat(50),
        Phone: "1".repeat(25),
        Tier: "t".repeat(255),
      },
      {
        email: "d@example.com",
        firstName: "x".repeat(50),
        phone: "1".repeat(25),
        customFields: { tier: "t".repeat(255) },
      },
    ],
  ];
  it.each(accepted)("%s", (_name, row, contact) => {
    const mapped = mapRow(row, mappings, at);
    expect(mapped).toEqual({ ok: true, contact, hash: fieldsHash(encodeFields(contact)) });
  });

  const rejected: Array<[string, SourceRow, string, RowRejection]> = [
    ["no e-mail column", { FirstName: "Ann" }, "email", "email-missing"],
    ["invalid e-mail", { Email: "ann@localhost" }, "email", "email-domain"],
    ["e-mail over 50", { Email: `${"a".repeat(39)}@example.com` }, "email", "email-too-long"],
    [
      "first name over 50",
      { Email: "a@example.com", FirstName: "x".repeat(51) },
      "firstName",
      "value-too-long",
    ],
    [
      "last name over 50",
      { Email: "a@example.com", LastName: "x".repeat(51) },
      "lastName",
      "value-too-long",
    ],
    [
      "job title over 50",
      { Email: "a@example.com", Title: "x".repeat(51) },
      "jobTitle",
      "value-too-long",
    ],
    [
      "company over 50",
      { Email: "a@example.com", Company: "x".repeat(51) },
      "companyName",
      "value-too-long",
    ],
    ["phone over 25", { Email: "a@example.com", Phone: "1".repeat(26) }, "phone", "value-too-long"],
    [
      "custom field over 255",
      { Email: "a@example.com", Tier: "t".repeat(256) },
      "cf:tier",
      "value-too-long",
    ],
  ];
  it.each(rejected)("rejects a row with %s", (_name, row, field, reason) => {
    const mapped = mapRow(row, mappings, at);
    expect(mapped.ok).toBe(false);
    if (!mapped.ok) {
      expect(mapped.error).toMatchObject({ segment: "vip", row: 7, field, reason });
      for (const value of Object.values(row)) {
        if (value !== undefined && value.length > 3)
          expect(mapped.error.message).not.toContain(value);
      }
    }
  });
});

describe("field hashes: mapRow's and the SHA-256 one of older snapshots", () => {
  const base: MappedContact = {
    email: "a@example.com",
    firstName: "Ann",
    customFields: { a: "1", b: "2" },
  };
  const cases: Array<[string, MappedContact, boolean]> = [
    ["same fields, other e-mail casing", { ...base, email: "A@EXAMPLE.COM" }, true],
    ["custom fields in another order", { ...base, customFields: { b: "2", a: "1" } }, true],
    ["changed first name", { ...base, firstName: "Anne" }, false],
    [
      "value moved to another field",
      { email: base.email, lastName: "Ann", customFields: { a: "1", b: "2" } },
      false,
    ],
    ["changed custom field", { ...base, customFields: { a: "1", b: "3" } }, false],
    ["custom field dropped", { ...base, customFields: { a: "1" } }, false],
  ];
  const rowOf = (contact: MappedContact): SourceRow => ({
    Email: contact.email,
    FirstName: contact.firstName,
    LastName: contact.lastName,
    Tier: contact.customFields?.["a"],
    Region: contact.customFields?.["b"],
  });
  const custom: FieldMappings = {
    email: "Email",
    firstName: "FirstName",
    lastName: "LastName",
    customFields: { a: "Tier", b: "Region" },
  };
  const hashOf = (contact: MappedContact): string => {
    const mapped = mapRow(rowOf(contact), custom, at);
    if (!mapped.ok) throw new Error("the case is invalid");
    return mapped.hash;
  };
  it.each(cases)("%s", (_name, other, same) => {
    expect(hashMappedFields(other) === hashMappedFields(base)).toBe(same);
    expect(hashMappedFields(other)).toMatch(/^[0-9a-f]{16}$/);
    expect(hashOf(other) === hashOf(base)).toBe(same);
    expect(hashOf(other)).toMatch(/^[A-Za-z0-9_-]{11}$/);
  });
});

describe("checkMappings and requiredColumns", () => {
  it("accepts the example mapping and lists its columns once", () => {
    expect(checkMappings(mappings)).toEqual([]);
    expect(requiredColumns({ email: "E", firstName: "N", lastName: "N" })).toEqual(["E", "N"]);
  });
  it("rejects an empty e-mail column and more than 25 custom fields", () => {
    const many = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`f${i}`, `C${i}`]));
    expect(checkMappings({ email: " ", customFields: many }).map((p) => p.field)).toEqual([
      "email",
      "customFields",
    ]);
  });
});

describe("hashMappedFields", () => {
  // Snapshots hold these hashes: the text hashed must stay exactly the JSON of the values.
  it.each([
    ["plain values", { email: "a@b.co", firstName: "Ann", companyName: "Contoso" }],
    ["quotes and backslashes", { email: "a@b.co", firstName: 'A "B" \\ C' }],
    ["control characters", { email: "a@b.co", lastName: "x\ty\u0001" }],
    [
      "non-ASCII and a lone surrogate",
      { email: "a@b.co", firstName: "Zoë 中 \u{1F600}", lastName: "\ud800" },
    ],
    [
      "custom fields",
      { email: "a@b.co", firstName: "Ann", customFields: { tier: "gold", a: "1" } },
    ],
  ])("hashes the JSON of the values for %s", (_name, contact: MappedContact) => {
    const parts: unknown[] = STANDARD_FIELDS.map((field) => contact[field] ?? "");
    parts.push(Object.entries(contact.customFields ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
    const expected = createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);
    expect(hashMappedFields(contact)).toBe(expected);
  });
});
