/**
 * {@link mapRow} for the hot loop of reading a segment: the same checks in the same order (the
 * e-mail, then the standard fields in {@link STANDARD_FIELDS} order, then the custom fields by
 * name), with the same errors, but the result is the e-mail key, the stored fields text
 * (`contact-fields.ts`) and its hash written into one reused object, so an accepted row
 * allocates no contact object and the text is checked and hashed in one loop. Pure: no I/O.
 */
import { encodeFields, separatorCount, STANDARD_FIELDS } from "./contact-fields.ts";
import type { MappedContact, StandardField } from "./contact-fields.ts";
import { normalizeEmail, plainEmailKey } from "./email.ts";
import { FIELD_MAX_LENGTH, sortedCustomNames, tooLong } from "./mapping.ts";
import type { FieldMappings, RowError, SourceRow } from "./mapping.ts";
import { fieldsHash, plainFieldsHash } from "./row-hash.ts";

/** What {@link RowEncoder} writes for an accepted row. */
export interface EncodedRow {
  /** The e-mail key. */
  key: string;
  /** The stored fields text. */
  fields: string;
  /** `fieldsHash(fields)`. */
  hash: string;
}

/**
 * Maps, validates and encodes one row into `out`; returns the row's error when it is rejected
 * (`out` is then left as it was).
 */
export type RowEncoder = (
  row: SourceRow,
  segment: string,
  rowNumber: number,
  out: EncodedRow,
) => RowError | undefined;

/** A {@link RowEncoder} for `mappings` (checked with `checkMappings` beforehand). */
export function createRowEncoder(mappings: FieldMappings): RowEncoder {
  const emailColumn = mappings.email;
  const columns = STANDARD_FIELDS.map((field) => mappings[field]);
  const limits = STANDARD_FIELDS.map((field) => FIELD_MAX_LENGTH[field]);
  const customNames = sortedCustomNames(mappings);
  const customColumns = customNames.map((name) => mappings.customFields?.[name]);
  const customMax = FIELD_MAX_LENGTH.customField;
  const standardCount = STANDARD_FIELDS.length;

  return (row, segment, rowNumber, out) => {
    let key = plainEmailKey(row[emailColumn]);
    if (key === undefined) {
      const email = normalizeEmail(row[emailColumn]);
      if (!email.ok) {
        return {
          segment,
          row: rowNumber,
          field: "email",
          reason: email.reason,
          message: email.message,
        };
      }
      key = email.key;
    }
    let fields = "";
    for (let i = 0; i < standardCount; i += 1) {
      const column = columns[i];
      let value = column === undefined ? "" : (row[column] ?? "");
      if (value !== "") {
        value = value.trim();
        const max = limits[i] as number;
        if (value.length > max) {
          const field = STANDARD_FIELDS[i] as StandardField;
          return tooLong({ segment, row: rowNumber }, field, value.length, max);
        }
      }
      fields = i === 0 ? value : `${fields}\u0000${value}`;
    }
    let customs = 0;
    for (let i = 0; i < customColumns.length; i += 1) {
      const column = customColumns[i];
      const value = column === undefined ? "" : (row[column] ?? "").trim();
      if (value === "") continue;
      if (value.length > customMax) {
        const name = customNames[i] as string;
        return tooLong({ segment, row: rowNumber }, `cf:${name}`, value.length, customMax);
      }
      fields = `${fields}\u0000${customNames[i] as string}\u0000${value}`;
      customs += 1;
    }
    const hash = plainFieldsHash(fields, separatorCount(customs));
    if (hash === undefined) {
      // A value holds a control character: the JSON form, built from a contact (rare).
      fields = encodeFields(contactOfRow(row, key, columns, customNames, customColumns));
      out.hash = fieldsHash(fields);
    } else {
      out.hash = hash;
    }
    out.key = key;
    out.fields = fields;
    return undefined;
  };
}

/** The contact of a row already checked, as {@link mapRow} builds it. */
function contactOfRow(
  row: SourceRow,
  key: string,
  columns: ReadonlyArray<string | undefined>,
  customNames: readonly string[],
  customColumns: ReadonlyArray<string | undefined>,
): MappedContact {
  const contact: MappedContact = { email: key };
  for (let i = 0; i < STANDARD_FIELDS.length; i += 1) {
    const column = columns[i];
    const value = column === undefined ? "" : (row[column] ?? "").trim();
    if (value !== "") contact[STANDARD_FIELDS[i] as StandardField] = value;
  }
  for (let i = 0; i < customNames.length; i += 1) {
    const column = customColumns[i];
    const value = column === undefined ? "" : (row[column] ?? "").trim();
    if (value !== "") (contact.customFields ??= {})[customNames[i] as string] = value;
  }
  return contact;
}
