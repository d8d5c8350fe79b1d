/**
 * The contract of `SegmentExport`: what `PUT /v1/exports/{name}` accepts (validated strictly:
 * unknown fields are errors) and what the export routes return.
 */
import { Cron } from "croner";
import { z } from "zod";
import { ResourceNameSchema, TimestampSchema } from "./common.ts";
import {
  STANDARD_CONTACT_FIELD_DESCRIPTIONS,
  STANDARD_CONTACT_FIELDS,
  type StandardContactField,
} from "./contact-fields.ts";
import { SegmentNameSchema } from "./source.ts";

const ColumnSchema = z
  .string()
  .min(1)
  .max(200)
  .meta({ description: "A column of the segment data" });

/** An optional column for each standard contact field, documented. */
function standardColumns() {
  const columns = {} as Record<StandardContactField, z.ZodOptional<typeof ColumnSchema>>;
  for (const field of STANDARD_CONTACT_FIELDS) {
    columns[field] = ColumnSchema.meta({
      description: STANDARD_CONTACT_FIELD_DESCRIPTIONS[field],
    }).optional();
  }
  return columns;
}

export const MappingsSchema = z
  .strictObject({
    email: ColumnSchema.meta({ description: "Column holding the e-mail address (required)" }),
    ...standardColumns(),
    customFields: z
      .record(z.string().min(1).max(200), ColumnSchema)
      .optional()
      .meta({ description: "Constant Contact custom field name to source column" }),
  })
  .meta({
    id: "Mappings",
    description: "Which column of the segment data fills which Constant Contact contact field",
  });

/** True when `pattern` is a cron expression croner accepts (5 or 6 fields). */
export function isValidCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

/** True when `timeZone` is an IANA time zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

export const ScheduleSchema = z
  .strictObject({
    cron: z
      .string()
      .max(200)
      .refine(isValidCron, {
        message: "not a valid cron expression; use five fields, e.g. '0 3 * * *' (03:00 daily)",
      })
      .optional()
      .meta({ description: "Run on this cron schedule (five fields), e.g. `0 3 * * *`" }),
    timeZone: z
      .string()
      .refine(isValidTimeZone, {
        message: "not a known IANA time zone; use e.g. 'Europe/Berlin' or 'UTC'",
      })
      .optional()
      .meta({ description: "Time zone of `cron`. @default UTC" }),
    onSourceChange: z.boolean().optional().meta({ description: "Run when a segment changes" }),
    onStackChange: z.boolean().optional().meta({ description: "Run when the definition changes" }),
    manualOnly: z.boolean().optional().meta({ description: "Run only on demand" }),
  })
  .superRefine((schedule, context) => {
    if (schedule.timeZone !== undefined && schedule.cron === undefined) {
      context.addIssue({
        code: "custom",
        path: ["timeZone"],
        message: "timeZone applies to cron; set cron too or remove timeZone",
      });
    }
    const automatic =
      schedule.cron !== undefined ||
      schedule.onSourceChange === true ||
      schedule.onStackChange === true;
    if (schedule.manualOnly === true && automatic) {
      context.addIssue({
        code: "custom",
        path: ["manualOnly"],
        message:
          "manualOnly excludes cron, onSourceChange and onStackChange; keep one or the other",
      });
    }
  })
  .meta({
    id: "Schedule",
    description: "When the export runs. @default {} (only when asked: `ccx run` or the API)",
  });

export const GuardsSchema = z
  .strictObject({
    maxRemovePercent: z.number().min(0).max(100).default(10).meta({
      description: "Largest share of the list one run may remove, in percent. @default 10",
    }),
    maxAdds: z.int().min(0).optional().meta({
      description: "Most contacts one run may add. @default unlimited",
    }),
  })
  .meta({
    id: "Guards",
    description: "Limits one run may not exceed; a run that would is paused with the reason",
  });

export const ListByNameSchema = z
  .strictObject({
    name: z.string().min(1).max(255).meta({ description: "Name of the Constant Contact list" }),
    create: z.boolean().optional().meta({
      description: "Create the list when no list has this name. @default false",
    }),
  })
  .meta({ id: "ListByName" });

export const ExportPutRequestSchema = z
  .strictObject({
    connection: ResourceNameSchema.meta({
      description: "Name of the connection to export through",
    }),
    listId: z.uuid().optional().meta({ description: "Constant Contact list id" }),
    list: ListByNameSchema.optional().meta({ description: "A list to adopt (or create) by name" }),
    mappings: MappingsSchema,
    segments: z
      .array(SegmentNameSchema)
      .min(1, "name at least one segment")
      .meta({ description: "Segments of the source to export, merged and de-duplicated" }),
    source: ResourceNameSchema.meta({
      description:
        "Name of the segment source to read, created by an admin (`ccx sources` lists them)",
      example: "crm",
    }),
    schedule: ScheduleSchema.default({}),
    membership: z.enum(["mirror", "add-only"]).default("mirror").meta({
      description:
        "mirror: the list holds exactly the segments' contacts; add-only: never remove. @default mirror",
    }),
    guards: GuardsSchema.default({ maxRemovePercent: 10 }),
    onDelete: z.enum(["keep-members", "remove-members"]).default("keep-members").meta({
      description: "What deleting the export does to the list's members. @default keep-members",
    }),
    enabled: z.boolean().default(true).meta({ description: "@default true" }),
  })
  .superRefine((definition, context) => {
    if ((definition.listId === undefined) === (definition.list === undefined)) {
      context.addIssue({
        code: "custom",
        path: ["listId"],
        message: "set exactly one of listId (an existing list's id) or list ({ name, create })",
      });
    }
    if (new Set(definition.segments).size !== definition.segments.length) {
      context.addIssue({ code: "custom", path: ["segments"], message: "segments repeat a name" });
    }
  })
  .meta({ id: "ExportPutRequest" });

/** An export definition after defaults are applied: what is stored and hashed. */
export type ExportDefinition = z.output<typeof ExportPutRequestSchema>;
export type ExportPutRequest = z.input<typeof ExportPutRequestSchema>;

export const ExportSchema = z
  .object({
    name: ResourceNameSchema,
    definition: ExportPutRequestSchema,
    attached: z.boolean().meta({
      description: "False while detached: the definition is kept and the export never runs",
    }),
    generation: z.int().meta({ description: "Bumped on every definition change" }),
    definitionHash: z.string().meta({ description: "SHA-256 of the canonical definition" }),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: "Export" });

export type SegmentExport = z.infer<typeof ExportSchema>;

export const ExportListResponseSchema = z
  .object({ items: z.array(ExportSchema) })
  .meta({ id: "ExportList" });

export const AttachRequestSchema = z
  .strictObject({
    connection: ResourceNameSchema.optional().meta({
      description: "Connection to attach to. @default the connection named in the definition",
    }),
  })
  .meta({ id: "AttachRequest" });
