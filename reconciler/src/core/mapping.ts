/**
 * Mapping of segment columns to Constant Contact import fields (CONTRACT §1, §2.3), with the
 * per-row checks that decide whether a row may be sent. A rejected row becomes a {@link RowError}
 * with a stable reason and is never sent; row errors carry positions, never values.
 */
import { hash } from "node:crypto";
import { normalizeEmail } from "./email.ts";
import type { EmailRejection } from "./email.ts";

/** One row of a segment: column name to text. */
export type SourceRow = Readonly<Record<string, string | undefined>>;

/**
 * Which source column feeds which Constant Contact field. Same shape as the export definition's
 * `mappings` in the API.
 */
export interface FieldMappings {
  /** Column holding the e-mail address (required). */
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  jobTitle?: string | undefined;
  companyName?: string | undefined;
  /** Stored by Constant Contact as a phone number of kind `other`. */
  phone?: string | undefined;
  /** Custom field `name` (sent as `cf:<name>`) to column; at most 25 (CONTRACT §1). */
  customFields?: Readonly<Record<string, string>> | undefined;
}

/** The optional standard fields, in hash order. */
export const STANDARD_FIELDS = [
  "firstName",
  "lastName",
  "jobTitle",
  "companyName",
  "phone",
] as const;
export type StandardField = (typeof STANDARD_FIELDS)[number];

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

/**
 * A contact ready to import: values trimmed, empty values left out (the service treats empty
 * strings as absent, CONTRACT §2.3). Structurally an `ImportContact` of the Constant Contact
 * client.
 */
export interface MappedContact {
  /** Trimmed and lower-cased: the matching key (CONTRACT §2.3). */
  email: string;
  firstName?: string;
  lastName?: string;
  jobTitle?: string;
  companyName?: string;
  phone?: string;
  /** Sorted by name. */
  customFields?: Record<string, string>;
}

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
  return { ok: true, contact, hash: hashMappedFields(contact) };
}

/**
 * A short hash of the mapped fields other than the e-mail (which is the key): two rows with the
 * same hash need no update. 16 hex digits (64 bits) of SHA-256; a false "unchanged" needs a
 * collision between one contact's old and new values, about 1 in 1.8 × 10^19.
 */
export function hashMappedFields(contact: MappedContact): string {
  const first = contact.firstName ?? "";
  const last = contact.lastName ?? "";
  const job = contact.jobTitle ?? "";
  const company = contact.companyName ?? "";
  const phone = contact.phone ?? "";
  // The hashed text is `JSON.stringify([first, last, job, company, phone, [[name, value], …]])`
  // (snapshots hold hashes of exactly that); built by hand when no value needs escaping, which
  // costs a fraction of stringifying an array per row.
  if (
    contact.customFields === undefined &&
    !NEEDS_JSON_ESCAPE.test(first + last + job + company + phone)
  ) {
    return hash(
      "sha256",
      `["${first}","${last}","${job}","${company}","${phone}",[]]`,
      "hex",
    ).slice(0, 16);
  }
  const parts: unknown[] = [first, last, job, company, phone];
  parts.push(
    Object.entries(contact.customFields ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return hash("sha256", JSON.stringify(parts), "hex").slice(0, 16);
}

/** Characters `JSON.stringify` escapes (surrogates: only lone ones, but any sends us the slow way). */
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

const customNameCache = new WeakMap<FieldMappings, readonly string[]>();

/** Custom field names in hash order, computed once per mappings object (a hot path). */
function sortedCustomNames(mappings: FieldMappings): readonly string[] {
  let names = customNameCache.get(mappings);
  if (names === undefined) {
    names = Object.keys(mappings.customFields ?? {}).sort();
    customNameCache.set(mappings, names);
  }
  return names;
}

function tooLong(
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
