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

/** The same for a record: a row's values by column position (a CSV record). */
export type RecordEncoder = (
  record: readonly string[],
  segment: string,
  rowNumber: number,
  out: EncodedRow,
) => RowError | undefined;

/** Encoders of one mapping: for rows, and for records of given columns. */
export interface RowEncoders {
  row: RowEncoder;
  /** An encoder for records whose values are in `columns` order (a header row). */
  forColumns(columns: readonly string[]): RecordEncoder;
}

/**
 * The values an encoder reads, by slot: the e-mail, the standard fields in
 * {@link STANDARD_FIELDS} order, then the custom fields by name; a slot of an unmapped field or a
 * missing column reads -1 and yields no value.
 */
interface Layout {
  /** Column name of each slot (undefined: unmapped). */
  columns: ReadonlyArray<string | undefined>;
  customNames: readonly string[];
}

/** {@link RowEncoders} for `mappings` (checked with `checkMappings` beforehand). */
export function createRowEncoder(mappings: FieldMappings): RowEncoders {
  const customNames = sortedCustomNames(mappings);
  const layout: Layout = {
    columns: [
      mappings.email,
      ...STANDARD_FIELDS.map((field) => mappings[field]),
      ...customNames.map((name) => mappings.customFields?.[name]),
    ],
    customNames,
  };
  const slots = layout.columns.length;
  // Rows are read into one reused array of slot values, then encoded as a record.
  const identity = Int32Array.from(layout.columns, (_, i) => i);
  const values: Array<string | undefined> = new Array<string | undefined>(slots).fill(undefined);
  const fromValues = encoderOf(layout, identity);
  return {
    row: (row, segment, rowNumber, out) => {
      for (let s = 0; s < slots; s += 1) {
        const column = layout.columns[s];
        values[s] = column === undefined ? undefined : row[column];
      }
      return fromValues(values, segment, rowNumber, out);
    },
    forColumns(columns) {
      // A repeated column name reads its last value, as a row object built from them would.
      const at = Int32Array.from(layout.columns, (column) =>
        column === undefined ? -1 : columns.lastIndexOf(column),
      );
      return encoderOf(layout, at);
    },
  };
}

/** The encoder reading slot `s` from `values[at[s]]` (nothing when `at[s]` is -1). */
function encoderOf(
  layout: Layout,
  at: Int32Array,
): (
  values: ReadonlyArray<string | undefined>,
  segment: string,
  rowNumber: number,
  out: EncodedRow,
) => RowError | undefined {
  const limits = STANDARD_FIELDS.map((field) => FIELD_MAX_LENGTH[field]);
  const customMax = FIELD_MAX_LENGTH.customField;
  const standardCount = STANDARD_FIELDS.length;
  const customCount = layout.customNames.length;
  const emailAt = at[0] as number;
  const valueAt = (values: ReadonlyArray<string | undefined>, slot: number): string => {
    const index = at[slot] as number;
    return index === -1 ? "" : (values[index] ?? "");
  };

  return (values, segment, rowNumber, out) => {
    const raw = emailAt === -1 ? undefined : values[emailAt];
    let key = plainEmailKey(raw);
    if (key === undefined) {
      const email = normalizeEmail(raw);
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
      let value = valueAt(values, 1 + i);
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
    for (let i = 0; i < customCount; i += 1) {
      const value = valueAt(values, 1 + standardCount + i).trim();
      if (value === "") continue;
      if (value.length > customMax) {
        const name = layout.customNames[i] as string;
        return tooLong({ segment, row: rowNumber }, `cf:${name}`, value.length, customMax);
      }
      fields = `${fields}\u0000${layout.customNames[i] as string}\u0000${value}`;
      customs += 1;
    }
    const hash = plainFieldsHash(fields, separatorCount(customs));
    if (hash === undefined) {
      // A value holds a control character: the JSON form, built from a contact (rare).
      const contact: MappedContact = { email: key };
      for (let i = 0; i < standardCount; i += 1) {
        const value = valueAt(values, 1 + i).trim();
        if (value !== "") contact[STANDARD_FIELDS[i] as StandardField] = value;
      }
      for (let i = 0; i < customCount; i += 1) {
        const value = valueAt(values, 1 + standardCount + i).trim();
        if (value !== "") (contact.customFields ??= {})[layout.customNames[i] as string] = value;
      }
      fields = encodeFields(contact);
      out.hash = fieldsHash(fields);
    } else {
      out.hash = hash;
    }
    out.key = key;
    out.fields = fields;
    return undefined;
  };
}
