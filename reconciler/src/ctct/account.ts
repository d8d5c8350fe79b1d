/** The connected account (CONTRACT §1): used to check a connection works. */
import { z } from "zod";
import type { ApiTransport } from "./api-transport.ts";

const summarySchema = z.object({
  encoded_account_id: z.string().optional(),
  organization_name: z.string().optional(),
  contact_email: z.string().optional(),
});

/** Who the connection belongs to. */
export interface AccountSummary {
  encodedAccountId: string | undefined;
  organizationName: string | undefined;
  /** The account owner's address: show it to the person who connects, do not log it. */
  contactEmail: string | undefined;
}

/** Reads `GET /account/summary` (needs the `account_read` scope). */
export async function getAccountSummary(transport: ApiTransport): Promise<AccountSummary> {
  const response = await transport.send({
    operation: "account_summary",
    method: "GET",
    path: "/account/summary",
  });
  const summary = transport.parse(summarySchema, response, "account_summary");
  return {
    encodedAccountId: summary.encoded_account_id,
    organizationName: summary.organization_name,
    contactEmail: summary.contact_email,
  };
}
