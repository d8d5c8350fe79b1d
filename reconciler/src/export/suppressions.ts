/**
 * Opt-out safety (CONTRACT §2.5): the e-mails of every contact unsubscribed in the Constant
 * Contact account. Such contacts are never re-added or updated by a run, whatever the segments
 * say; a run counts them as suppressed. Reading only the unsubscribed contacts costs one request
 * per 500 of them, not one per 500 list members.
 */
import { z } from "zod";
import type { CtctClient } from "../ctct/client.ts";
import { normalizeEmail } from "../core/email.ts";

const pageSchema = z.object({
  contacts: z
    .array(
      z.object({
        email_address: z
          .object({ address: z.string(), permission_to_send: z.string().optional() })
          .optional(),
      }),
    )
    .default([]),
  _links: z.object({ next: z.object({ href: z.string() }).optional() }).optional(),
});

/** Lower-cased e-mails of the account's unsubscribed contacts. */
export async function fetchUnsubscribedEmails(client: CtctClient): Promise<Set<string>> {
  const emails = new Set<string>();
  let call: Parameters<CtctClient["transport"]["send"]>[0] = {
    operation: "get_contacts",
    method: "GET",
    path: "/contacts",
    query: { status: "unsubscribed", limit: 500 },
  };
  for (;;) {
    const response = await client.transport.send(call);
    const page = client.transport.parse(pageSchema, response, "get_contacts");
    for (const contact of page.contacts) {
      const address = contact.email_address?.address;
      if (address === undefined) continue;
      const normalized = normalizeEmail(address);
      emails.add(normalized.ok ? normalized.key : address.trim().toLowerCase());
    }
    const next = page._links?.next?.href;
    if (next === undefined) return emails;
    // CONTRACT §4: follow the href verbatim.
    call = { operation: "get_contacts", method: "GET", href: next };
  }
}
