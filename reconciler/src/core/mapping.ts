/**
 * Mapping of segment columns to Constant Contact import fields (CONTRACT §1, §2.3), with the
 * per-row checks that decide whether a row may be sent. A rejected row becomes a {@link RowError}
 * with a stable reason and is never sent; row errors carry positions, never values.
 */
import type { ContactFields } from "../../../contract/contact-fields.ts";
import { encodeFields, STANDARD_FIELDS } from "./contact-fields.ts";
import type { MappedContact, StandardField } from "./contact-fields.ts";
import { normalizeEmail } from "./email.ts";
import type { EmailRejection } from "./email.ts";
import { legacyFieldsHash } from "./legacy-fields-hash.ts";
import { fieldsHash } from "./row-hash.ts";

export { STANDARD_FIELDS };
export type { MappedContact, StandardField };

/** One row of a segment: column name to text. */
export type SourceRow = Readonly<Record<string, string | undefined>>;

/**
 * Which source column feeds which Constant Contact field. Same shape as the export definition's
 * `mappings` in the API.
 */
export type FieldMappings = ContactFields<string>;

/**
 * Longest value per field on import: names, job title and company 50 (CONTRACT §1), phone 25
 * (`phone_number` in the OpenAPI document), custom fields 255 (CONTRACT §2.3).
 */
export const FIELD_MAX_LENGTH: Readonly<Record<StandardField | "customField", number>> = {
  firstName: 50,
  lastName: 50,
  jobTitle: 50,
  companyName: 50,
  phone: 25,
  customField: 255,
};

/** Most custom fields per contact (CONTRACT §1). */
export const MAX_CUSTOM_FIELDS = 25;

/** Why a row was not sent. */
export type RowRejection = EmailRejection | "value-too-long";

/** A row that was not sent, and why. Holds positions only: a row's values are personal data. */
export interface RowError {
  segment: string;
  /** 1-based position of the row in its segment (after any header). */
  row: number;
  /** The Constant Contact field at fault (`email`, `firstName`, `cf:<name>`, …). */
  field: string;
  reason: RowRejection;
  message: string;
}

/** The outcome of {@link mapRow}. */
export type MappedRow =
  { ok: true; contact: MappedContact; hash: string } | { ok: false; error: RowError };

/**
 * Checks a mapping before any row is read.
 * @returns problems as `{ field, message }`; empty when the mapping is usable.
 */
export function checkMappings(mappings: FieldMappings): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  if (mappings.email.trim() === "") {
    problems.push({ field: "email", message: "name the column holding the e-mail address" });
  }
  const customCount = Object.keys(mappings.customFields ?? {}).length;
  if (customCount > MAX_CUSTOM_FIELDS) {
    problems.push({
      field: "customFields",
      message: `${customCount} custom fields are mapped; Constant Contact stores at most ${MAX_CUSTOM_FIELDS} per contact`,
    });
  }
  return problems;
}

/**
 * The columns a segment must have for `mappings`: the e-mail column always; the others are
 * optional in each row but must exist in the segment's header.
 */
export function requiredColumns(mappings: FieldMappings): string[] {
  const columns = [mappings.email];
  for (const field of STANDARD_FIELDS) {
    const column = mappings[field];
    if (column !== undefined) columns.push(column);
  }
  columns.push(...Object.values(mappings.customFields ?? {}));
  return [...new Set(columns)];
}

/**
 * Maps and validates one row.
 * @param position where the row is, for the error (`segment`, 1-based `row`).
 * @example
 * mapRow({ Mail: " Ann@Example.com ", Given: "Ann" }, { email: "Mail", firstName: "Given" },
 *   { segment: "vip", row: 1 })
 * // { ok: true, contact: { email: "ann@example.com", firstName: "Ann" }, hash: "…" }
 */
export function mapRow(
  row: SourceRow,
  mappings: FieldMappings,
  position: { segment: string; row: number },
): MappedRow {
  const email = normalizeEmail(row[mappings.email]);
  if (!email.ok) {
    return {
      ok: false,
      error: { ...position, field: "email", reason: email.reason, message: email.message },
    };
  }
  const contact: MappedContact = { email: email.key };
  for (const field of STANDARD_FIELDS) {
    const column = mappings[field];
    if (column === undefined) continue;
    const value = (row[column] ?? "").trim();
    if (value === "") continue;
    const max = FIELD_MAX_LENGTH[field];
    if (value.length > max)
      return { ok: false, error: tooLong(position, field, value.length, max) };
    contact[field] = value;
  }
  for (const name of sortedCustomNames(mappings)) {
    const column = mappings.customFields?.[name];
    const value = column === undefined ? "" : (row[column] ?? "").trim();
    if (value === "") continue;
    const max = FIELD_MAX_LENGTH.customField;
    if (value.length > max) {
      return { ok: false, error: tooLong(position, `cf:${name}`, value.length, max) };
    }
    (contact.customFields ??= {})[name] = value;
  }
  return { ok: true, contact, hash: fieldsHash(encodeFields(contact)) };
}

/**
 * The SHA-256 field hash of snapshots written before the 64-bit one (`legacy-fields-hash.ts`);
 * {@link mapRow} hashes with {@link fieldsHash} of {@link encodeFields}.
 */
export const hashMappedFields: (contact: MappedContact) => string = legacyFieldsHash;

const customNameCache = new WeakMap<FieldMappings, readonly string[]>();

/** Custom field names in hash order, computed once per mappings object (a hot path). */
export function sortedCustomNames(mappings: FieldMappings): readonly string[] {
  let names = customNameCache.get(mappings);
  if (names === undefined) {
    names = Object.keys(mappings.customFields ?? {}).sort();
    customNameCache.set(mappings, names);
  }
  return names;
}

/** The row error of a value over its field's limit. */
export function tooLong(
  position: { segment: string; row: number },
  field: string,
  length: number,
  max: number,
): RowError {
  return {
    ...position,
    field,
    reason: "value-too-long",
    message: `${field} has ${length} characters; Constant Contact accepts at most ${max} on import`,
  };
}
