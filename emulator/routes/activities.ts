/**
 * Activity endpoints (CONTRACT §1, §2.2, §2.3, §2.6): imports, membership changes, exports, the
 * test-only contact delete, and polling.
 */
import type { Hono } from "hono";
import { stringify } from "csv-stringify/sync";
import type { EmulatorContext } from "../context.ts";
import { readJsonBody, registerRoute } from "../request-pipeline.ts";
import type { EmulatorEnv } from "../request-pipeline.ts";
import { notFound, tooManyQueuedActivities, validationError } from "../http-errors.ts";
import {
  addMembershipsBody,
  contactDeleteBody,
  exportBody,
  importBody,
  listActivitiesQuery,
  parseOrThrow,
  removeMembershipsBody,
} from "../schemas.ts";
import type { Account, ContactList } from "../state/account.ts";
import { maxListsPerContact } from "../state/account.ts";
import { activityHistoryMs, maxQueuedActivities, renderActivity } from "../activities.ts";
import type { Activity } from "../activities.ts";
import { applyImport, truncateImportItems } from "../import.ts";
import type { ImportItem } from "../import.ts";
import { findList } from "./contact-lists.ts";
import { pageLinks, readPageRequest } from "../paging.ts";
import { unsubscribedCode } from "../state/contact-store.ts";

type MembershipBody = {
  source: {
    contact_ids?: string[] | undefined;
    list_ids?: string[] | undefined;
    all_active_contacts?: true | undefined;
    tag_ids?: string[] | undefined;
    engagement_level?: string | undefined;
    segment_id?: number | undefined;
  };
  list_ids: string[];
  exclude?: { contact_ids: string[] } | undefined;
};

/** Resolves a membership `source` to contact indices, at the time the activity completes. */
function resolveSource(
  account: Account,
  body: MembershipBody,
  sourceLists: ContactList[],
): Set<number> {
  const indices = new Set<number>();
  const contacts = account.contacts;
  if (body.source.contact_ids !== undefined) {
    for (const id of body.source.contact_ids) {
      const index = contacts.indexOfId(id);
      // CONTRACT §2.6: unknown ids are skipped silently.
      if (index !== undefined) indices.add(index);
    }
  } else if (body.source.list_ids !== undefined) {
    for (const list of sourceLists) for (const index of list.members) indices.add(index);
  } else if (body.source.all_active_contacts === true) {
    for (let index = 0; index < contacts.size; index += 1) {
      const code = contacts.permission[index];
      if (!contacts.isDeleted(index) && (code === 0 || code === 1)) indices.add(index);
    }
  }
  // tag_ids and engagement_level select nobody: the emulator has no tags or engagement data.
  for (const id of body.exclude?.contact_ids ?? []) {
    const index = contacts.indexOfId(id);
    if (index !== undefined) indices.delete(index);
  }
  return indices;
}

