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

const ITEM_PREFIXES = STANDARD_FIELDS.map((field) => `,"${STANDARD_ITEM_NAMES[field]}":"`);
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
 */
export function writeImportItem(
  buffer: Buffer,
  at: number,
  key: string,
  fields: string,
): number | undefined {
  if (fields.startsWith(JSON_FIELDS) || fields.startsWith("{")) return undefined;
  let out = buffer.write('{"email":"', at, "latin1") + at;
  const email = writeValue(buffer, out, key, 0, key.length, true);
  if (email === undefined) return undefined;
  out = email;
  let start = 0;
  for (let field = 0; start <= fields.length; field += 1) {
    let end = fields.indexOf(VALUE_SEPARATOR, start);
    if (end === -1) end = fields.length;
    if (field < STANDARD_FIELDS.length) {
      const written = writeField(buffer, out, ITEM_PREFIXES[field] as string, fields, start, end);
      if (written === undefined) return undefined;
      out = written;
      start = end + 1;
      continue;
    }
    // A custom field: its name, then its value.
    if (end === fields.length) return undefined; // a name without a value
    let valueEnd = fields.indexOf(VALUE_SEPARATOR, end + 1);
    if (valueEnd === -1) valueEnd = fields.length;
    const name = fields.slice(start, end);
    if (!plainCustomName(name)) return undefined;
    const written = writeField(buffer, out, `,"cf:${name}":"`, fields, end + 1, valueEnd);
    if (written === undefined) return undefined;
    out = written;
    start = valueEnd + 1;
  }
  buffer[out] = 0x7d; // }
  return out + 1;
}

/** `,"name":"value"` for a value that is not empty once trimmed; `out` unchanged otherwise. */
function writeField(
  buffer: Buffer,
  out: number,
  prefix: string,
  text: string,
  start: number,
  end: number,
): number | undefined {
  const valueAt = out + buffer.write(prefix, out, "latin1");
  const written = writeValue(buffer, valueAt, text, start, end, false);
  if (written === undefined) return undefined;
  // Only the closing quote: the value was empty or spaces, and is left out.
  return written === valueAt + 1 ? out : written;
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
 * True for a custom field name written as it is: printable ASCII needing no JSON escape, not
 * starting with a digit (JavaScript orders integer-like property names first) and not
 * `__proto__` (which a plain object does not keep as a property).
 */
function plainCustomName(name: string): boolean {
  if (name === "" || name === "__proto__") return false;
  const first = name.charCodeAt(0);
  if (first >= 0x30 && first <= 0x39) return false;
  for (let i = 0; i < name.length; i += 1) {
    const code = name.charCodeAt(i);
    if (code < SPACE || code > 0x7e || code === QUOTE || code === BACKSLASH) return false;
  }
  return true;
}
