/**
 * A list's contacts as a CSV snapshot, through the `contact_exports` activity (CONTRACT §1):
 * create the export, wait for it, then stream the file row by row. One request for the file
 * instead of one per 500 members, at the price of waiting for the activity.
 */
import { parse } from "csv-parse";
import type { ActivityCreator, WaitOptions } from "./activities.ts";
import { waitForActivity } from "./activities.ts";
import type { ApiTransport } from "./api-transport.ts";
import { CtctApiError } from "./errors.ts";

/** Options of {@link exportListContacts}. */
export interface ListExportOptions {
  /** Columns to export, e.g. `["email_address", "first_name"]`. @default all fields */
  fields?: readonly string[];
  /** Only contacts of this status. @default all statuses */
  status?: string;
  wait?: WaitOptions;
}

/**
 * Streams the rows of a list export as records keyed by the CSV header.
 * @throws CtctActivityError when the export activity does not complete.
 */
export async function* exportListContacts(
  transport: ApiTransport,
  creator: ActivityCreator,
  listId: string,
  options: ListExportOptions = {},
): AsyncGenerator<Record<string, string>> {
  const body: Record<string, unknown> = { list_ids: [listId] };
  if (options.fields !== undefined) body.fields = options.fields;
  if (options.status !== undefined) body.status = options.status;
  const activity = await creator.create("contact_exports", body);
  const completed = await waitForActivity(transport, activity.activity_id, options.wait);
  // CONTRACT §7.10: follow the results href as given.
  const href = completed.resultsHref;
  if (href === undefined) {
    throw new CtctApiError(
      "CTCT_UNEXPECTED_RESPONSE",
      `Constant Contact export ${activity.activity_id} completed without a results link`,
      { operation: "contact_exports" },
    );
  }
  const file = await transport.stream({ operation: "get_contact_export", method: "GET", href });
  const parser = file.pipe(parse({ columns: true, bom: true, skip_empty_lines: true }));
  for await (const record of parser as AsyncIterable<Record<string, string>>) yield record;
}
