/** Custom fields (CONTRACT §1): their `name` is what imports use as `cf:<name>`. */
import { z } from "zod";
import type { ApiRequest, ApiTransport } from "./api-transport.ts";

const customFieldSchema = z.object({
  custom_field_id: z.string().min(1),
  label: z.string(),
  name: z.string(),
  type: z.string().optional(),
});

const customFieldsPageSchema = z.object({
  custom_fields: z.array(customFieldSchema).default([]),
  _links: z.object({ next: z.object({ href: z.string() }).optional() }).optional(),
});

/** A custom field of the account. */
export interface CustomField {
  customFieldId: string;
  label: string;
  /** Key for imports (`cf:<name>`); the label with blanks turned into `_`. */
  name: string;
  type: string | undefined;
}

function toField(raw: z.infer<typeof customFieldSchema>): CustomField {
  return { customFieldId: raw.custom_field_id, label: raw.label, name: raw.name, type: raw.type };
}

/** All custom fields (at most 100 per account), following pages. */
export async function listCustomFields(transport: ApiTransport): Promise<CustomField[]> {
  const fields: CustomField[] = [];
  let call: ApiRequest = {
    operation: "list_custom_fields",
    method: "GET",
    path: "/contact_custom_fields",
    query: { limit: 100 },
  };
  for (;;) {
    const response = await transport.send(call);
    const page = transport.parse(customFieldsPageSchema, response, "list_custom_fields");
    fields.push(...page.custom_fields.map(toField));
    const next = page._links?.next?.href;
    if (next === undefined) return fields;
    call = { operation: "list_custom_fields", method: "GET", href: next };
  }
}

/**
 * Creates a custom field. After an ambiguous failure it is looked up by label before trying
 * again. @throws CtctApiError `CTCT_CONFLICT` when the label exists.
 */
export async function createCustomField(
  transport: ApiTransport,
  input: {
    /** ≤ 50 characters. */
    label: string;
    /** @default "string" */
    type?: string;
  },
): Promise<CustomField> {
  const response = await transport.send({
    operation: "create_custom_field",
    method: "POST",
    path: "/contact_custom_fields",
    body: { label: input.label, type: input.type ?? "string" },
    recover: async () => {
      const existing = (await listCustomFields(transport)).find((f) => f.label === input.label);
      return existing === undefined
        ? undefined
        : {
            custom_field_id: existing.customFieldId,
            label: existing.label,
            name: existing.name,
            type: existing.type,
          };
    },
  });
  return toField(transport.parse(customFieldSchema, response, "create_custom_field"));
}
