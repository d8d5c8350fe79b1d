/**
 * The Constant Contact contact ids of contacts that leave a list. Snapshots keep an id when a run
 * learnt it; the rest are found with one `contact_exports` of the list (one activity, one
 * download) instead of one look-up per e-mail. Leavers no longer on the list need no removal.
 */
import type { CtctClient } from "../ctct/client.ts";
import type { SnapshotEntry } from "../core/diff.ts";
import type { Leaver } from "./write-chunks.ts";

/** The leavers with their ids, in the given (key) order; those not on the list are left out. */
export async function resolveLeaverIds(
  client: CtctClient,
  listId: string,
  leavers: readonly SnapshotEntry[],
): Promise<{ leavers: Leaver[]; notOnList: number }> {
  const missing = new Map<string, string | undefined>();
  for (const entry of leavers) if (entry.contactId === undefined) missing.set(entry.key, undefined);
  if (missing.size > 0) {
    for await (const row of client.exportListContacts(listId, {
      fields: ["contact_id", "email"],
    })) {
      const key = (row["email"] ?? "").trim().toLowerCase();
      if (missing.has(key)) missing.set(key, row["contact_id"]);
    }
  }
  const resolved: Leaver[] = [];
  let notOnList = 0;
  for (const entry of leavers) {
    const contactId = entry.contactId ?? missing.get(entry.key);
    if (contactId === undefined || contactId === "") notOnList += 1;
    else resolved.push({ key: entry.key, contactId });
  }
  return { leavers: resolved, notOnList };
}
