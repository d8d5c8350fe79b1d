/** The contract of the scheduling routes: run all scheduled exports, and a connection's budget. */
import { z } from "zod";
import { ResourceNameSchema, TimestampSchema } from "./common.ts";

export const RunAllRequestSchema = z
  .strictObject({
    connection: ResourceNameSchema.optional().meta({
      description: "Only the exports on this connection. @default every connection",
    }),
  })
  .meta({ id: "RunAllRequest" });

export const RunAllResponseSchema = z
  .object({
    queued: z.array(z.object({ export: ResourceNameSchema, runId: z.uuid() })),
    skipped: z.array(
      z.object({
        export: ResourceNameSchema,
        reason: z.enum(["run-in-progress", "not-permitted"]).meta({
          description:
            "run-in-progress: the export already has a queued or running run; not-permitted: " +
            "the connection is shared with admins only",
        }),
      }),
    ),
  })
  .meta({ id: "RunAllResponse" });

export const RequestBudgetSchema = z
  .object({
    connection: ResourceNameSchema,
    application: z.string().meta({
      description: "Names the Constant Contact application (a hash, not the client id)",
    }),
    day: z.string().meta({ description: "UTC day the numbers count", example: "2026-11-23" }),
    dailyLimit: z.int(),
    used: z.int().meta({ description: "Requests runs used today" }),
    reserved: z.int().meta({ description: "Requests set aside by queued and running runs" }),
    remaining: z.int(),
    resetsAt: TimestampSchema,
  })
  .meta({ id: "RequestBudget" });

/** Today's shared Constant Contact request budget of a connection's application. */
export type RequestBudget = z.infer<typeof RequestBudgetSchema>;
export type RunAllResponse = z.infer<typeof RunAllResponseSchema>;
