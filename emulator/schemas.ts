/**
 * Request validation (zod) for the implemented endpoints, following the spec's constraints with
 * CONTRACT §7's corrections. Failures become 400 `contacts.api.validation.error` with the
 * problems comma-joined (CONTRACT §3).
 */
import { z } from "zod";
import { validationError } from "./http-errors.ts";

const uuid = z.uuid({ message: "must be a UUID" });
const booleanString = z.enum(["true", "false"]).transform((value) => value === "true");

/** Comma-separated values, each matching `test`, at most `max` of them. */
function csv<T extends string>(
  test: (part: string) => part is T,
  max: number,
  name: string,
  expected: string,
) {
  return z.string().transform((value, context): T[] => {
    const parts = value
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "");
    if (parts.length > max) {
      context.addIssue({ code: "custom", message: `${name} accepts at most ${max} values` });
    }
    for (const part of parts) {
      if (!test(part))
        context.addIssue({ code: "custom", message: `${name} value ${part} is not ${expected}` });
    }
    return parts.filter(test);
  });
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(part: string): part is string {
  return uuidPattern.test(part);
}
function oneOf<const T extends readonly string[]>(values: T): (part: string) => part is T[number] {
  return (part): part is T[number] => (values as readonly string[]).includes(part);
}

/** Parses with `schema` or throws the 400 error-array response. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(
    result.error.issues.map((issue) => {
      const path = issue.path.map(String).join(".");
      return path === "" ? issue.message : `${path}: ${issue.message}`;
    }),
  );
}

/** `limit` query parameter between 1 and `max`, with a default. */
function limit(max: number, fallback: number) {
  return z.coerce
    .number({ message: "limit must be a number" })
    .int({ message: "limit must be an integer" })
    .min(1, { message: `limit must be between 1 and ${max}` })
    .max(max, { message: `limit must be between 1 and ${max}` })
    .default(fallback);
}

/** GET /contact_lists query (CONTRACT §7.3: the emulator accepts a limit up to 1000). */
export const listContactListsQuery = z.object({
  name: z.string().optional(),
  limit: limit(1000, 50),
  include_count: booleanString.optional(),
  include_membership_count: z.enum(["all", "active"]).optional(),
  status: z.enum(["all", "active", "deleted"]).default("active"),
});

/** POST/PUT /contact_lists body. */
export const contactListBody = z.object({
  name: z
    .string({ message: "name is required" })
    .trim()
    .min(1, { message: "name is required" })
    .max(255, { message: "name exceeds 255 characters" }),
  description: z.string().max(2000).optional(),
  favorite: z.boolean().optional(),
});

/** GET /contact_lists/{list_id} query. */
export const getContactListQuery = z.object({
  include_membership_count: z.enum(["all", "active"]).optional(),
});

/** `status` values of GET /contacts (CONTRACT §1). */
export const contactStatuses = [
  "all",
  "active",
  "deleted",
  "not_set",
  "pending_confirmation",
  "temp_hold",
  "unsubscribed",
] as const;
/** `include` values of GET /contacts (CONTRACT §1). */
export const contactIncludes = [
  "list_memberships",
  "custom_fields",
  "phone_numbers",
  "street_addresses",
  "taggings",
  "notes",
] as const;

/** GET /contacts query (without `cursor`). */
export const listContactsQuery = z.object({
  lists: csv(isUuid, 25, "lists", "a UUID").optional(),
  status: csv(
    oneOf(contactStatuses),
    contactStatuses.length,
    "status",
    `one of ${contactStatuses.join(", ")}`,
  ).optional(),
  email: z.string().optional(),
  include: csv(
    oneOf(contactIncludes),
    contactIncludes.length,
    "include",
    `one of ${contactIncludes.join(", ")}`,
  ).optional(),
  include_count: booleanString.optional(),
  updated_after: z.iso
    .datetime({ offset: true, message: "updated_after must be an ISO-8601 date-time" })
    .optional(),
  created_after: z.iso
    .datetime({ offset: true, message: "created_after must be an ISO-8601 date-time" })
    .optional(),
  limit: limit(500, 50),
});

/** GET /contacts/{contact_id} query. */
export const getContactQuery = z.object({
  include: csv(
    oneOf(contactIncludes),
    contactIncludes.length,
    "include",
    `one of ${contactIncludes.join(", ")}`,
  ).optional(),
});

/** POST /contacts body (only so a deleted contact's email can get 409, CONTRACT §8.29). */
export const createContactBody = z.object({
  email_address: z.object({
    address: z.string().max(80),
    permission_to_send: z.enum(["explicit", "implicit"]).optional(),
  }),
  first_name: z.string().max(50).optional(),
  last_name: z.string().max(50).optional(),
  create_source: z.enum(["Account", "Contact"]),
  list_memberships: z.array(uuid).max(50).optional(),
});

