import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeFields } from "./contact-fields.ts";
import type { MappedContact } from "./contact-fields.ts";
import { legacyFieldsHash, sameFieldsHash } from "./legacy-fields-hash.ts";
import { fieldsHash } from "./row-hash.ts";

const sha = (parts: unknown[]): string =>
  createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);

describe("legacyFieldsHash", () => {
  // Older snapshots hold these hashes: the text hashed must stay exactly the JSON of the values.
  it.each([
    ["plain values", { email: "a@b.co", firstName: "Ann", companyName: "Contoso" }],
    ["quotes and backslashes", { email: "a@b.co", firstName: 'A "B" \\ C' }],
    ["control characters", { email: "a@b.co", lastName: "x\ty\u0001" }],
    ["custom fields", { email: "a@b.co", customFields: { tier: "gold", a: "1" } }],
  ])("hashes the JSON of the values for %s", (_name, contact: MappedContact) => {
    const custom = Object.entries(contact.customFields ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    const parts = [
      contact.firstName ?? "",
      contact.lastName ?? "",
      contact.jobTitle ?? "",
      contact.companyName ?? "",
      contact.phone ?? "",
      custom,
    ];
    expect(legacyFieldsHash(contact)).toBe(sha(parts));
  });
});

describe("sameFieldsHash", () => {
  const ann: MappedContact = { email: "ann@b.co", firstName: "Ann", customFields: { t: "1" } };
  const desired = (contact: MappedContact): { key: string; hash: string; fields: string } => {
    const fields = encodeFields(contact);
    return { key: contact.email, hash: fieldsHash(fields), fields };
  };
  const cases: Array<[string, { key: string; hash: string; fields?: string }, string, boolean]> = [
    ["same hash", desired(ann), desired(ann).hash, true],
    [
      "other hash of the same scheme",
      desired(ann),
      desired({ ...ann, firstName: "A" }).hash,
      false,
    ],
    ["SHA-256 hash of the same fields", desired(ann), legacyFieldsHash(ann), true],
    [
      "SHA-256 hash of other fields",
      desired(ann),
      legacyFieldsHash({ ...ann, customFields: { t: "2" } }),
      false,
    ],
    [
      "SHA-256 hash, fields in the JSON form",
      desired({ ...ann, lastName: "L\tee" }),
      legacyFieldsHash({ ...ann, lastName: "L\tee" }),
      true,
    ],
    [
      "SHA-256 hash, no fields to compute it from",
      { key: "ann@b.co", hash: "x" },
      legacyFieldsHash(ann),
      false,
    ],
  ];
  it.each(cases)("%s → %s", (_name, item, previous, same) => {
    expect(sameFieldsHash(item, previous)).toBe(same);
  });
});
