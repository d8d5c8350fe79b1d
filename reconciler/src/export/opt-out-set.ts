/**
 * Opt-out safety (CONTRACT §2.5) without reading every unsubscribed contact on every run: the
 * account's set of unsubscribed e-mails is kept between runs in the snapshot store, and a run
 * reads only the contacts unsubscribed since (`status=unsubscribed&updated_after=…`, CONTRACT
 * §1, §4); the full read happens only when no set is kept. The kept set only grows: a contact
 * who opts back in stays suppressed until the set is rebuilt (delete it, or after
 * `maxAgeMs`), the safe side of the rule "never re-add an opt-out".
 *
 * The set is a snapshot file `_opt-outs.<connection id>/…`: its first entry's key is
 * {@link WATERMARK_KEY} and its hash the service time up to which it is complete; the other
 * entries are e-mail keys. The watermark is the service's `Date` when the read began, less a
 * second (its resolution): a contact unsubscribing while the pages are read is then read again
 * next time rather than missed.
 */
import { z } from "zod";
import type { CtctClient } from "../ctct/client.ts";
import { normalizeEmail } from "../core/email.ts";
import type { SnapshotEntry } from "../core/diff.ts";
import type { SnapshotStore } from "../snapshots/snapshot-store.ts";

/** Sorts before every e-mail key (they hold no control characters). */
export const WATERMARK_KEY = "\u0001watermark";

const pageSchema = z.object({
  contacts: z
    .array(
      z.object({
        email_address: z.object({ address: z.string() }).optional(),
      }),
    )
    .default([]),
  _links: z.object({ next: z.object({ href: z.string() }).optional() }).optional(),
});

/** Options of {@link readOptOuts}. */
export interface OptOutOptions {
  snapshots: SnapshotStore;
  /** The connection (one account) the set belongs to. */
  connectionId: string;
  /** Write the updated set back (a run); a plan only reads. @default true */
  persist?: boolean | undefined;
  /** A kept set older than this is rebuilt with a full read, in ms. @default 7 days */
  maxAgeMs?: number | undefined;
  /** @default Date.now */
  now?: (() => number) | undefined;
}

/** What {@link readOptOuts} found. */
export interface OptOuts {
  emails: Set<string>;
  /** True when every unsubscribed contact was read (no set kept, or it was too old). */
  fullRead: boolean;
  /** Contacts read from Constant Contact this time. */
  read: number;
  /** Requests it took. */
  requests: number;
}

/** The lower-cased e-mails of the account's unsubscribed contacts. */
export async function readOptOuts(client: CtctClient, options: OptOutOptions): Promise<OptOuts> {
  const folder = `_opt-outs.${options.connectionId.toLowerCase()}`;
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? 7 * 86_400_000;
  const kept = await loadKept(options.snapshots, folder);
  const fresh = kept !== undefined && now() - kept.watermark <= maxAgeMs;
  const emails = fresh ? kept.emails : new Set<string>();
  const startedAt = now();
  let query: Record<string, string | number> = { status: "unsubscribed", limit: 500 };
  if (fresh) query = { ...query, updated_after: new Date(kept.watermark).toISOString() };
  let call: Parameters<CtctClient["transport"]["send"]>[0] = {
    operation: "get_contacts",
    method: "GET",
    path: "/contacts",
    query,
  };
  let read = 0;
  let requests = 0;
  let watermark: number | undefined;
  for (;;) {
    const response = await client.transport.send(call);
    requests += 1;
    // The service's time when the read began, from the first page's `Date`.
    watermark ??= startedAt + (client.transport.serverClockOffsetMs() ?? 0) - 1_000;
    const page = client.transport.parse(pageSchema, response, "get_contacts");
    for (const contact of page.contacts) {
      const address = contact.email_address?.address;
      if (address === undefined) continue;
      read += 1;
      const normalized = normalizeEmail(address);
      emails.add(normalized.ok ? normalized.key : address.trim().toLowerCase());
    }
    const next = page._links?.next?.href;
    if (next === undefined) break;
    // CONTRACT §4: follow the href verbatim.
    call = { operation: "get_contacts", method: "GET", href: next };
  }
  if (options.persist !== false && (!fresh || read > 0 || kept === undefined)) {
    const ids = await options.snapshots.list(folder);
    await options.snapshots.write(folder, entriesOf(emails, watermark ?? startedAt - 1_000));
    // Keep the set just written and the one before it (another run may be reading it).
    for (const id of ids.slice(0, -1)) await options.snapshots.delete(id);
  }
  return { emails, fullRead: !fresh, read, requests };
}

/** The newest kept set, or undefined when there is none or it cannot be read. */
async function loadKept(
  snapshots: SnapshotStore,
  folder: string,
): Promise<{ emails: Set<string>; watermark: number } | undefined> {
  const ids = await snapshots.list(folder);
  const newest = ids.at(-1);
  if (newest === undefined) return undefined;
  const emails = new Set<string>();
  let watermark: number | undefined;
  try {
    for await (const entry of snapshots.read(newest)) {
      if (entry.key === WATERMARK_KEY) watermark = Date.parse(entry.hash);
      else emails.add(entry.key);
    }
  } catch {
    // A damaged set is rebuilt by a full read: opt-outs are never guessed.
    return undefined;
  }
  if (watermark === undefined || !Number.isFinite(watermark)) return undefined;
  return { emails, watermark };
}

function* entriesOf(emails: ReadonlySet<string>, watermark: number): Generator<SnapshotEntry> {
  yield { key: WATERMARK_KEY, hash: new Date(watermark).toISOString() };
  for (const key of [...emails].sort()) {
    if (key === "" || /[\t\r\n]/.test(key)) continue;
    yield { key, hash: "" };
  }
}
