/**
 * Contacts in lists (CONTRACT §1, §2.3, §2.6): read a list's members page by page, import
 * contacts into lists, and remove memberships. Everything that can hold a million rows streams.
 */
import { z } from "zod";
import type { ActivityCreator, CompletedActivity } from "./activities.ts";
import type { ActivityBatchOptions, ActivityRequest } from "./activity-batch.ts";
import { runActivities } from "./activity-batch.ts";
import type { ApiRequest, ApiTransport } from "./api-transport.ts";
import { CtctImportTruncatedError } from "./errors.ts";
import { ValidationError } from "../core/errors.ts";
import { chunkImportBodies } from "./import-chunker.ts";
import type { ImportChunkLimits, ImportContact } from "./import-chunker.ts";
import { MEMBER_PAGE_SIZE, REMOVE_CHUNK_SIZE } from "./request-estimator.ts";

/** Consent states of an e-mail address (CONTRACT §2.5). */
export type PermissionToSend =
  "explicit" | "implicit" | "not_set" | "pending_confirmation" | "temp_hold" | "unsubscribed";

const contactSchema = z.object({
  contact_id: z.string().min(1),
  email_address: z
    .object({
      address: z.string(),
      permission_to_send: z.string().optional(),
      opt_out_source: z.string().optional(),
      opt_out_date: z.string().optional(),
    })
    .optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  job_title: z.string().optional(),
  company_name: z.string().optional(),
  updated_at: z.string().optional(),
  deleted_at: z.string().nullish(),
  custom_fields: z.array(z.object({ custom_field_id: z.string(), value: z.string() })).optional(),
  phone_numbers: z
    .array(z.object({ phone_number: z.string(), kind: z.string().optional() }))
    .optional(),
});

const contactsPageSchema = z.object({
  contacts: z.array(contactSchema).default([]),
  _links: z.object({ next: z.object({ href: z.string() }).optional() }).optional(),
});

/** One member of a list, as read back. */
export interface ListMember {
  contactId: string;
  /** As stored by the service (first casing kept). */
  email: string | undefined;
  /** `unsubscribed` members are listed too, so the pipeline can suppress opt-outs. */
  permissionToSend: PermissionToSend | undefined;
  /** `Contact` (the person opted out) or `Account`, after an opt-out. */
  optOutSource: string | undefined;
  firstName: string | undefined;
  lastName: string | undefined;
  jobTitle: string | undefined;
  companyName: string | undefined;
  /** Values by custom field id, when `include` asked for `custom_fields`. */
  customFields: Record<string, string> | undefined;
  /** Phone numbers, when `include` asked for `phone_numbers`. */
  phoneNumbers: string[] | undefined;
  updatedAt: string | undefined;
  /** Set for deleted contacts (CONTRACT §7.14: detect deletion by this, not by permission). */
  deletedAt: string | undefined;
}

/** Sub-resources `GET /contacts` can add (CONTRACT §1); ask only for what is used. */
export type ContactInclude = "custom_fields" | "phone_numbers" | "list_memberships";

/** Options of {@link iterateListMembers}. */
export interface ListMembersOptions {
  /** @default [] (e-mail, consent and names come without any include) */
  include?: readonly ContactInclude[];
  /** Page size, 1–500. @default 500 */
  pageSize?: number;
}

/**
 * Every member of a list, once each, following `_links.next` verbatim (CONTRACT §4). Members of
 * every status are read (`status=all`), so unsubscribed ones are seen.
 */
export async function* iterateListMembers(
  transport: ApiTransport,
  listId: string,
  options: ListMembersOptions = {},
): AsyncGenerator<ListMember> {
  const include = options.include ?? [];
  let call: ApiRequest = {
    operation: "get_contacts",
    method: "GET",
    path: "/contacts",
    query: {
      lists: listId,
      status: "all",
      limit: Math.min(MEMBER_PAGE_SIZE, Math.max(1, options.pageSize ?? MEMBER_PAGE_SIZE)),
      include: include.length > 0 ? include.join(",") : undefined,
    },
  };
  for (;;) {
    const response = await transport.send(call);
    const page = transport.parse(contactsPageSchema, response, "get_contacts");
    for (const contact of page.contacts) yield toMember(contact);
    const next = page._links?.next?.href;
    if (next === undefined) return;
    // CONTRACT §4: the href already carries filters and limit; never re-add them.
    call = { operation: "get_contacts", method: "GET", href: next };
  }
}

