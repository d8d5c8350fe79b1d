/** Contact lists (CONTRACT §1, §2.6): create, read, find by exact name, rename, delete. */
import { z } from "zod";
import { activitySchema } from "./activities.ts";
import type { ApiTransport } from "./api-transport.ts";

const listSchema = z.object({
  list_id: z.string().min(1),
  name: z.string(),
  description: z.string().nullish(),
  favorite: z.boolean().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  deleted_at: z.string().nullish(),
  membership_count: z.number().optional(),
});

const listsPageSchema = z.object({
  lists: z.array(listSchema).default([]),
  _links: z.object({ next: z.object({ href: z.string() }).optional() }).optional(),
});

/** A contact list. */
export interface ContactList {
  listId: string;
  name: string;
  description: string | undefined;
  favorite: boolean;
  /** Members, when asked for (`include_membership_count=all`). */
  membershipCount: number | undefined;
  deletedAt: string | undefined;
}

/** Fields of a list to create or update. */
export interface ContactListInput {
  /** Unique in the account, case-sensitive, ≤ 255 characters. */
  name: string;
  description?: string | undefined;
  /** @default false */
  favorite?: boolean | undefined;
}

function toList(raw: z.infer<typeof listSchema>): ContactList {
  return {
    listId: raw.list_id,
    name: raw.name,
    description: raw.description ?? undefined,
    favorite: raw.favorite ?? false,
    membershipCount: raw.membership_count,
    deletedAt: raw.deleted_at ?? undefined,
  };
}

function listBody(input: ContactListInput): Record<string, unknown> {
  return {
    name: input.name,
    favorite: input.favorite ?? false,
    ...(input.description === undefined ? {} : { description: input.description }),
  };
}

/**
 * Creates a list. After an ambiguous failure the list may exist already: it is looked up by
 * name before trying again, so one call never creates two lists or fails on its own 409.
 * @throws CtctApiError `CTCT_CONFLICT` when another list has that name.
 */
export async function createList(
  transport: ApiTransport,
  input: ContactListInput,
): Promise<ContactList> {
  const response = await transport.send({
    operation: "create_list",
    method: "POST",
    path: "/contact_lists",
    body: listBody(input),
    recover: async () => {
      const found = await findListByName(transport, input.name);
      return found === undefined
        ? undefined
        : { list_id: found.listId, name: found.name, favorite: found.favorite };
    },
  });
  return toList(transport.parse(listSchema, response, "create_list"));
}

/** Reads a list with its membership count. @throws CtctApiError `CTCT_NOT_FOUND` */
export async function getList(transport: ApiTransport, listId: string): Promise<ContactList> {
  const response = await transport.send({
    operation: "get_list",
    method: "GET",
    path: `/contact_lists/${encodeURIComponent(listId)}`,
    query: { include_membership_count: "all" },
  });
  return toList(transport.parse(listSchema, response, "get_list"));
}

/**
 * The list named exactly `name` (case-sensitive, CONTRACT §2.6), with its membership count, or
 * undefined.
 */
export async function findListByName(
  transport: ApiTransport,
  name: string,
): Promise<ContactList | undefined> {
  let call: Parameters<ApiTransport["send"]>[0] = {
    operation: "find_list",
    method: "GET",
    path: "/contact_lists",
    query: { name, limit: 500, status: "active", include_membership_count: "all" },
  };
  for (;;) {
    const response = await transport.send(call);
    const page = transport.parse(listsPageSchema, response, "find_list");
    // The filter is server-side; check again in case it is looser than documented.
    const match = page.lists.find((list) => list.name === name && !list.deleted_at);
    if (match !== undefined) return toList(match);
    const next = page._links?.next?.href;
    if (next === undefined) return undefined;
    call = { operation: "find_list", method: "GET", href: next };
  }
}

/** Renames or re-describes a list. @throws CtctApiError `CTCT_NOT_FOUND` or `CTCT_CONFLICT` */
export async function updateList(
  transport: ApiTransport,
  listId: string,
  input: ContactListInput,
): Promise<ContactList> {
  const response = await transport.send({
    operation: "update_list",
    method: "PUT",
    path: `/contact_lists/${encodeURIComponent(listId)}`,
    body: listBody(input),
  });
  return toList(transport.parse(listSchema, response, "update_list"));
}

/**
 * Deletes a list. The service answers 202 with an activity (CONTRACT §1); its id is returned so
 * the caller can wait for it.
 */
export async function deleteList(
  transport: ApiTransport,
  listId: string,
): Promise<{ activityId: string | undefined }> {
  const response = await transport.send({
    operation: "delete_list",
    method: "DELETE",
    path: `/contact_lists/${encodeURIComponent(listId)}`,
  });
  const parsed = activitySchema.partial().safeParse(response.json);
  return { activityId: parsed.success ? parsed.data.activity_id : undefined };
}
