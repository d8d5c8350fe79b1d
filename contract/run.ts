/** The contract of export runs: trigger, list, get, cancel. */
import { z } from "zod";
import { ResourceNameSchema, TimestampSchema } from "./common.ts";

export const RunStatusSchema = z.enum([
  "queued",
  "running",
  "succeeded",
  "failed",
  "paused",
  "cancelled",
]);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunTriggerSchema = z.enum(["manual", "schedule", "source-change", "stack-change"]);
export type RunTrigger = z.infer<typeof RunTriggerSchema>;

/** Body of `POST /v1/exports/{name}/runs` (optional). */
export const TriggerRunRequestSchema = z
  .strictObject({
    trigger: z.enum(["manual", "stack-change"]).default("manual").meta({
      description: "Why the run is asked for. @default manual",
    }),
  })
  .meta({ id: "TriggerRunRequest" });

export const RunSchema = z
  .object({
    id: z.uuid(),
    export: ResourceNameSchema,
    trigger: RunTriggerSchema,
    status: RunStatusSchema,
    generation: z.int().meta({ description: "Export generation the run works on" }),
    definitionHash: z.string(),
    stack: z.string().nullable().meta({ description: "Pulumi stack that caused the run" }),
    updateId: z.string().nullable().meta({ description: "Pulumi update that caused the run" }),
    requestedBy: z.string().meta({ description: "Name of the token that asked for the run" }),
    counts: z.record(z.string(), z.number()).meta({
      description: "Row counts (read, added, removed, …) as the pipeline records them",
    }),
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        details: z.record(z.string(), z.unknown()).optional(),
      })
      .nullable(),
    queuedAt: TimestampSchema,
    startedAt: TimestampSchema.nullable(),
    finishedAt: TimestampSchema.nullable(),
    cancelRequestedAt: TimestampSchema.nullable(),
    progress: z
      .object({
        phase: z.string().meta({
          description:
            "starting, resolving-list, reading-opt-outs, reading-segments, planning, finding-leavers, writing, recording-snapshot, verifying, done",
        }),
        rowsRead: z.number(),
        chunksSent: z.number(),
        chunksTotal: z.number(),
        activitiesDone: z.number(),
        resumed: z.boolean().meta({ description: "True when resumed from a checkpoint" }),
        sourceVersions: z
          .record(z.string(), z.string())
          .optional()
          .meta({ description: "Version of each segment the run read" }),
        timingsMs: z
          .record(z.string(), z.number())
          .optional()
          .meta({ description: "Milliseconds spent in each finished phase" }),
        phases: z
          .object({
            readingMs: z.number(),
            planningMs: z.number(),
            writingMs: z.number(),
            verifyingMs: z.number(),
            waitingMs: z.number().meta({
              description: "Waiting on Constant Contact: requests, their pacing, activity polls",
            }),
            ownMs: z.number().meta({ description: "ccx's own work: wallMs minus waitingMs" }),
            wallMs: z.number(),
          })
          .optional()
          .meta({
            description:
              "This attempt's time: own work per step (reading, planning, writing, verifying) and waiting on Constant Contact",
          }),
        updatedAt: TimestampSchema,
      })
      .nullable()
      .meta({ description: "Live progress, updated about every 500 ms while running" }),
    rejectedSamples: z
      .array(
        z.object({
          chunk: z.number(),
          row: z.number(),
          email: z.string().meta({ description: "Masked, e.g. a***@example.com" }),
          reason: z.string(),
        }),
      )
      .meta({ description: "Rows Constant Contact rejected: a sample with reasons" }),
  })
  .meta({ id: "Run" });

export type ExportRun = z.infer<typeof RunSchema>;

export const RunParamsSchema = z.object({
  name: ResourceNameSchema.meta({ param: { name: "name", in: "path" } }),
  runId: z.uuid().meta({ param: { name: "runId", in: "path" } }),
});

export const RunListResponseSchema = z
  .object({ items: z.array(RunSchema) })
  .meta({ id: "RunList" });

export const RunListQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(50)
    .meta({
      param: { name: "limit", in: "query" },
      description: "Most recent runs to return. @default 50",
    }),
});
