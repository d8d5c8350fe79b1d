/** The contract of `POST /v1/exports/{name}/plan`: what a run would do, computed without writing. */
import { z } from "zod";
import { ResourceNameSchema } from "./common.ts";

export const GuardVerdictSchema = z
  .object({
    guard: z.enum(["profileLimit", "maxRemovePercent", "maxAdds"]),
    passed: z.boolean(),
    limit: z.number(),
    actual: z.number(),
    reason: z.string(),
  })
  .meta({ id: "GuardVerdict" });

export const ExportPlanSchema = z
  .object({
    export: ResourceNameSchema,
    membership: z.enum(["mirror", "add-only"]),
    listId: z.string().nullable().meta({
      description: "The list written to; null when the first run will create it",
    }),
    comparedWithSnapshot: z.boolean().meta({
      description: "True when the plan diffs against the export's last synced snapshot",
    }),
    counts: z
      .object({
        profiles: z.int(),
        adds: z.int(),
        updates: z.int(),
        removals: z.int(),
        retained: z.int(),
        suppressed: z.int(),
        invalid: z.int(),
        duplicates: z.int(),
        unchanged: z.int(),
      })
      .meta({ description: "What the run would do, contact by contact" }),
    previousSnapshotSize: z.int(),
    verdicts: z.array(GuardVerdictSchema),
    blocked: z.boolean().meta({ description: "True when a guard fails: a run would not write" }),
    estimate: z
      .object({
        imports: z.int(),
        itemsPerImport: z.int(),
        removals: z.int(),
        polls: z.int(),
        verify: z.int(),
        total: z.int(),
        formula: z.string(),
      })
      .meta({ description: "Constant Contact requests the run would cost" }),
    segments: z.array(
      z.object({
        segment: z.string(),
        version: z.string(),
        location: z.string(),
        rows: z.int(),
        invalid: z.int(),
      }),
    ),
    rows: z.int(),
    rowErrors: z
      .array(
        z.object({
          segment: z.string(),
          row: z.int(),
          reason: z.string(),
          message: z.string(),
          field: z.string().optional(),
        }),
      )
      .meta({ description: "The first rejected rows: positions and reasons, never values" }),
    reused: z
      .boolean()
      .optional()
      .meta({
        description:
          "True when this is an earlier plan, reused because the definition, its segments' " +
          "versions and the export's snapshot are unchanged (plans.reuseSeconds); it cost no " +
          "Constant Contact request",
      }),
  })
  .meta({ id: "ExportPlan" });

export type ExportPlanResponse = z.infer<typeof ExportPlanSchema>;