function toMember(raw: z.infer<typeof contactSchema>): ListMember {
  return {
    contactId: raw.contact_id,
    email: raw.email_address?.address,
    permissionToSend: raw.email_address?.permission_to_send as PermissionToSend | undefined,
    optOutSource: raw.email_address?.opt_out_source,
    firstName: raw.first_name,
    lastName: raw.last_name,
    jobTitle: raw.job_title,
    companyName: raw.company_name,
    customFields:
      raw.custom_fields === undefined
        ? undefined
        : Object.fromEntries(
            raw.custom_fields.map((field) => [field.custom_field_id, field.value]),
          ),
    phoneNumbers: raw.phone_numbers?.map((phone) => phone.phone_number),
    updatedAt: raw.updated_at,
    deletedAt: raw.deleted_at ?? undefined,
  };
}

/** Totals over all activities of one import or removal. */
export interface ActivityTotals {
  /** Activities created and completed. */
  activities: number;
  /** Their ids, in order. */
  activityIds: string[];
  /** Items sent. */
  itemsSent: number;
  /** Sums of each `status` counter (e.g. `person_count`, `cannot_add_to_list_count`). */
  status: Record<string, number>;
  /** Row-level errors, the first 1,000. */
  activityErrors: string[];
}

/** Options of {@link importContacts}. */
export interface ImportOptions extends ActivityBatchOptions {
  /** @default 40,000 items and 3,500,000 bytes per request */
  limits?: ImportChunkLimits;
}

/**
 * Imports contacts into lists (upsert by e-mail, then add to `listIds`) in as few requests as the
 * limits allow, and waits for every activity. Checks `person_count` against what was sent, since
 * the service drops items past its size limit without an error (CONTRACT §2.3).
 * @throws CtctImportTruncatedError when the service kept fewer contacts than were sent.
 * @throws CtctActivityError when an activity ended other than `completed`.
 */
export async function importContacts(
  transport: ApiTransport,
  creator: ActivityCreator,
  contacts: AsyncIterable<ImportContact> | Iterable<ImportContact>,
  listIds: readonly string[],
  options: ImportOptions = {},
): Promise<ActivityTotals> {
  const totals = emptyTotals();
  async function* requests(): AsyncGenerator<ActivityRequest> {
    for await (const chunk of chunkImportBodies(contacts, listIds, options.limits)) {
      yield { body: chunk.body, itemCount: chunk.itemCount };
    }
  }
  await runActivities(
    transport,
    creator,
    "contacts_json_import",
    requests(),
    (activity, request) => {
      const kept = activity.status.person_count;
      if (kept !== undefined && kept < request.itemCount) {
        throw new CtctImportTruncatedError(activity.activityId, request.itemCount, kept);
      }
      addToTotals(totals, activity, request.itemCount);
    },
    options,
  );
  return totals;
}

/**
 * Removes contacts from lists (membership only: no delete, no unsubscribe), 500 contact ids per
 * activity (CONTRACT §1), and waits for every activity.
 * @throws ValidationError for 0 or more than 50 lists.
 */
export async function removeListMemberships(
  transport: ApiTransport,
  creator: ActivityCreator,
  listIds: readonly string[],
  contactIds: AsyncIterable<string> | Iterable<string>,
  options: ActivityBatchOptions = {},
): Promise<ActivityTotals> {
  if (listIds.length === 0 || listIds.length > 50) {
    throw new ValidationError(`a removal needs 1 to 50 list ids, got ${listIds.length}`);
  }
  const totals = emptyTotals();
  async function* requests(): AsyncGenerator<ActivityRequest> {
    let chunk: string[] = [];
    const body = (ids: string[]): ActivityRequest => ({
      body: { source: { contact_ids: ids }, list_ids: listIds },
      itemCount: ids.length,
    });
    for await (const id of contactIds) {
      chunk.push(id);
      if (chunk.length === REMOVE_CHUNK_SIZE) {
        yield body(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) yield body(chunk);
  }
  await runActivities(
    transport,
    creator,
    "remove_list_memberships",
    requests(),
    (activity, request) => addToTotals(totals, activity, request.itemCount),
    options,
  );
  return totals;
}

function emptyTotals(): ActivityTotals {
  return { activities: 0, activityIds: [], itemsSent: 0, status: {}, activityErrors: [] };
}

function addToTotals(totals: ActivityTotals, activity: CompletedActivity, itemCount: number): void {
  totals.activities += 1;
  totals.activityIds.push(activity.activityId);
  totals.itemsSent += itemCount;
  for (const [key, value] of Object.entries(activity.status)) {
    totals.status[key] = (totals.status[key] ?? 0) + value;
  }
  for (const error of activity.activityErrors) {
    if (totals.activityErrors.length >= 1_000) break;
    totals.activityErrors.push(error);
  }
}
