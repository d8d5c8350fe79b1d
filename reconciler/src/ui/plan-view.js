// The plan of an export: what a run now would do, computed by the API without writing.

/** @import { ExportPlan } from "./api-types.ts" */

/**
 * A plan being asked for, shown, or failed.
 * @typedef {{ name: string } & ({ status: "loading" } | { status: "ready", body: ExportPlan } | { status: "error", message: string })} PlanState
 */

import { h } from "./dom.js";
import { rowErrorsTable, verdictsTable } from "./run-parts.js";
import { formatNumber } from "./format.js";

/**
 * The plan's counts in reading order, with their labels.
 * @type {Array<[key: string, label: string]>}
 */
const PLAN_LABELS = [
  ["profiles", "Profiles"],
  ["adds", "To add"],
  ["updates", "To update"],
  ["removals", "To remove"],
  ["retained", "Kept (add-only)"],
  ["suppressed", "Suppressed opt-outs"],
  ["unchanged", "Unchanged"],
  ["invalid", "Invalid rows"],
  ["duplicates", "Duplicate rows"],
];

/**
 * What a run now would do: counts, guard verdicts, request estimate and rejected rows.
 * @param {string} name
 * @param {PlanState} plan
 */
export function planView(name, plan) {
  if (plan.status === "loading") {
    return h(
      "section",
      { class: "card plan", "aria-busy": "true" },
      h("h2", {}, "Plan"),
      h("p", { class: "muted" }, "Reading the segments and comparing them with the list…"),
    );
  }
  if (plan.status === "error") {
    return h(
      "section",
      { class: "card plan" },
      h("h2", {}, "Plan"),
      h("p", { class: "notice notice-bad", role: "alert" }, plan.message),
    );
  }
  const body = plan.body;
  const counts = body.counts ?? {};
  const verdicts = body.verdicts ?? [];
  const rowErrors = body.rowErrors ?? [];
  return h(
    "section",
    { class: "card plan", "aria-labelledby": "plan-title", "data-testid": "plan" },
    h("h2", { id: "plan-title", tabindex: "-1" }, "Plan: what a run now would do"),
    body.blocked
      ? h(
          "p",
          { class: "notice notice-warn" },
          "A guard blocks this plan: a run would pause and write nothing.",
        )
      : null,
    h(
      "dl",
      { class: "counts" },
      PLAN_LABELS.filter(([key]) => typeof counts[key] === "number").map(([key, label]) =>
        h(
          "div",
          { class: `count${counts[key] === 0 ? " count-zero" : ""}` },
          h("dt", {}, label),
          h("dd", {}, formatNumber(counts[key])),
        ),
      ),
    ),
    verdicts.length === 0 ? null : [h("h3", {}, "Guards"), verdictsTable(verdicts)],
    body.estimate
      ? h(
          "p",
          { class: "muted" },
          `Constant Contact requests: ${formatNumber(body.estimate.total)} (${body.estimate.formula})`,
        )
      : null,
    h("h3", {}, "Rows that would not be sent"),
    rowErrors.length === 0
      ? h("p", { class: "muted" }, "Every row is valid.")
      : rowErrorsTable(
          rowErrors,
          `${name}-plan-row-errors`,
          `${formatNumber(rowErrors.length)} row${rowErrors.length === 1 ? "" : "s"} (positions and reasons only, never values). `,
        ),
  );
}