/** POST /activities/contacts_json_import (CONTRACT §2.3: items are checked row by row later). */
export const importBody = z.object({
  import_data: z
    .array(z.record(z.string(), z.unknown()), { message: "import_data is required" })
    .min(1, { message: "import_data must contain at least 1 item" })
    .max(40_000, { message: "import_data exceeds 40000 items" }),
  list_ids: z
    .array(uuid, { message: "list_ids is required" })
    .min(1, { message: "list_ids must contain at least 1 list" })
    .max(50, { message: "list_ids exceeds 50 lists" }),
  sms_permission_to_send: z.string().optional(),
});

const membershipSourceFields = {
  contact_ids: z.array(uuid).min(1).max(500, { message: "source.contact_ids exceeds 500 ids" }),
  // CONTRACT §7.2: the emulator accepts up to 100 source lists.
  list_ids: z.array(uuid).min(1).max(100, { message: "source.list_ids exceeds 100 lists" }),
  all_active_contacts: z.literal(true),
  tag_ids: z.array(uuid).min(1).max(50, { message: "source.tag_ids exceeds 50 tags" }),
  engagement_level: z.string().min(1),
};

const membershipSource = z.object(membershipSourceFields).partial().strict();
const membershipSourceWithSegment = membershipSource
  .extend({ segment_id: z.number().int().positive().optional() })
  .strict();

function membershipBody(allowSegment: boolean) {
  return z
    .object({
      source: membershipSourceWithSegment,
      list_ids: z
        .array(uuid, { message: "list_ids is required" })
        .min(1, { message: "list_ids must contain at least 1 list" })
        .max(50, { message: "list_ids exceeds 50 lists" }),
      exclude: z
        .object({ contact_ids: z.array(uuid).max(500) })
        .strict()
        .optional(),
    })
    .superRefine((body, context) => {
      const keys = Object.entries(body.source).filter(([, value]) => value !== undefined);
      if (!allowSegment && body.source.segment_id !== undefined) {
        context.addIssue({
          code: "custom",
          path: ["source", "segment_id"],
          message: "segment_id is not allowed here",
        });
      }
      if (keys.length !== 1) {
        context.addIssue({
          code: "custom",
          path: ["source"],
          message: "source must have exactly one of its properties",
        });
      }
      const key = keys[0]?.[0];
      if (body.exclude !== undefined && key !== "list_ids" && key !== "all_active_contacts") {
        context.addIssue({
          code: "custom",
          path: ["exclude"],
          message: "exclude is allowed only with source.list_ids or source.all_active_contacts",
        });
      }
    });
}

/** POST /activities/remove_list_memberships body. */
export const removeMembershipsBody = membershipBody(false);
/** POST /activities/add_list_memberships body (adds `source.segment_id`). */
export const addMembershipsBody = membershipBody(true);

/** POST /activities/contact_exports body. */
export const exportBody = z
  .object({
    contact_ids: z.array(uuid).min(1).max(500).optional(),
    list_ids: z.array(uuid).min(1).max(50).optional(),
    segment_id: z.number().int().optional(),
    status: z.enum(["active", "unsubscribed", "deleted", "all"]).optional(),
    fields: z.array(z.string()).optional(),
  })
  .refine((body) => !(body.contact_ids !== undefined && body.list_ids !== undefined), {
    message: "use either contact_ids or list_ids, not both",
  });

/** POST /activities/contact_delete body (test-only, CONTRACT §1). */
export const contactDeleteBody = z
  .object({
    contact_ids: z.array(uuid).min(1).max(500).optional(),
    list_ids: z.array(uuid).min(1).max(50).optional(),
  })
  .refine((body) => (body.contact_ids === undefined) !== (body.list_ids === undefined), {
    message: "exactly one of contact_ids or list_ids is required",
  });

/** GET /activities query (CONTRACT §7.4: `timed_out`). */
export const listActivitiesQuery = z.object({
  limit: limit(500, 50),
  state: z
    .enum(["initialized", "processing", "completed", "cancelled", "failed", "timed_out"])
    .optional(),
});

/** GET /contact_custom_fields query. */
export const listCustomFieldsQuery = z.object({ limit: limit(100, 50) });

/** POST /contact_custom_fields body. */
export const customFieldBody = z.object({
  label: z
    .string()
    .trim()
    .min(1, { message: "label is required" })
    .max(50, { message: "label exceeds 50 characters" }),
  type: z.string().min(1).max(20, { message: "type exceeds 20 characters" }),
});
