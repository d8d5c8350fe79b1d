// Pieces of a run that several views show: its status pill, its counts, guard verdicts and a
// row-errors table with downloads.

/** @import { GuardVerdict, RowError, Run } from "./api-types.ts" */

import { download, h, pill, table } from "./dom.js";
import { countEntries, formatNumber, rowErrorColumns, rowErrorsToCsv, toneOf } from "./format.js";

/**
 * A run's status as a pill (a paused run says a guard paused it).
 * @param {Run} run
 */
export function statusCell(run) {
  const tone = toneOf(run.status);
  const label = run.status === "paused" ? "paused by a guard" : run.status;
  return pill(label, tone);
}

/**
 * The counts a run recorded: the usual ones as tiles, any others folded away.
 * @param {Run | undefined} run
 */
export function countsList(run) {
  if (run === undefined) return h("p", { class: "empty" }, "No finished run yet.");
  const entries = countEntries(run.counts);
  if (entries.length === 0) {
    return h("p", { class: "empty" }, `The ${run.status} run recorded no counts.`);
  }
  const main = entries.filter((entry) => entry[3]);
  const more = entries.filter((entry) => !entry[3]);
  return [
    h(
      "dl",
      { class: "counts", "data-testid": "counts" },
      main.map(([key, label, value]) =>
        h(
          "div",
          { class: `count count-${key}${value === 0 ? " count-zero" : ""}` },
          h("dt", {}, label),
          h("dd", {}, formatNumber(value)),
        ),
      ),
    ),
    more.length === 0
      ? null
      : h(
          "details",
          { class: "more-counts" },
          h("summary", {}, "Other recorded counts"),
          h(
            "dl",
            { class: "facts" },
            more.map(([, label, value]) => [h("dt", {}, label), h("dd", {}, formatNumber(value))]),
          ),
        ),
  ];
}

/**
 * Guard verdicts as a table.
 * @param {GuardVerdict[]} verdicts
 */
export function verdictsTable(verdicts) {
  return table(
    "Guard verdicts",
    [
      { label: "Guard" },
      { label: "Verdict" },
      { label: "Limit", numeric: true },
      { label: "Planned", numeric: true },
      { label: "Reason" },
    ],
    verdicts.map((verdict) => [
      verdict.guard,
      pill(verdict.passed ? "passed" : "tripped", verdict.passed ? "ok" : "warn"),
      formatNumber(verdict.limit),
      formatNumber(verdict.actual),
      verdict.reason,
    ]),
    { captionHidden: true, rowHeader: true },
  );
}

/**
 * Row errors as a table (first 100) with downloads of all of them as CSV and JSON.
 * @param {RowError[]} rowErrors
 * @param {string} filenameBase name of the downloaded files, without extension
 * @param {string} description
 */
export function rowErrorsTable(rowErrors, filenameBase, description) {
  const columns = rowErrorColumns(rowErrors);
  return [
    h(
      "p",
      { class: "row-errors-bar" },
      description,
      h(
        "button",
        {
          type: "button",
          class: "button button-quiet",
          onclick: () => download(`${filenameBase}.csv`, "text/csv", rowErrorsToCsv(rowErrors)),
        },
        "Download CSV",
      ),
      " ",
      h(
        "button",
        {
          type: "button",
          class: "button button-quiet",
          onclick: () =>
            download(
              `${filenameBase}.json`,
              "application/json",
              `${JSON.stringify(rowErrors, null, 2)}\n`,
            ),
        },
        "Download JSON",
      ),
    ),
    h(
      "div",
      { class: "table-wrap" },
      table(
        "Row errors",
        columns.map((key) => ({
          label: key.charAt(0).toUpperCase() + key.slice(1),
          numeric: key === "row" || key === "chunk",
        })),
        rowErrors.slice(0, 100).map((error) => columns.map((key) => String(error[key] ?? ""))),
        { captionHidden: true, className: "row-errors" },
      ),
    ),
  ];
}
