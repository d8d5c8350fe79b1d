/**
 * The Constant Contact ids of the contacts a run added to its list, learnt once the imports
 * completed and kept beside the run's snapshot, so every synced contact's id is known and a later
 * run removes leavers without reading the whole list (ADR 0005, ADR 0010). Import effects apply
 * when an activity completes (CONTRACT §2.2), one request reads 500 contacts (CONTRACT §1, §4),
 * and the cheapest query that still finds every added contact is used:
 *
 * 1. `GET /contacts?lists=…&created_after=<first import's created_at>`: the contacts the imports
 *    created, which are most of the adds and none of the updates (the spec's `created_after`).
 *    When that finds as many contacts as the run added, it is all of them.
 * 2. Otherwise (some adds were contacts the account had already, which keep their creation time)
 *    `updated_after` instead, which also returns every updated contact: an import sets
 *    `updated_at` on every contact it touches.
 * 3. When so many were imported that paging would cost more requests than one export of the list
 *    (a first export), or the first import's time is unknown (a resumed run), the list is
 *    exported instead.
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
  /** Contacts the imports added to the list (confirmed by their activities). */
  added: number;
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
  /** Reads every page of contacts on the list matching `filter`; returns how many it read. */
  const readPages = async (filter: Record<string, string>): Promise<number> => {
    let read = 0;
    let call: Parameters<CtctClient["transport"]["send"]>[0] = {
      operation: "get_contacts",
      method: "GET",
      path: "/contacts",
      query: { lists: options.listId, ...filter, limit: PAGE_SIZE },
    };
    for (;;) {
      const response = await waiting(client.transport.send(call));
      const page = client.transport.parse(pageSchema, response, "get_contacts");
      read += page.contacts.length;
      for (const contact of page.contacts) {
        if (add(contact.email_address?.address, contact.contact_id)) await sorter.spill();
      }
      const next = page._links?.next?.href;
      if (next === undefined) return read;
      // CONTRACT §4: follow the href verbatim.
      call = { operation: "get_contacts", method: "GET", href: next };
    }
  };
  const fewPages = (contacts: number): boolean => Math.ceil(contacts / PAGE_SIZE) <= MAX_ID_PAGES;
  try {
    const since = options.since === undefined ? Number.NaN : Date.parse(options.since);
    // A second before the first import was accepted: the service's `Date` has 1 s resolution.
    const after = Number.isFinite(since) ? new Date(since - 1_000).toISOString() : undefined;
    // As many created as added: every added contact was new to the account, and the updated
    // ones keep the ids they have.
    const allCreated =
      after !== undefined &&
      options.added > 0 &&
      fewPages(options.added) &&
      (await readPages({ created_after: after })) >= options.added;
    if (!allCreated) {
      if (after !== undefined && fewPages(options.imported)) {
        // Contacts read twice keep the id read first: the sorter drops the repeat.
        await readPages({ updated_after: after });
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
