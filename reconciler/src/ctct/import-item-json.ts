/**
 * The `import_data` item of a stored contact as JSON bytes, written straight from its key and
 * stored fields text (`contact-fields.ts`): the same bytes as
 * `JSON.stringify(toImportItem(decodeFields(key, fields)))`, without a contact object, an item
 * object and a JSON string per contact, which were most of a first export's own time in
 * building its import bodies. It covers the common case, text that is printable ASCII; for
 * anything else (a character JSON escapes or UTF-8 widens, fields stored as JSON, a custom field
 * whose name JavaScript would order first) it writes nothing and returns undefined, and the
 * caller takes the general path. Pure: no I/O.
 */
import { JSON_FIELDS, STANDARD_FIELDS, VALUE_SEPARATOR } from "../core/contact-fields.ts";

/** `import_data` names of the standard fields, in {@link STANDARD_FIELDS} order. */
const STANDARD_ITEM_NAMES: Readonly<Record<(typeof STANDARD_FIELDS)[number], string>> = {
  firstName: "first_name",
  lastName: "last_name",
  jobTitle: "job_title",
  companyName: "company_name",
  phone: "phone",
};

/** The bytes before each standard field's value, in {@link STANDARD_FIELDS} order. */
const ITEM_PREFIXES = STANDARD_FIELDS.map((field) =>
  Buffer.from(`,"${STANDARD_ITEM_NAMES[field]}":"`, "latin1"),
);
const EMAIL_PREFIX = Buffer.from('{"email":"', "latin1");
const CUSTOM_PREFIX = Buffer.from(',"cf:', "latin1");
const CUSTOM_NAME_END = Buffer.from('":"', "latin1");
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;

/** Bytes {@link writeImportItem} may need for a key and fields text, at most. */
export function importItemRoom(key: string, fields: string): number {
  // Every character escaped (2 bytes); every character a separator, with a field name and quotes.
  return 16 + 2 * key.length + 24 * (fields.length + 1);
}

/**
 * Writes the item at `at` (the buffer has {@link importItemRoom} bytes there) and returns where
 * it ends, or undefined (nothing meaningful written) when the text is not in the common case.
 * Its fixed parts are copied by a loop: a native `write` for each of them cost more than the
 * copy, six times per contact.
 */
export function writeImportItem(
  buffer: Buffer,
  at: number,
  key: string,
  fields: string,
): number | undefined {
  if (fields.startsWith(JSON_FIELDS) || fields.startsWith("{")) return undefined;
  const email = writeValue(buffer, copyBytes(buffer, at, EMAIL_PREFIX), key, 0, key.length, true);
  if (email === undefined) return undefined;
  let out = email;
  let start = 0;
  for (let field = 0; start <= fields.length; field += 1) {
    let end = fields.indexOf(VALUE_SEPARATOR, start);
    if (end === -1) end = fields.length;
    if (field < STANDARD_FIELDS.length) {
      const written = writeField(buffer, out, ITEM_PREFIXES[field] as Buffer, fields, start, end);
      if (written === undefined) return undefined;
      out = written;
      start = end + 1;
      continue;
    }
    // A custom field: its name, then its value.
    if (end === fields.length) return undefined; // a name without a value
    let valueEnd = fields.indexOf(VALUE_SEPARATOR, end + 1);
    if (valueEnd === -1) valueEnd = fields.length;
    if (!plainCustomName(fields, start, end)) return undefined;
    if (!blank(fields, end + 1, valueEnd)) {
      let named = copyBytes(buffer, out, CUSTOM_PREFIX);
      for (let i = start; i < end; i += 1) buffer[named++] = fields.charCodeAt(i);
      const written = writeValue(
        buffer,
        copyBytes(buffer, named, CUSTOM_NAME_END),
        fields,
        end + 1,
        valueEnd,
        false,
      );
      if (written === undefined) return undefined;
      out = written;
    }
    start = valueEnd + 1;
  }
  buffer[out] = 0x7d; // }
  return out + 1;
}

/** `,"name":"value"` for a value that is not blank; `out` unchanged otherwise. */
function writeField(
  buffer: Buffer,
  out: number,
  prefix: Buffer,
  text: string,
  start: number,
  end: number,
): number | undefined {
  // An empty value, or only spaces, is left out; most contacts leave some fields empty.
  if (blank(text, start, end)) return out;
  return writeValue(buffer, copyBytes(buffer, out, prefix), text, start, end, false);
}

/** True when `text[from, to)` is empty or only spaces. */
function blank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i += 1) if (text.charCodeAt(i) !== SPACE) return false;
  return true;
}

/** Copies `bytes` to `buffer` at `at`; returns where they end. */
function copyBytes(buffer: Buffer, at: number, bytes: Buffer): number {
  const length = bytes.length;
  for (let i = 0; i < length; i += 1) buffer[at + i] = bytes[i] as number;
  return at + length;
}

/**
 * The characters `text[from, to)` trimmed of spaces (in printable ASCII, all that `trim()`
 * removes), JSON-escaped, then a closing quote; lower-cased for e-mails.
 */
function writeValue(
  buffer: Buffer,
  out: number,
  text: string,
  from: number,
  to: number,
  lowerCase: boolean,
): number | undefined {
  let begin = from;
  let finish = to;
  while (begin < finish && text.charCodeAt(begin) === SPACE) begin += 1;
  while (finish > begin && text.charCodeAt(finish - 1) === SPACE) finish -= 1;
  let at = out;
  for (let i = begin; i < finish; i += 1) {
    let code = text.charCodeAt(i);
    if (code < SPACE || code > 0x7e) return undefined;
    if (code === QUOTE || code === BACKSLASH) {
      buffer[at] = BACKSLASH;
      at += 1;
    } else if (lowerCase && code >= 0x41 && code <= 0x5a) {
      code += 0x20;
    }
    buffer[at] = code;
    at += 1;
  }
  buffer[at] = QUOTE;
  return at + 1;
}

/**
 * True for a custom field name (`text[from, to)`) written as it is: printable ASCII needing no
 * JSON escape, not starting with a digit (JavaScript orders integer-like property names first)
 * and not `__proto__` (which a plain object does not keep as a property).
 */
function plainCustomName(text: string, from: number, to: number): boolean {
  if (from === to || (to - from === 9 && text.startsWith("__proto__", from))) return false;
  const first = text.charCodeAt(from);
  if (first >= 0x30 && first <= 0x39) return false;
  for (let i = from; i < to; i += 1) {
    const code = text.charCodeAt(i);
    if (code < SPACE || code > 0x7e || code === QUOTE || code === BACKSLASH) return false;
  }
  return true;
}
