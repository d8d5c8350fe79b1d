/**
 * A mapped contact's fields and their stored text: what the sorter, the spool and the write pass
 * carry for each desired contact, and what the field hash is computed from (`row-hash.ts`).
 * Pure: no I/O.
 *
 * The text is the standard fields' values in {@link STANDARD_FIELDS} order joined by NUL, then
 * each custom field as name and value (sorted by name), so a million rows hold a third of the
 * bytes JSON would. When a value or name holds a control character (NUL and the spool's line
 * breaks are ones), the text is `\u0001` followed by the JSON of the fields instead. Both forms
 * are one-to-one: equal texts mean equal fields.
 */
import {
  STANDARD_CONTACT_FIELDS,
  type StandardContactField,
} from "../../../contract/contact-fields.ts";

/**
 * A contact ready to import: values trimmed, empty values left out (the service treats empty
 * strings as absent, CONTRACT §2.3). Structurally an `ImportContact` of the Constant Contact
 * client.
 */
export type MappedContact = {
  /** Trimmed and lower-cased: the matching key (CONTRACT §2.3). */
  email: string;
} & { [F in StandardField]?: string } & {
  /** Sorted by name. */
  customFields?: Record<string, string>;
};

/** The optional standard fields, in hash order (defined once, in the contract). */
export const STANDARD_FIELDS = STANDARD_CONTACT_FIELDS;
export type StandardField = StandardContactField;

/** Marks a fields text written as JSON (a value held a control character). */
export const JSON_FIELDS = "\u0001";
/** Separates values in a plain fields text. */
export const VALUE_SEPARATOR = "\u0000";
/** NULs in a plain fields text: between the standard fields, and before each name and value. */
export function separatorCount(customFields: number): number {
  return STANDARD_FIELDS.length - 1 + 2 * customFields;
}

const CONTROL_CHARACTER = /[\u0000-\u001f]/;

/** The stored fields text of a contact (its e-mail is the key, stored apart). */
export function encodeFields(contact: MappedContact): string {
  const first = contact.firstName ?? "";
  const last = contact.lastName ?? "";
  const job = contact.jobTitle ?? "";
  const company = contact.companyName ?? "";
  const phone = contact.phone ?? "";
  let text = `${first}\u0000${last}\u0000${job}\u0000${company}\u0000${phone}`;
  let plain = !CONTROL_CHARACTER.test(first + last + job + company + phone);
  const custom =
    contact.customFields === undefined
      ? []
      : Object.entries(contact.customFields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, value] of custom) {
    if (CONTROL_CHARACTER.test(name) || CONTROL_CHARACTER.test(value)) plain = false;
    text += VALUE_SEPARATOR + name + VALUE_SEPARATOR + value;
  }
  if (plain) return text;
  return jsonFields(contact);
}

/** The JSON form of a contact's fields text. */
export function jsonFields(contact: MappedContact): string {
  const { email: _email, ...fields } = contact;
  if (fields.customFields !== undefined) {
    fields.customFields = Object.fromEntries(
      Object.entries(fields.customFields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  return JSON_FIELDS + JSON.stringify(fields);
}

/** The contact of a key and its stored fields text. */
export function decodeFields(key: string, text: string): MappedContact {
  if (text.startsWith(JSON_FIELDS)) {
    return {
      ...(JSON.parse(text.slice(JSON_FIELDS.length)) as Omit<MappedContact, "email">),
      email: key,
    };
  }
  if (text.startsWith("{")) {
    // Written as JSON by an earlier version, e.g. in a test fixture.
    return { ...(JSON.parse(text) as Omit<MappedContact, "email">), email: key };
  }
  const values = text.split(VALUE_SEPARATOR);
  const contact: MappedContact = { email: key };
  for (let i = 0; i < STANDARD_FIELDS.length; i += 1) {
    const value = values[i];
    if (value !== undefined && value !== "") contact[STANDARD_FIELDS[i] as StandardField] = value;
  }
  if (values.length > STANDARD_FIELDS.length) {
    const custom: Record<string, string> = {};
    for (let i = STANDARD_FIELDS.length; i + 1 < values.length; i += 2) {
      custom[values[i] as string] = values[i + 1] as string;
    }
    contact.customFields = custom;
  }
  return contact;
}