/** Registers the activity routes. */
export function registerActivityRoutes(app: Hono<EmulatorEnv>, ctx: EmulatorContext): void {
  const ensureQueueRoom = (account: Account): void => {
    if (ctx.activities.queuedCount(account) >= maxQueuedActivities) throw tooManyQueuedActivities();
  };

  registerRoute(app, ctx, {
    method: "POST",
    template: "/v3/activities/contacts_json_import",
    scope: "contact_data",
    handler: async (c, { account, nowMs }) => {
      const { value, bytes } = await readJsonBody(c);
      // CONTRACT §2.3: beyond the threshold the excess is dropped silently, whole items only.
      if (
        typeof value === "object" &&
        value !== null &&
        Array.isArray((value as { import_data?: unknown }).import_data)
      ) {
        const raw = value as { import_data: ImportItem[] };
        raw.import_data = truncateImportItems(raw.import_data, bytes, ctx.faults.importByteLimit);
      }
      const body = parseOrThrow(importBody, value);
      // CONTRACT §2.3: an unknown list is 400 with no activity (unconfirmed).
      const missing = body.list_ids.filter((id) => {
        const list = account.lists.get(id.toLowerCase());
        return list === undefined || list.deletedAt !== 0;
      });
      if (missing.length > 0)
        throw validationError(missing.map((id) => `list_ids: list ${id} does not exist`));
      ensureQueueRoom(account);
      const items = body.import_data;
      const listIds = body.list_ids.map((id) => id.toLowerCase());
      const activity = ctx.activities.create(
        account,
        "contacts_json_import",
        items.length,
        {
          items_total_count: items.length,
          person_count: 0,
          error_count: 0,
          correctable_count: 0,
          cannot_add_to_list_count: 0,
        },
        (fraction, at) =>
          applyImport(account, items, listIds, fraction, at, ctx.faults.rowOutcomes),
        nowMs,
        ctx.faults.takeActivityPlan("contacts_json_import"),
      );
      return c.json(renderActivity(activity), 201);
    },
  });

  for (const kind of ["remove_list_memberships", "add_list_memberships"] as const) {
    registerRoute(app, ctx, {
      method: "POST",
      template: `/v3/activities/${kind}`,
      scope: "contact_data",
      handler: async (c, { account, nowMs }) => {
        const raw = (await readJsonBody(c)).value;
        const body: MembershipBody =
          kind === "add_list_memberships"
            ? parseOrThrow(addMembershipsBody, raw)
            : parseOrThrow(removeMembershipsBody, raw);
        // CONTRACT §2.6: an unknown target list is 404.
        const targets = body.list_ids.map((id) => findList(account, id));
        const sourceLists = (body.source.list_ids ?? []).map((id) => findList(account, id));
        if (body.source.segment_id !== undefined) throw notFound("The segment was not found.");
        ensureQueueRoom(account);
        const total = body.source.contact_ids?.length ?? 0;
        const activity = ctx.activities.create(
          account,
          kind,
          total,
          { items_total_count: total, items_completed_count: 0, list_count: targets.length },
          (fraction, at) => {
            const all = [...resolveSource(account, body, sourceLists)];
            const indices = all.slice(0, Math.floor(all.length * fraction));
            const errors: string[] = [];
            for (const index of indices) {
              if (kind === "remove_list_memberships") {
                for (const list of targets) account.removeMember(list, index);
                continue;
              }
              const contacts = account.contacts;
              // CONTRACT §2.6: unsubscribed contacts return only through their own confirmation.
              if (contacts.permission[index] === unsubscribedCode) continue;
              // CONTRACT §2.6: add-membership revives a deleted contact.
              if (contacts.isDeleted(index)) contacts.deletedAt[index] = 0;
              for (const list of targets) {
                if (list.deletedAt !== 0 || list.members.has(index)) continue;
                if ((contacts.listCount[index] ?? 0) >= maxListsPerContact) {
                  errors.push(
                    `Contact ${contacts.idOf(index)} is already in ${maxListsPerContact} lists.`,
                  );
                  break;
                }
                account.addMember(list, index);
                contacts.updatedAt[index] = at;
              }
            }
            return {
              status: {
                items_total_count: all.length,
                items_completed_count: indices.length,
                list_count: targets.length,
              },
              errors,
            };
          },
          nowMs,
          ctx.faults.takeActivityPlan(kind),
        );
        return c.json(renderActivity(activity), 201);
      },
    });
  }

  registerRoute(app, ctx, {
    method: "POST",
    template: "/v3/activities/contact_exports",
    scope: "contact_data",
    handler: async (c, { account, nowMs }) => {
      const body = parseOrThrow(exportBody, (await readJsonBody(c)).value);
      const fields = body.fields ?? [
        "email",
        "first_name",
        "last_name",
        "permission_to_send",
        "created_at",
        "updated_at",
      ];
      const unknown = fields.filter((field) => !exportColumns.has(field));
      if (unknown.length > 0)
        throw validationError(unknown.map((field) => `fields: unknown field ${field}`));
      const lists = (body.list_ids ?? []).map((id) => findList(account, id));
      if (body.segment_id !== undefined) throw notFound("The segment was not found.");
      ensureQueueRoom(account);
      const activity = ctx.activities.create(
        account,
        "contact_exports",
        body.contact_ids?.length ?? 0,
        { items_total_count: 0, items_completed_count: 0 },
        (_fraction, _at, self) => {
          const indices = exportIndices(
            account,
            body.contact_ids,
            body.list_ids === undefined ? undefined : lists,
            body.status,
          );
          const parts = [Buffer.from(stringify([fields]))];
          for (let at = 0; at < indices.length; at += EXPORT_ROWS_PER_PART) {
            const rows = indices
              .slice(at, at + EXPORT_ROWS_PER_PART)
              .map((index) =>
                fields.map((field) => exportColumns.get(field)?.(account, index) ?? ""),
              );
            parts.push(Buffer.from(stringify(rows)));
          }
          account.exportFiles.set(self.id, parts);
          return {
            status: { items_total_count: indices.length, items_completed_count: indices.length },
            errors: [],
          };
        },
        nowMs,
        ctx.faults.takeActivityPlan("contact_exports"),
      );
      return c.json(renderActivity(activity), 201);
    },
  });

  registerRoute(app, ctx, {
    method: "GET",
    template: "/v3/contact_exports/{file_export_id}",
    scope: "contact_data",
    handler: (c, { account }) => {
      const file = account.exportFiles.get((c.req.param("file_export_id") ?? "").toLowerCase());
      if (file === undefined) throw notFound("The export file was not found or is not ready.");
      let next = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const part = file[next];
          next += 1;
          if (part === undefined) controller.close();
          else controller.enqueue(part);
        },
      });
      return c.body(body, 200, { "content-type": "text/csv; charset=utf-8" });
    },
  });

  registerRoute(app, ctx, {
    method: "POST",
    template: "/v3/activities/contact_delete",
    scope: "contact_data",
    handler: async (c, { account, nowMs }) => {
      // Test-only (CONTRACT §1).
      const body = parseOrThrow(contactDeleteBody, (await readJsonBody(c)).value);
      const lists = (body.list_ids ?? []).map((id) => findList(account, id));
      ensureQueueRoom(account);
      const activity = ctx.activities.create(
        account,
        "contact_delete",
        body.contact_ids?.length ?? 0,
        { items_total_count: 0, items_completed_count: 0 },
        (fraction, at) => {
          const indices = new Set<number>();
          for (const id of body.contact_ids ?? []) {
            const index = account.contacts.indexOfId(id);
            if (index !== undefined) indices.add(index);
          }
          for (const list of lists) for (const index of list.members) indices.add(index);
          const chosen = [...indices].slice(0, Math.floor(indices.size * fraction));
          for (const index of chosen) account.deleteContact(index, at);
          return {
            status: { items_total_count: indices.size, items_completed_count: chosen.length },
            errors: [],
          };
        },
        nowMs,
        ctx.faults.takeActivityPlan("contact_delete"),
      );
      return c.json(renderActivity(activity), 201);
    },
  });

  registerRoute(app, ctx, {
    method: "GET",
    template: "/v3/activities/{activity_id}",
    scope: "contact_data",
    handler: (c, { account }) => {
      const id = (c.req.param("activity_id") ?? "").toLowerCase();
      const activity = account.activities.find((candidate) => candidate.id === id);
      if (activity === undefined) throw notFound("The activity was not found.");
      return c.json(renderActivity(activity));
    },
  });

  registerRoute(app, ctx, {
    method: "GET",
    template: "/v3/activities",
    scope: "contact_data",
    handler: (c, { account, nowMs }) => {
      const page = readPageRequest(c, ctx);
      const query = parseOrThrow(listActivitiesQuery, page.query);
      // CONTRACT §2.2: 10-day history, newest first.
      const matches: Activity[] = [];
      for (let i = account.activities.length - 1; i >= 0; i -= 1) {
        const activity = account.activities[i] as Activity;
        if (activity.createdAt < nowMs - activityHistoryMs) continue;
        if (page.after !== undefined && activity.seq >= page.after) continue;
        if (query.state !== undefined && activity.state !== query.state) continue;
        matches.push(activity);
        if (matches.length > query.limit) break;
      }
      const items = matches.slice(0, query.limit);
      const more = matches.length > query.limit;
      const body: Record<string, unknown> = { activities: items.map(renderActivity) };
      const links = pageLinks(
        ctx,
        "/v3/activities",
        page.query,
        query.limit,
        more ? items.at(-1)?.seq : undefined,
      );
      if (links !== undefined) body._links = links;
      return c.json(body);
    },
  });
}

