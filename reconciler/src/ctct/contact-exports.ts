/**
 * A list's contacts as a CSV snapshot, through the `contact_exports` activity (CONTRACT §1):
 * create the export, wait for it, then stream the file, its records in batches. One request for
 * the file instead of one per 500 members, at the price of waiting for the activity.
 */
import { batched } from "../core/batched.ts";
import type { Batched } from "../core/batched.ts";
import { CsvRecordParser } from "../core/csv-records.ts";
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
  /**
   * Awaits each call to Constant Contact and each read of the exported file: a run times these
   * as waiting, and the parsing between them as its own work. @default plain await
   */
  waiting?: (<T>(work: Promise<T>) => Promise<T>) | undefined;
}

/**
 * Streams the rows of a list export as records keyed by the CSV header.
 * @throws CtctActivityError when the export activity does not complete.
 */
export function exportListContacts(
  transport: ApiTransport,
  creator: ActivityCreator,
  listId: string,
  options: ListExportOptions = {},
): Batched<Record<string, string>> {
  return batched(() => exportedBatches(transport, creator, listId, options));
}

/**
 * The records of one export, a read of the file at a time: a million of them handed over one by
 * one through an async generator cost about 0.3 s of awaits alone.
 */
async function* exportedBatches(
  transport: ApiTransport,
  creator: ActivityCreator,
  listId: string,
  options: ListExportOptions,
): AsyncGenerator<Array<Record<string, string>>> {
  const body: Record<string, unknown> = { list_ids: [listId] };
  if (options.fields !== undefined) body.fields = options.fields;
  if (options.status !== undefined) body.status = options.status;
  const waiting = options.waiting ?? (<T>(work: Promise<T>): Promise<T> => work);
  const activity = await waiting(creator.create("contact_exports", body));
  const completed = await waiting(waitForActivity(transport, activity.activity_id, options.wait));
  // CONTRACT §7.10: follow the results href as given.
  const href = completed.resultsHref;
  if (href === undefined) {
    throw new CtctApiError(
      "CTCT_UNEXPECTED_RESPONSE",
      `Constant Contact export ${activity.activity_id} completed without a results link`,
      { operation: "contact_exports" },
    );
  }
  const file = await waiting(
    transport.stream({ operation: "get_contact_export", method: "GET", href }),
  );
  // A list export of a million contacts: records are parsed a chunk at a time, not one stream
  // event per record.
  const parser = new CsvRecordParser();
  const decoder = new TextDecoder("utf-8");
  let header: string[] | undefined;
  let records: Array<Record<string, string>> = [];
  const onRecord = (fields: string[]): void => {
    if (header === undefined) {
      header = fields;
      return;
    }
    const record: Record<string, string> = {};
    for (let i = 0; i < header.length; i += 1) record[header[i] as string] = fields[i] ?? "";
    records.push(record);
  };
  try {
    const chunks = (file as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    for (;;) {
      const next = await waiting(chunks.next());
      if (next.done === true) break;
      const chunk = next.value;
      parser.push(decoder.decode(chunk, { stream: true }), onRecord);
      const batch = records;
      records = [];
      if (batch.length > 0) yield batch;
    }
    parser.push(decoder.decode(), onRecord);
    parser.end(onRecord);
    if (records.length > 0) yield records;
  } finally {
    file.destroy();
  }
}
