/**
 * The contract of `SegmentSource`: where segment data lives, owned by admins. What
 * `PUT /v1/sources/{name}` accepts and what the source routes return. Exports name a source and
 * its segments; they never carry a path, a URL, SQL text or a credential. The postgres connection
 * string is write-only: no response schema has it.
 */
import { z } from "zod";
import { ResourceNameSchema, TimestampSchema } from "./common.ts";
import { SharingSchema } from "./connection.ts";

/**
 * A segment name as exports and sources spell it: letters, digits, space, `.`, `_` and `-`,
 * starting with a letter or digit. It never names a folder (`..`, `/`) or carries SQL.
 */
export const SegmentNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,199}$/,
    "use 1-200 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit",
  )
  .meta({ description: "A segment name", example: "high-value" });

const sourceBase = {
  sharing: SharingSchema.default("admins"),
  description: z.string().max(500).optional().meta({ description: "What the source holds" }),
};

export const FilesSourceSchema = z
  .strictObject({
    type: z.literal("files"),
    ...sourceBase,
    path: z
      .string()
      .min(1)
      .max(4096)
      .meta({
        description:
          "Folder with one CSV or JSONL file (or a folder of part files) per segment, under one of " +
          "the roots the reconciler's configuration allows (`sources.files.roots`)",
        example: "/srv/segments/marketing",
      }),
  })
  .meta({ id: "FilesSourceInput" });

/** A SQL identifier path: `view`, `schema.table`; each part a plain identifier. */
const QualifiedNameSchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/,
    "use a table or view name, optionally schema-qualified, e.g. marketing.segment_members",
  );

export const PostgresTableSchema = z
  .strictObject({
    name: QualifiedNameSchema.meta({ description: "Table or view holding every segment's rows" }),
    segmentColumn: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "use a column name")
      .meta({ description: "Column holding the segment name; bound as a parameter" }),
  })
  .meta({ id: "PostgresTable" });

export const PostgresSourceSchema = z
  .strictObject({
    type: z.literal("postgres"),
    ...sourceBase,
    connectionString: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "use a postgres:// or postgresql:// connection string")
      .max(4096)
      .optional()
      .meta({
        description:
          "Write-only, sealed at rest, never returned. Required to create the source; leave out " +
          "on later changes to keep the stored one.",
      }),
    queries: z
      .record(SegmentNameSchema, z.string().min(1).max(100_000))
      .optional()
      .meta({ description: "One read-only SQL statement per segment, keyed by segment name" }),
    table: PostgresTableSchema.optional().meta({
      description: "Instead of queries: a table or view and the column naming the segment",
    }),
  })
  .superRefine((source, context) => {
    if ((source.queries === undefined) === (source.table === undefined)) {
      context.addIssue({
        code: "custom",
        path: ["queries"],
        message: "set exactly one of queries (SQL per segment) or table ({ name, segmentColumn })",
      });
    }
  })
  .meta({ id: "PostgresSourceInput" });

export const AzureBlobSourceSchema = z
  .strictObject({
    type: z.literal("azure-blob"),
    ...sourceBase,
    accountUrl: z.url({ protocol: /^https$/ }).meta({
      description: "Must be on the reconciler's allow-list (`sources.azureBlob.allowed`)",
      example: "https://contoso.blob.core.windows.net",
    }),
    container: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/, "use a container name")
      .meta({ description: "The blob container" }),
    prefix: z.string().max(1024).optional().meta({
      description:
        "Path to the export destination folder, e.g. `CustomerInsights_<instanceId>/<ExportName>`",
    }),
  })
  .meta({ id: "AzureBlobSourceInput" });

export const SourcePutRequestSchema = z
  .discriminatedUnion("type", [FilesSourceSchema, PostgresSourceSchema, AzureBlobSourceSchema])
  .meta({ id: "SourcePutRequest" });

export type SourcePutRequest = z.output<typeof SourcePutRequestSchema>;
export type SourcePutRequestInput = z.input<typeof SourcePutRequestSchema>;
export type SourceType = SourcePutRequest["type"];

/** The settings of a source as stored and shown to admins: never the connection string. */
export type SourceSettings =
  | { type: "files"; path: string }
  | {
      type: "postgres";
      queries?: Record<string, string> | undefined;
      table?: { name: string; segmentColumn: string } | undefined;
    }
  | { type: "azure-blob"; accountUrl: string; container: string; prefix?: string | undefined };

/** A source as admins see it. */
export const SegmentSourceSchema = z
  .object({
    name: ResourceNameSchema,
    type: z.enum(["files", "postgres", "azure-blob"]),
    sharing: SharingSchema,
    description: z.string().optional(),
    path: z.string().optional().meta({ description: "files: the folder" }),
    queries: z.record(z.string(), z.string()).optional().meta({ description: "postgres" }),
    table: PostgresTableSchema.optional(),
    accountUrl: z.string().optional().meta({ description: "azure-blob" }),
    container: z.string().optional(),
    prefix: z.string().optional(),
    connectionStringFingerprint: z
      .string()
      .optional()
      .meta({
        description:
          "postgres: truncated SHA-256 of the connection string last supplied, so a stack can see " +
          "a change without holding it",
      }),
    generation: z.int(),
    exports: z.array(z.string()).meta({ description: "Exports that read this source" }),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: "SegmentSource" });

export type SegmentSourceView = z.infer<typeof SegmentSourceSchema>;

/** A source as contributors see it: name, type and the segments it offers when it lists them. */
export const SegmentSourceRefSchema = z
  .object({
    name: ResourceNameSchema,
    type: z.enum(["files", "postgres", "azure-blob"]),
    segments: z.array(z.string()).optional().meta({
      description: "The segments a postgres source defines queries for; absent when any name goes",
    }),
  })
  .meta({ id: "SegmentSourceRef" });

export const SourceListResponseSchema = z
  .object({
    items: z.array(z.union([SegmentSourceSchema, SegmentSourceRefSchema])).meta({
      description:
        "Admins get every source in full; contributors get name, type and segments of the " +
        "sources shared with contributors; viewers get nothing",
    }),
  })
  .meta({ id: "SourceList" });
