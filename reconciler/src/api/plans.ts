/**
 * `POST /v1/exports/{name}/plan`: what a run of the export would do — adds, updates, removals,
 * suppressed opt-outs, the request estimate and the guard verdicts — computed without writing
 * anything. The body may carry a proposed definition (the `PUT` body) to plan a change before it
 * is applied: `pulumi preview` does this from the provider's `check`. Viewers may plan the stored
 * definition; a proposed one needs the right to change the export.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { AppError, ConflictError, ForbiddenError } from "../core/errors.ts";
import { isAllowed } from "../core/permissions.ts";
import { assertMayUseConnection, mayManageStoredExport } from "./export-access.ts";
import type { PlanOptions, PlannedExport } from "../export/export-planner.ts";
import { getSource } from "../store/source-store.ts";
import type { ExportDefinition } from "../../../contract/export.ts";
import { ExportPutRequestSchema } from "../../../contract/export.ts";
import type { AppDependencies, AppEnv } from "./app-env.ts";
import { describeSource, requireExport, requireSourceFor } from "./exports.ts";
import { auditActor } from "./request-context.ts";
import { hashCanonical } from "../core/canonical-json.ts";
import { conflictResponse, errorContent, notFoundResponse } from "./error-handler.ts";
import { json, protectedRoute } from "./route-table.ts";
import { NameParamsSchema } from "../../../contract/common.ts";
import { ExportPlanSchema } from "../../../contract/plan.ts";

/**
 * Plans an export for a caller; the export pipeline implements it (`export/export-planner.ts`,
 * behind the reuse and rate limit of `export/plan-gate.ts`).
 */
export type ExportPlanner = (
  name: string,
  proposed: ExportDefinition | undefined,
  options: PlanOptions & { tokenName: string },
) => Promise<PlannedExport & { reused?: boolean }>;

export const planExportRoute = protectedRoute("export.read", "planning an export", {
  method: "post",
  path: "/v1/exports/{name}/plan",
  summary: "Plan a run of an export without writing anything",
  description:
    "Reads the segments and the opt-outs, diffs against the export's last synced snapshot and " +
    "checks the guards; nothing is written to Constant Contact or the store. Send a proposed " +
    "definition (the PUT body) to plan a change that is not applied yet, or of an export that " +
    "does not exist yet (then everything is an add); that needs the right to change the " +
    "export (`export.manage` on its connection), while viewers plan the stored definition.",
  request: {
    params: NameParamsSchema,
    body: { required: false, content: json(ExportPutRequestSchema) },
  },
  responses: {
    200: { description: "The plan", content: json(ExportPlanSchema) },
    ...notFoundResponse,
    ...conflictResponse,
    429: {
      description:
        "This token made its plans for the minute (plans.perTokenPerMinute); `details.retryAfterSeconds` says when to try again",
      content: errorContent,
    },
  },
});

/** Codes of planning failures the caller can fix (a missing list, segment or column). */
const CALLER_FIXABLE = new Set([
  "EXPORT_LIST_NOT_FOUND",
  "SOURCE_NOT_FOUND",
  "SOURCE_MALFORMED",
  "CTCT_REAUTHORIZATION_NEEDED",
  "SOURCE_CREDENTIALS_MISSING",
  "SOURCE_LIMIT_EXCEEDED",
  "SOURCE_TIMEOUT",
]);

export function registerPlanRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: Pick<AppDependencies, "store"> & { exportPlanner?: ExportPlanner | undefined },
): void {
  const planner = deps.exportPlanner;
  app.openapi(planExportRoute, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json") as ExportDefinition | undefined;
    // No body (or an empty one) plans the stored definition.
    const proposed = body === undefined || Object.keys(body).length === 0 ? undefined : body;
    if (proposed !== undefined) {
      // A proposed definition reads sources and Constant Contact as the export would: only those
      // who may create or change an export on that connection may plan one.
      const principal = c.get("principal");
      if (!isAllowed(principal.role, "export.manage")) {
        throw new ForbiddenError(
          `planning a proposed definition needs the role that may change exports; this token has ${principal.role}. Viewers may plan the stored definition (no body)`,
          { details: { action: "export.manage", role: principal.role } },
        );
      }
      assertMayUseConnection(
        principal,
        await deps.store.getConnection(proposed.connection),
        "planning an export",
      );
      await requireSourceFor(c, deps.store, proposed, "planning an export");
    }
    // A proposed definition is compared with the stored export's snapshot only for callers who
    // may manage that export: otherwise the diff would say who is on a list they cannot see.
    let compareWithStored = true;
    if (proposed !== undefined) {
      const stored = await deps.store.getExport(name);
      if (stored !== undefined) {
        compareWithStored = mayManageStoredExport(
          c.get("principal"),
          stored,
          await deps.store.getConnection(stored.connectionName),
          await getSource(deps.store, stored.definition.source),
        );
      }
    }
    if (planner === undefined) {
      if (proposed === undefined) await requireExport(deps.store, name);
      throw new AppError("PLANNER_NOT_CONFIGURED", "this reconciler cannot plan exports", {
        retryable: true,
      });
    }
    let outcome: Record<string, unknown> = { outcome: "failed" };
    try {
      const plan = await planner(name, proposed, {
        compareWithStored,
        tokenName: c.get("principal").name,
      });
      outcome = {
        outcome: plan.blocked ? "blocked" : "planned",
        counts: plan.counts,
        reused: plan.reused === true,
      };
      return c.json(plan, 200);
    } catch (error) {
      if (error instanceof AppError) outcome = { outcome: "failed", code: error.code };
      if (error instanceof AppError && CALLER_FIXABLE.has(error.code)) {
        throw new ConflictError(error.code, error.message, {
          cause: error,
          ...(error.details === undefined ? {} : { details: error.details }),
        });
      }
      throw error;
    } finally {
      // A proposed definition makes the reconciler read the sources and the Constant Contact
      // account it names, before anything is applied: who asked, for what, is audited.
      if (proposed !== undefined) {
        await deps.store.appendAudit({
          ...auditActor(c),
          action: "export.plan",
          targetType: "export",
          targetName: name,
          details: {
            proposed: true,
            connection: proposed.connection,
            definitionHash: hashCanonical(proposed),
            source: describeSource(proposed.source),
            ...outcome,
          },
        });
      }
    }
  });
}
