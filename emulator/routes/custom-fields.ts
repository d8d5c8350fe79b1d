/** Custom fields (CONTRACT §1): the `cf:` names an import may use. */
import type { Hono } from "hono";
import type { EmulatorContext } from "../context.ts";
import { readJsonBody, registerRoute } from "../request-pipeline.ts";
import type { EmulatorEnv } from "../request-pipeline.ts";
import { apiError, conflict } from "../http-errors.ts";
import { customFieldBody, listCustomFieldsQuery, parseOrThrow } from "../schemas.ts";
import { customFieldName, maxCustomFieldsPerAccount } from "../state/account.ts";
import type { CustomField } from "../state/account.ts";
import { pageLinks, readPageRequest } from "../paging.ts";

function renderField(field: CustomField): Record<string, unknown> {
  return {
    custom_field_id: field.id,
    label: field.label,
    name: field.name,
    type: field.type,
    created_at: new Date(field.createdAt).toISOString(),
    updated_at: new Date(field.updatedAt).toISOString(),
  };
}

/** Registers the custom field routes. */
export function registerCustomFieldRoutes(app: Hono<EmulatorEnv>, ctx: EmulatorContext): void {
  registerRoute(app, ctx, {
    method: "GET",
    template: "/v3/contact_custom_fields",
    scope: "contact_data",
    handler: (c, { account }) => {
      const page = readPageRequest(c, ctx);
      const query = parseOrThrow(listCustomFieldsQuery, page.query);
      const all = [...account.customFields.values()]
        .sort((a, b) => a.seq - b.seq)
        .filter((field) => page.after === undefined || field.seq > page.after);
      const items = all.slice(0, query.limit);
      const body: Record<string, unknown> = { custom_fields: items.map(renderField) };
      const links = pageLinks(
        ctx,
        "/v3/contact_custom_fields",
        page.query,
        query.limit,
        all.length > query.limit ? items.at(-1)?.seq : undefined,
      );
      if (links !== undefined) body._links = links;
      return c.json(body);
    },
  });

  registerRoute(app, ctx, {
    method: "POST",
    template: "/v3/contact_custom_fields",
    scope: "contact_data",
    handler: async (c, { account, nowMs }) => {
      const body = parseOrThrow(customFieldBody, (await readJsonBody(c)).value);
      if (account.findCustomFieldByName(customFieldName(body.label)) !== undefined) {
        throw conflict(`A custom field named ${customFieldName(body.label)} already exists.`);
      }
      if (account.customFields.size >= maxCustomFieldsPerAccount) {
        throw apiError(
          400,
          "contacts.api.validation.error",
          `An account can have at most ${maxCustomFieldsPerAccount} custom fields.`,
        );
      }
      return c.json(renderField(account.createCustomField(body.label, body.type, nowMs)), 201);
    },
  });
}
