/** Contact lists (CONTRACT §1, §2.6). */
import type { Hono } from "hono";
import type { EmulatorContext } from "../context.ts";
import { readJsonBody, registerRoute } from "../request-pipeline.ts";
import type { EmulatorEnv } from "../request-pipeline.ts";
import { apiError, conflict, notFound, tooManyQueuedActivities } from "../http-errors.ts";
import {
  contactListBody,
  getContactListQuery,
  listContactListsQuery,
  parseOrThrow,
} from "../schemas.ts";
import { maxListsPerAccount } from "../state/account.ts";
import type { Account, ContactList } from "../state/account.ts";
import { pageLinks, readPageRequest } from "../paging.ts";
import { maxQueuedActivities, renderActivity } from "../activities.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Finds a list by path id; malformed ids and deleted lists are 404 (CONTRACT §3). */
export function findList(account: Account, listId: string, allowDeleted = false): ContactList {
  const list = uuidPattern.test(listId) ? account.lists.get(listId.toLowerCase()) : undefined;
  if (list === undefined || (!allowDeleted && list.deletedAt !== 0)) {
    throw notFound(
      uuidPattern.test(listId) ? "The list was not found." : "list_id is in an invalid format.",
    );
  }
  return list;
}

/** Active members are those with permission explicit or implicit (CONTRACT §2.5 `active`). */
function membershipCount(account: Account, list: ContactList, mode: "all" | "active"): number {
  if (mode === "all") return list.members.size;
  let count = 0;
  for (const index of list.members) {
    const code = account.contacts.permission[index];
    if (code === 0 || code === 1) count += 1;
  }
  return count;
}

/** The JSON form of a list. */
export function renderList(
  account: Account,
  list: ContactList,
  membership?: "all" | "active",
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    list_id: list.id,
    name: list.name,
    description: list.description ?? "",
    favorite: list.favorite,
    created_at: new Date(list.createdAt).toISOString(),
    updated_at: new Date(list.updatedAt).toISOString(),
  };
  if (list.deletedAt !== 0) body.deleted_at = new Date(list.deletedAt).toISOString();
  if (membership !== undefined) body.membership_count = membershipCount(account, list, membership);
  return body;
}

/** Registers the contact list routes. */
export function registerContactListRoutes(app: Hono<EmulatorEnv>, ctx: EmulatorContext): void {
  registerRoute(app, ctx, {
    method: "GET",
    template: "/v3/contact_lists",
    scope: "contact_data",
    handler: (c, { account }) => {
      const page = readPageRequest(c, ctx);
      const query = parseOrThrow(listContactListsQuery, page.query);
      const matches = [...account.lists.values()]
        .filter((list) => {
          if (query.status === "active" && list.deletedAt !== 0) return false;
          if (query.status === "deleted" && list.deletedAt === 0) return false;
          return query.name === undefined || list.name === query.name;
        })
        .sort((a, b) => a.seq - b.seq);
      const start =
        page.after === undefined ? matches : matches.filter((list) => list.seq > (page.after ?? 0));
      const items = start.slice(0, query.limit);
      const more = start.length > query.limit;
      const body: Record<string, unknown> = {
        lists: items.map((list) => renderList(account, list, query.include_membership_count)),
      };
      if (query.include_count === true) body.lists_count = matches.length;
      const links = pageLinks(
        ctx,
        "/v3/contact_lists",
        page.query,
        query.limit,
        more ? items.at(-1)?.seq : undefined,
      );
      if (links !== undefined) body._links = links;
      return c.json(body);
    },
  });

  registerRoute(app, ctx, {
    method: "POST",
    template: "/v3/contact_lists",
    scope: "contact_data",
    handler: async (c, { account, nowMs }) => {
      const body = parseOrThrow(contactListBody, (await readJsonBody(c)).value);
      // CONTRACT §2.6: names unique (case-sensitive), deleted lists' names reusable.
      if (account.findListByName(body.name) !== undefined) {
        throw conflict(`A list named ${body.name} already exists.`);
      }
      if (account.activeListCount() >= maxListsPerAccount) {
        // CONTRACT §2.6: 400 beyond 1,000 lists (unconfirmed).
        throw apiError(
          400,
          "contacts.api.validation.error",
          `An account can have at most ${maxListsPerAccount} lists.`,
        );
      }
      const list = account.createList(body.name, body.description, body.favorite ?? false, nowMs);
      return c.json(renderList(account, list), 201);
    },
  });

  registerRoute(app, ctx, {
    method: "GET",
    template: "/v3/contact_lists/{list_id}",
    scope: "contact_data",
    handler: (c, { account }) => {
      const query = parseOrThrow(getContactListQuery, c.req.query());
      const list = findList(account, c.req.param("list_id") ?? "", true);
      return c.json(renderList(account, list, query.include_membership_count));
    },
  });

  registerRoute(app, ctx, {
    method: "PUT",
    template: "/v3/contact_lists/{list_id}",
    scope: "contact_data",
    handler: async (c, { account, nowMs }) => {
      const list = findList(account, c.req.param("list_id") ?? "");
      const body = parseOrThrow(contactListBody, (await readJsonBody(c)).value);
      const other = account.findListByName(body.name);
      if (other !== undefined && other !== list)
        throw conflict(`A list named ${body.name} already exists.`);
      list.name = body.name;
      if (body.description !== undefined) list.description = body.description;
      if (body.favorite !== undefined) list.favorite = body.favorite;
      list.updatedAt = nowMs;
      return c.json(renderList(account, list));
    },
  });

  registerRoute(app, ctx, {
    method: "DELETE",
    template: "/v3/contact_lists/{list_id}",
    scope: "contact_data",
    handler: (c, { account, nowMs }) => {
      const list = findList(account, c.req.param("list_id") ?? "");
      if (ctx.activities.queuedCount(account) >= maxQueuedActivities)
        throw tooManyQueuedActivities();
      const activity = ctx.activities.create(
        account,
        "list_delete",
        list.members.size,
        { items_total_count: 1, items_completed_count: 0 },
        (_fraction, at) => {
          for (const index of [...list.members]) account.removeMember(list, index);
          list.deletedAt = at;
          list.updatedAt = at;
          return { status: { items_total_count: 1, items_completed_count: 1 }, errors: [] };
        },
        nowMs,
        ctx.faults.takeActivityPlan("list_delete"),
      );
      const href = `/v3/activities/${activity.id}`;
      // CONTRACT §1: 202 with Location, activity_id and _links.self.href.
      return c.json(renderActivity(activity), 202, { Location: href });
    },
  });
}
