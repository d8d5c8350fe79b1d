/**
 * Splits a stream of contacts into `contacts_json_import` request bodies that stay within the
 * service's limits (CONTRACT §1, §2.3): at most 40,000 items, at most 50 list ids, and a body
 * well under the 4 MB point where the service silently drops the excess. Memory holds one chunk.
 */
import type { ContactFields } from "../../../contract/contact-fields.ts";
import { ValidationError } from "../core/errors.ts";

/**
 * A contact to import: the e-mail (matched trimmed and case-insensitively by the service; sent
 * trimmed and lower-cased), the standard fields (a phone is stored as kind `other`) and custom
 * fields by `name` (not label), sent as `cf:<name>`, ≤ 25 per contact. Empty and missing fields
 * are left out of the request (CONTRACT §2.3).
 */
export type ImportContact = ContactFields<string>;

/** Limits of one import request. */
export interface ImportChunkLimits {
  /** Items per request. @default 40_000 (the guide's cap, CONTRACT §7.13) */
  maxItems?: number;
  /**
   * UTF-8 bytes of the whole JSON body. @default 3_500_000 (the service drops items past about
   * 4 MB without an error, CONTRACT §2.3; the margin absorbs any difference in counting)
   */
  maxBytes?: number;
}

/** One request body, ready to send. */
export interface ImportChunk {
  /** The JSON body: `{"import_data":[…],"list_ids":[…]}`. */
  body: string;
  /** UTF-8 length of `body`. */
  bytes: number;
  /** Number of items in `import_data`. */
  itemCount: number;
}

/** Most list ids per import request (CONTRACT §1). */
export const MAX_IMPORT_LIST_IDS = 50;

/** The `import_data` item for one contact: only non-empty fields, e-mail trimmed and lower-cased. */
export function toImportItem(contact: ImportContact): Record<string, string> {
  const item: Record<string, string> = { email: contact.email.trim().toLowerCase() };
  setIfPresent(item, "first_name", contact.firstName);
  setIfPresent(item, "last_name", contact.lastName);
  setIfPresent(item, "job_title", contact.jobTitle);
  setIfPresent(item, "company_name", contact.companyName);
  setIfPresent(item, "phone", contact.phone);
  for (const [name, value] of Object.entries(contact.customFields ?? {})) {
    setIfPresent(item, `cf:${name}`, value);
  }
  return item;
}

/**
 * Streams import bodies for `contacts`. Within one chunk a repeated e-mail keeps only its last
 * occurrence, at its last position ("later wins", CONTRACT §2.3), so no request carries
 * duplicates; the body's byte count is exact, not estimated.
 * @throws ValidationError for 0 or more than 50 list ids, or a contact too large for any body.
 */
export async function* chunkImportBodies(
  contacts: AsyncIterable<ImportContact> | Iterable<ImportContact>,
  listIds: readonly string[],
  limits: ImportChunkLimits = {},
): AsyncGenerator<ImportChunk> {
  const maxItems = limits.maxItems ?? 40_000;
  const maxBytes = limits.maxBytes ?? 3_500_000;
  if (listIds.length === 0 || listIds.length > MAX_IMPORT_LIST_IDS) {
    throw new ValidationError(
      `an import needs 1 to ${MAX_IMPORT_LIST_IDS} list ids, got ${listIds.length}`,
    );
  }
  const prefix = '{"import_data":[';
  const suffix = `],"list_ids":${JSON.stringify(listIds)}}`;
  const frameBytes = Buffer.byteLength(prefix) + Buffer.byteLength(suffix);

  const items = new Map<string, string>();
  let itemBytes = 0;
  const bodyBytes = (): number => frameBytes + itemBytes + Math.max(0, items.size - 1);
  const flush = (): ImportChunk => {
    const body = prefix + [...items.values()].join(",") + suffix;
    const chunk = { body, bytes: bodyBytes(), itemCount: items.size };
    items.clear();
    itemBytes = 0;
    return chunk;
  };

  for await (const contact of contacts) {
    const item = toImportItem(contact);
    const json = JSON.stringify(item);
    const bytes = Buffer.byteLength(json);
    if (frameBytes + bytes > maxBytes) {
      // Only the position in the stream is reported: the contact itself is personal data.
      throw new ValidationError(
        `a contact of ${bytes} bytes cannot fit in an import body of at most ${maxBytes} bytes`,
      );
    }
    const key = item.email ?? "";
    const previous = items.get(key);
    if (previous !== undefined) {
      items.delete(key);
      itemBytes -= Buffer.byteLength(previous);
    }
    const separator = items.size > 0 ? 1 : 0;
    if (items.size >= maxItems || bodyBytes() + separator + bytes > maxBytes) {
      yield flush();
    }
    items.set(key, json);
    itemBytes += bytes;
  }
  if (items.size > 0) yield flush();
}

function setIfPresent(item: Record<string, string>, key: string, value: string | undefined): void {
  if (value === undefined) return;
  const trimmed = value.trim();
  if (trimmed.length > 0) item[key] = trimmed;
}
