/**
 * Contacts (CONTRACT §1, §2.5, §2.6): filtered, cursor-paged reads; the test-only delete; and a
 * minimal `POST /contacts` that exists so a deleted contact's email gets 409 (CONTRACT §8.29).
 */
import type { Hono } from "hono";
import type { EmulatorContext } from "../context.ts";
import { readJsonBody, registerRoute } from "../request-pipeline.ts";
import type { EmulatorEnv } from "../request-pipeline.ts";
import { conflict, notFound, validationError } from "../http-errors.ts";
import { createContactBody, getContactQuery, listContactsQuery, parseOrThrow } from "../schemas.ts";
import type { Account } from "../state/account.ts";
import { renderContact } from "../contact-view.ts";
import { pageLinks, readPageRequest } from "../paging.ts";
import { emailKey, validateEmail } from "../email.ts";
import { permissions } from "../state/contact-store.ts";
import { findList } from "./contact-lists.ts";

/** Finds a contact by path id; malformed and unknown ids are 404 (CONTRACT §3). */
export function findContact(account: Account, contactId: string): number {
  const index = account.contacts.indexOfId(contactId);
  if (index === undefined) {
    const wellFormed = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(
      contactId,
    );
    throw notFound(
      wellFormed ? "The contact was not found." : "contact_id is in an invalid format.",
    );
  }
  return index;
}

/**
 * A predicate for the `status` filter (CONTRACT §2.5): none → all non-deleted; `all` → everything;
 * `deleted` → deleted only; `active` → explicit + implicit; others → that permission.
 */
function statusFilter(
  account: Account,
  statuses: readonly string[] | undefined,
): (index: number) => boolean {
  const contacts = account.contacts;
  if (statuses === undefined || statuses.length === 0) return (index) => !contacts.isDeleted(index);
  if (statuses.includes("all")) return () => true;
  const codes = new Set<number>();
  for (const status of statuses) {
    if (status === "active") {
      codes.add(0);
      codes.add(1);
    } else {
      const code = (permissions as readonly string[]).indexOf(status);
      if (code >= 0) codes.add(code);
    }
  }
  const wantDeleted = statuses.includes("deleted");
  return (index) =>
    contacts.isDeleted(index) ? wantDeleted : codes.has(contacts.permission[index] ?? -1);
}

/** Registers the contact routes. */
export function registerContactRoutes(app: Hono<EmulatorEnv>, ctx: EmulatorContext): void {
  registerRoute(app, ctx, {
    method: "GET",
    template: "/v3/contacts",
    scope: "contact_data",
    handler: (c, { account }) => {
      const page = readPageRequest(c, ctx);
      const query = parseOrThrow(listContactsQuery, page.query);
      const contacts = account.contacts;
      const byStatus = statusFilter(account, query.status);
      const lists = query.lists?.map((id) => findList(account, id, true));
      const updatedAfter =
        query.updated_after === undefined ? undefined : Date.parse(query.updated_after);
      // The spec's `created_after`: a contact keeps its creation time when an import updates or
      // revives it, so only contacts new to the account match.
      const createdAfter =
        query.created_after === undefined ? undefined : Date.parse(query.created_after);
      const emailIndex = query.email === undefined ? undefined : contacts.findByEmail(query.email);
      const matches = (index: number): boolean => {
        if (!byStatus(index)) return false;
        if (lists !== undefined && !lists.some((list) => list.members.has(index))) return false;
        if (updatedAfter !== undefined && (contacts.updatedAt[index] ?? 0) <= updatedAfter)
          return false;
        if (createdAfter !== undefined && (contacts.createdAt[index] ?? 0) <= createdAfter)
          return false;
        return true;
      };
      // CONTRACT §4: stable order by (created_at, id), which is the index order.
      const candidates: Iterable<number> =
        query.email !== undefined
          ? emailIndex === undefined
            ? []
            : [emailIndex]
          : indexRange((page.after ?? -1) + 1, contacts.size);
      const selected: number[] = [];
      let more = false;
      for (const index of candidates) {
        if (page.after !== undefined && index <= page.after) continue;
        if (!matches(index)) continue;
        if (selected.length === query.limit) {
          more = true;
          break;
        }
        selected.push(index);
      }
      const body: Record<string, unknown> = {
        contacts: selected.map((index) => renderContact(account, index, query.include)),
      };
      const links = pageLinks(
        ctx,
        "/v3/contacts",
        page.query,
        query.limit,
        more ? selected.at(-1) : undefined,
      );
      if (links !== undefined) body._links = links;
      if (query.include_count === true) {
        // CONTRACT §4: contacts_count on every page.
        let count = 0;
        if (query.email !== undefined)
          count = emailIndex !== undefined && matches(emailIndex) ? 1 : 0;
        else for (let index = 0; index < contacts.size; index += 1) if (matches(index)) count += 1;
        body.contacts_count = count;
      }
      return c.json(body);
    },
  });

  registerRoute(app, ctx, {
    method: "GET",
    template: "/v3/contacts/{contact_id}",
    scope: "contact_data",
    handler: (c, { account }) => {
      const query = parseOrThrow(getContactQuery, c.req.query());
      // CONTRACT §2.6: a deleted contact is still returned by id.
      const index = findContact(account, c.req.param("contact_id") ?? "");
      return c.json(renderContact(account, index, query.include));
    },
  });

  registerRoute(app, ctx, {
    method: "DELETE",
    template: "/v3/contacts/{contact_id}",
    scope: "contact_data",
    handler: (c, { account, nowMs }) => {
      // Test-only (CONTRACT §1).
      const index = findContact(account, c.req.param("contact_id") ?? "");
      account.deleteContact(index, nowMs);
      return c.body(null, 204);
    },
  });

  registerRoute(app, ctx, {
    method: "POST",
    template: "/v3/contacts",
    scope: "contact_data",
    handler: async (c, { account, nowMs }) => {
      const body = parseOrThrow(createContactBody, (await readJsonBody(c)).value);
      const email = validateEmail(body.email_address.address, "contact");
      if (email === undefined)
        throw validationError(["email_address.address is not a valid email address"]);
      // CONTRACT §2.6: any existing email, deleted or not, is a conflict.
      if (account.contacts.findByEmail(emailKey(email)) !== undefined) {
        throw conflict("Validation failed: Email already exists for contact");
      }
      const lists = (body.list_memberships ?? []).map((id) => findList(account, id));
      const permission = body.create_source === "Contact" ? 0 : 1;
      const index = account.contacts.create(
        email,
        nowMs,
        body.email_address.permission_to_send === "explicit" ? 0 : permission,
      );
      if (body.first_name !== undefined) account.contacts.firstName[index] = body.first_name;
      if (body.last_name !== undefined) account.contacts.lastName[index] = body.last_name;
      const extras = account.contacts.extrasFor(index);
      extras.createSource = body.create_source;
      extras.optInSource = body.create_source;
      for (const list of lists) account.addMember(list, index);
      return c.json(renderContact(account, index, ["list_memberships"]), 201);
    },
  });
}

function* indexRange(from: number, to: number): Generator<number> {
  for (let index = from; index < to; index += 1) yield index;
}
