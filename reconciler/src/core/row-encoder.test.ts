import { describe, expect, it } from "vitest";
import { encodeFields } from "./contact-fields.ts";
import { mapRow } from "./mapping.ts";
import type { FieldMappings, SourceRow } from "./mapping.ts";
import { createRowEncoder } from "./row-encoder.ts";
import type { EncodedRow } from "./row-encoder.ts";

const mappings: FieldMappings = {
  email: "Email",
  firstName: "First",
  lastName: "Last",
  jobTitle: "Title",
  companyName: "Company",
  phone: "Phone",
  customFields: { tier: "Tier", region: "Region" },
};

/** What mapRow says, in the encoder's terms. */
function expected(row: SourceRow, using: FieldMappings): unknown {
  const mapped = mapRow(row, using, { segment: "s", row: 3 });
  if (!mapped.ok) return { error: mapped.error };
  return { key: mapped.contact.email, fields: encodeFields(mapped.contact), hash: mapped.hash };
}

/** The encoder's result for a row object, checked to be the same for it as a CSV record. */
function encoded(row: SourceRow, using: FieldMappings): unknown {
  const encoders = createRowEncoder(using);
  const out: EncodedRow = { key: "", fields: "", hash: "" };
  const error = encoders.row(row, "s", 3, out);
  const result = error === undefined ? { ...out } : { error };
  // The same row as a record, with an unmapped column first and the columns in another order.
  const columns = ["Other", ...Object.keys(row).reverse()];
  const record = columns.map((column) => (column === "Other" ? "x" : (row[column] ?? "")));
  const fromRecord: EncodedRow = { key: "", fields: "", hash: "" };
  const recordError = encoders.forColumns(columns)(record, "s", 3, fromRecord);
  expect(recordError === undefined ? { ...fromRecord } : { error: recordError }).toEqual(result);
  return result;
}

describe("createRowEncoder", () => {
  const rows: Array<[string, SourceRow]> = [
    [
      "every field",
      {
        Email: "ann@example.com",
        First: "Ann",
        Last: "Lee",
        Title: "CTO",
        Company: "Contoso",
        Phone: "+1 5",
        Tier: "gold",
        Region: "EU",
      },
    ],
    ["only the e-mail", { Email: "ann@example.com" }],
    ["columns missing from the row", { Email: "ann@example.com", Tier: "gold" }],
    [
      "trimmed values and e-mail, upper case",
      { Email: "  Ann@Example.COM ", First: " Ann ", Region: "  " },
    ],
    ["a non-ASCII e-mail, full rule", { Email: "zoë@example.com" }],
    ["a quoted company with a comma", { Email: "a@b.co", Company: 'The "Best", Co' }],
    ["non-ASCII values", { Email: "a@b.co", First: "Zoë", Last: "中村 \u{1F600}" }],
    ["a tab in a value: JSON form", { Email: "a@b.co", First: "A\tB", Tier: "x" }],
    ["a NUL in a custom value: JSON form", { Email: "a@b.co", Region: "x\u0000y" }],
    [
      "values at their limits",
      { Email: "a@b.co", First: "x".repeat(50), Phone: "1".repeat(25), Tier: "t".repeat(255) },
    ],
    ["e-mail missing", { First: "Ann" }],
    ["e-mail blank", { Email: "   " }],
    ["e-mail without a domain", { Email: "ann@localhost" }],
    ["e-mail too long", { Email: `${"a".repeat(39)}@example.com` }],
    ["e-mail with a bracket", { Email: "<ann@example.com>" }],
    ["first name too long", { Email: "a@b.co", First: "x".repeat(51) }],
    [
      "phone too long after another long field",
      { Email: "a@b.co", Phone: "1".repeat(26), Tier: "t".repeat(256) },
    ],
    ["custom field too long", { Email: "a@b.co", Region: "r".repeat(256) }],
    [
      "two custom fields too long: the first by name",
      { Email: "a@b.co", Tier: "t".repeat(256), Region: "r".repeat(256) },
    ],
    ["a long value that trims to fit", { Email: "a@b.co", First: ` ${"x".repeat(50)} ` }],
  ];
  it.each(rows)("%s: as mapRow", (_name, row) => {
    expect(encoded(row, mappings)).toEqual(expected(row, mappings));
  });

  it.each([
    ["e-mail only", { email: "Email" }],
    ["one column for two fields", { email: "Email", firstName: "First", lastName: "First" }],
    ["custom fields only", { email: "Email", customFields: { b: "Tier", a: "Region" } }],
  ])("with the mapping %s: as mapRow", (_name, using: FieldMappings) => {
    for (const [, row] of rows) expect(encoded(row, using)).toEqual(expected(row, using));
  });

  it("reads the last of repeated columns in a record, as a row object would hold it", () => {
    const out: EncodedRow = { key: "", fields: "", hash: "" };
    const encode = createRowEncoder({ email: "E", firstName: "N" }).forColumns(["E", "N", "N"]);
    expect(encode(["a@b.co", "first", "last"], "s", 1, out)).toBeUndefined();
    expect(out.fields).toBe("last\u0000\u0000\u0000\u0000");
  });

  it("leaves the output as it was when a row is rejected", () => {
    const out: EncodedRow = { key: "k", fields: "f", hash: "h" };
    const encode = createRowEncoder(mappings).row;
    expect(encode({ Email: "bad" }, "s", 1, out)?.reason).toBe("email-at-sign");
    expect(out).toEqual({ key: "k", fields: "f", hash: "h" });
  });
});
