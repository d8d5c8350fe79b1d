/**
 * The data plan `pulumi preview` shows for a changed export: the reconciler plans the proposed
 * definition against the export's last synced snapshot and the list (nothing is written), and the
 * provider puts the result into the checked inputs as `plan`, where the preview shows it beside
 * the definition change. A guard the change would trip becomes a check failure, so neither
 * `preview` nor `up` goes ahead with it.
 */
import type { CheckFailure } from "./check-failures.ts";
import type { ExportPlanResponse } from "../contract/plan.ts";
import { ReconcilerApiError, reconcilerFor, type CallerContext } from "./reconciler-client.ts";

/** What the preview shows: the effect of the change on the Constant Contact list. */
export interface ExportPlanSummary {
  /** One line for people, e.g. `+1,200 adds, ~300 updates, -20 removals, 5 suppressed, 7 requests`. */
  summary: string;
  adds?: number;
  updates?: number;
  removals?: number;
  /** Opted out in Constant Contact: never re-added. */
  suppressed?: number;
  invalid?: number;
  duplicates?: number;
  /** Distinct valid contacts in the segments. */
  profiles?: number;
  /** Constant Contact requests the run will cost. */
  requests?: number;
}

const number = new Intl.NumberFormat("en-US");

function summaryOf(plan: ExportPlanResponse): ExportPlanSummary {
  const count = (key: keyof ExportPlanResponse["counts"]): number => plan.counts[key];
  const requests = plan.estimate.total;
  const parts = [
    `+${number.format(count("adds"))} adds`,
    `~${number.format(count("updates"))} updates`,
    `-${number.format(count("removals"))} removals`,
    `${number.format(count("suppressed"))} suppressed opt-outs`,
    `${number.format(requests)} requests`,
  ];
  return {
    summary: parts.join(", "),
    adds: count("adds"),
    updates: count("updates"),
    removals: count("removals"),
    suppressed: count("suppressed"),
    invalid: count("invalid"),
    duplicates: count("duplicates"),
    profiles: count("profiles"),
    requests,
  };
}

/**
 * Plans `definition` for the export `news.name`. A plan that cannot be made (the connection is
 * created by the same update, the reconciler is unreachable) is not an error: the preview says why.
 */
export async function planExportChange(
  news: { name: string; caller?: CallerContext | undefined },
  definition: Record<string, unknown>,
): Promise<{ plan: ExportPlanSummary; failures: CheckFailure[] }> {
  let response: ExportPlanResponse;
  try {
    response = await (await reconcilerFor(news.caller)).planExport(news.name, definition);
  } catch (error) {
    // A provider and a reconciler that cannot work together fail the preview outright.
    if (error instanceof ReconcilerApiError && error.code === "CLIENT_INCOMPATIBLE") throw error;
    return { plan: { summary: `not planned: ${(error as Error).message}` }, failures: [] };
  }
  const failures = response.blocked
    ? response.verdicts
        .filter((verdict) => !verdict.passed)
        .map((verdict) => ({ property: "guards", reason: verdict.reason }))
    : [];
  return { plan: summaryOf(response), failures };
}
