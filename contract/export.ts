/**
 * The contract of `SegmentExport`: what `PUT /v1/exports/{name}` accepts (validated strictly:
 * unknown fields are errors) and what the export routes return.
 */
import { Cron } from "croner";
import { z } from "zod";
import { ResourceNameSchema, TimestampSchema } from "./common.ts";

const ColumnSchema = z
  .string()
  .min(1)
  .max(200)
  .meta({ description: "A column of the segment data" });

export const MappingsSchema = z
  .strictObject({
    email: ColumnSchema.meta({ description: "Column holding the e-mail address (required)" }),
    firstName: ColumnSchema.optional(),
    lastName: ColumnSchema.optional(),
    jobTitle: ColumnSchema.optional(),
    companyName: ColumnSchema.optional(),
    phone: ColumnSchema.optional(),
    customFields: z
      .record(z.string().min(1).max(200), ColumnSchema)
      .optional()
      .meta({ description: "Constant Contact custom field name to source column" }),
  })
  .meta({ id: "Mappings" });

export const FilesSourceSchema = z
  .strictObject({
    type: z.literal("files"),
    path: z.string().min(1).max(4096).meta({
      description: "Folder with one CSV or JSONL file per segment, on the reconciler's machine",
    }),
  })
  .meta({ id: "FilesSource" });

export const AzureBlobSourceSchema = z
  .strictObject({
    type: z.literal("azure-blob"),
    accountUrl: z.url().meta({ example: "https://contoso.blob.core.windows.net" }),
    container: z.string().min(3).max(63),
    prefix: z.string().max(1024).optional().meta({
      description:
        "Path to the export destination folder, e.g. `CustomerInsights_<instanceId>/<ExportName>`",
    }),
  })
  .meta({ id: "AzureBlobSource" });

export const PostgresSourceSchema = z
  .strictObject({
    type: z.literal("postgres"),
    connectionStringEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, "use the name of an environment variable, e.g. SEGMENTS_DB_URL")
      .meta({
        description:
          "Name of the environment variable of the reconciler that holds the connection string",
      }),
    queries: z
      .record(z.string().min(1), z.string().min(1).max(100_000))
      .meta({ description: "One SQL query per segment, keyed by segment name" }),
  })
  .meta({ id: "PostgresSource" });

export const SourceSchema = z
  .discriminatedUnion("type", [FilesSourceSchema, AzureBlobSourceSchema, PostgresSourceSchema])
  .meta({ id: "Source" });

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
      .optional(),
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
  .meta({ id: "Schedule" });

export const GuardsSchema = z
  .strictObject({
    maxRemovePercent: z.number().min(0).max(100).default(10).meta({
      description: "Largest share of the list one run may remove, in percent. @default 10",
    }),
    maxAdds: z.int().min(0).optional().meta({
      description: "Most contacts one run may add. @default unlimited",
    }),
  })
  .meta({ id: "Guards" });

export const ListByNameSchema = z
  .strictObject({
    name: z.string().min(1).max(255),
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
    segments: z.array(z.string().min(1).max(200)).min(1, "name at least one segment"),
    source: SourceSchema,
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
    if (definition.source.type === "postgres") {
      for (const segment of definition.segments) {
        if (definition.source.queries[segment] === undefined) {
          context.addIssue({
            code: "custom",
            path: ["source", "queries"],
            message: `no query for segment '${segment}'`,
          });
        }
      }
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
