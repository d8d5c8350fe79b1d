/**
 * The Constant Contact ids of the contacts a run's imports created or changed, learnt once the
 * imports completed and kept beside the run's snapshot, so every synced contact's id is known
 * and a later run removes leavers without reading the whole list (ADR 0005, ADR 0010). Import
 * effects apply when an activity completes (CONTRACT §2.2), and an import sets `updated_at` on
 * every contact it touches, so `GET /contacts?lists=…&updated_after=<first import's created_at>`
 * returns them all (CONTRACT §1, §4), one request per 500. When so many were imported that paging
 * would cost more requests than one export of the list (a first export), the list is exported
 * instead.
 */
import { z } from "zod";
import type { CtctClient } from "../ctct/client.ts";
import { batched, BatchCursor, batchesOf } from "../core/batched.ts";
import type { Batched } from "../core/batched.ts";
import type { SnapshotEntry } from "../core/diff.ts";
import { normalizeEmail, plainEmailKey } from "../core/email.ts";
import { RecordSorter } from "./record-sorter.ts";
import type { RecordSorterOptions, SortedRecords } from "./record-sorter.ts";

/** Most pages of `updated_after` read before a list export is the cheaper way. */
export const MAX_ID_PAGES = 25;
const PAGE_SIZE = 500;

const pageSchema = z.object({
  contacts: z
    .array(
      z.object({
        contact_id: z.string().min(1),
        email_address: z.object({ address: z.string() }).optional(),
      }),
    )
    .default([]),
  _links: z.object({ next: z.object({ href: z.string() }).optional() }).optional(),
});

/** Options of {@link fetchImportedContactIds}. */
export interface ImportedIdsOptions extends RecordSorterOptions {
  listId: string;
  /** Contacts the run imported (adds and updates). */
  imported: number;
  /** `created_at` of the run's first import activity (service time); undefined: export the list. */
  since: string | undefined;
  /**
   * Awaits each call to Constant Contact (a run times them as waiting; reading and sorting the
   * ids between them is its own work). @default plain await
   */
  waiting?: (<T>(work: Promise<T>) => Promise<T>) | undefined;
}

/** E-mail key → contact id, sorted by key (lines `key\tid`). */
export async function fetchImportedContactIds(
  client: CtctClient,
  options: ImportedIdsOptions,
): Promise<SortedRecords> {
  const sorter = new RecordSorter(options);
  const waiting = options.waiting ?? (<T>(work: Promise<T>): Promise<T> => work);
  /** Adds one contact's key and id; true when the sorter must spill before the next. */
  const add = (email: string | undefined, contactId: string | undefined): boolean => {
    if (email === undefined || contactId === undefined || contactId === "") return false;
    const key = plainEmailKey(email) ?? fallbackKey(email);
    if (key === "" || hasSeparator(key) || hasSeparator(contactId)) return false;
    return sorter.add(key, contactId);
  };
  try {
    const since = options.since === undefined ? Number.NaN : Date.parse(options.since);
    if (Number.isFinite(since) && Math.ceil(options.imported / PAGE_SIZE) <= MAX_ID_PAGES) {
      // A second before the first import was accepted: the service's `Date` has 1 s resolution.
      let call: Parameters<CtctClient["transport"]["send"]>[0] = {
        operation: "get_contacts",
        method: "GET",
        path: "/contacts",
        query: {
          lists: options.listId,
          updated_after: new Date(since - 1_000).toISOString(),
          limit: PAGE_SIZE,
        },
      };
      for (;;) {
        const response = await waiting(client.transport.send(call));
        const page = client.transport.parse(pageSchema, response, "get_contacts");
        for (const contact of page.contacts) {
          if (add(contact.email_address?.address, contact.contact_id)) await sorter.spill();
        }
        const next = page._links?.next?.href;
        if (next === undefined) break;
        // CONTRACT §4: follow the href verbatim.
        call = { operation: "get_contacts", method: "GET", href: next };
      }
    } else {
      const exported = client.exportListContacts(options.listId, {
        fields: ["contact_id", "email"],
        waiting,
      });
      for await (const rows of exported.batches()) {
        for (const row of rows) {
          if (add(row["email"], row["contact_id"])) await sorter.spill();
        }
      }
    }
  } catch (error) {
    await sorter.abandon();
    throw error;
  }
  return sorter.finish();
}

/** The key of an address the fast check is unsure of: normalised, else trimmed and lower-cased. */
function fallbackKey(email: string): string {
  const normalized = normalizeEmail(email);
  return normalized.ok ? normalized.key : email.trim().toLowerCase();
}

/** True when `text` holds a tab or a line break, which a sorted line cannot. */
function hasSeparator(text: string): boolean {
  return text.includes("\t") || text.includes("\n");
}

/**
 * The ids of `ids` (lines `key\tid` sorted by key) as snapshot entries, to be stored beside the
 * snapshot they complete (ADR 0010).
 */
export function contactIdEntries(ids: AsyncIterable<string[]>): Batched<SnapshotEntry> {
  return batched(async function* () {
    for await (const lines of ids) {
      yield lines.map((line): SnapshotEntry => {
        const tab = line.indexOf("\t");
        return { key: line.slice(0, tab), hash: "", contactId: line.slice(tab + 1) };
      });
    }
  });
}

/**
 * Sets each entry's contact id from `ids` (entries sorted by key, each with its id) where it has
 * one; `entries` must be sorted by key too. One pass over both, a batch at a time.
 */
export function withContactIds<T extends { key: string; contactId?: string | undefined }>(
  entries: AsyncIterable<T> | Iterable<T>,
  ids: AsyncIterable<SnapshotEntry>,
): Batched<T> {
  return batched(() => withIdBatches(entries, ids));
}

async function* withIdBatches<T extends { key: string; contactId?: string | undefined }>(
  entries: AsyncIterable<T> | Iterable<T>,
  ids: AsyncIterable<SnapshotEntry>,
): AsyncGenerator<T[]> {
  const known = new BatchCursor(ids);
  try {
    for await (const batch of batchesOf(entries)) {
      const out = new Array<T>(batch.length);
      for (let i = 0; i < batch.length; i += 1) {
        const entry = batch[i] as T;
        let id: SnapshotEntry | undefined;
        for (;;) {
          if (known.needsFill) await known.fill();
          id = known.peek();
          if (id === undefined || id.key >= entry.key) break;
          known.advance();
        }
        out[i] =
          id?.key === entry.key && id.contactId !== undefined
            ? { ...entry, contactId: id.contactId }
            : entry;
      }
      yield out;
    }
  } finally {
    await known.close();
  }
}