/** Columns an export can contain. */
const exportColumns = new Map<string, (account: Account, index: number) => string>([
  ["contact_id", (account, index) => account.contacts.idOf(index)],
  ["email", (account, index) => account.contacts.emails[index] ?? ""],
  ["first_name", (account, index) => account.contacts.firstName[index] ?? ""],
  ["last_name", (account, index) => account.contacts.lastName[index] ?? ""],
  ["job_title", (account, index) => account.contacts.extras.get(index)?.jobTitle ?? ""],
  ["company_name", (account, index) => account.contacts.extras.get(index)?.companyName ?? ""],
  ["permission_to_send", (account, index) => account.contacts.permissionOf(index)],
  [
    "created_at",
    (account, index) => new Date(account.contacts.createdAt[index] ?? 0).toISOString(),
  ],
  [
    "updated_at",
    (account, index) => new Date(account.contacts.updatedAt[index] ?? 0).toISOString(),
  ],
  ["list_memberships", (account, index) => account.listIdsOf(index).join(";")],
]);

/** Rows of an export file rendered at a time. */
const EXPORT_ROWS_PER_PART = 10_000;

function exportIndices(
  account: Account,
  contactIds: string[] | undefined,
  lists: ContactList[] | undefined,
  status: string | undefined,
): number[] {
  const contacts = account.contacts;
  const chosen = new Set<number>();
  if (contactIds !== undefined) {
    for (const id of contactIds) {
      const index = contacts.indexOfId(id);
      if (index !== undefined) chosen.add(index);
    }
  } else if (lists !== undefined) {
    for (const list of lists) for (const index of list.members) chosen.add(index);
  } else {
    for (let index = 0; index < contacts.size; index += 1) chosen.add(index);
  }
  return [...chosen]
    .sort((a, b) => a - b)
    .filter((index) => {
      const deleted = contacts.isDeleted(index);
      if (status === "all") return true;
      if (status === "deleted") return deleted;
      if (deleted) return false;
      if (status === "unsubscribed") return contacts.permission[index] === unsubscribedCode;
      if (status === "active")
        return contacts.permission[index] === 0 || contacts.permission[index] === 1;
      return true;
    });
}
