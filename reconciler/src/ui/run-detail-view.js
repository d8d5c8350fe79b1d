// One run (#/exports/<name>/runs/<id>): cause, counts, guard verdicts, drift and row errors.

/** @import { RowError, Run } from "./api-types.ts" */

import { h } from "./dom.js";
import { countsList, rowErrorsTable, statusCell, verdictsTable } from "./run-parts.js";
import {
  driftOf,
  formatDuration,
  formatNumber,
  formatTime,
  rowErrorsOf,
  verdictsOf,
} from "./format.js";

/**
 * The selected run: status, cause, counts, guard verdicts, drift, error and row errors.
 * @param {string} name
 * @param {Run} run
 */
export function runDetailView(name, run) {
  const verdicts = verdictsOf(run);
  const rowErrors = rowErrorsOf(run);
  return h(
    "section",
    { class: "card run-detail", "aria-labelledby": "run-title" },
    h("h2", { id: "run-title", tabindex: "-1" }, `Run ${run.id.slice(0, 8)} `, statusCell(run)),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Trigger"),
      h("dd", {}, run.trigger),
      h("dt", {}, "Caused by"),
      h(
        "dd",
        {},
        run.stack ? `stack ${run.stack}` : "no Pulumi stack",
        run.updateId ? `, update ${run.updateId}` : "",
        `, requested by ${run.requestedBy}`,
      ),
      h("dt", {}, "Generation"),
      h("dd", {}, `${run.generation} (${run.definitionHash.slice(0, 12)})`),
      h("dt", {}, "Queued"),
      h("dd", {}, formatTime(run.queuedAt)),
      h("dt", {}, "Started"),
      h("dd", {}, formatTime(run.startedAt)),
      h("dt", {}, "Finished"),
      h(
        "dd",
        {},
        formatTime(run.finishedAt),
        run.startedAt && run.finishedAt
          ? ` (${formatDuration(run.startedAt, run.finishedAt)})`
          : "",
      ),
    ),
    run.error
      ? h(
          "div",
          { class: "notice notice-bad" },
          h("strong", {}, run.error.code),
          ": ",
          run.error.message,
        )
      : null,
    h("h3", {}, "Counts"),
    countsList(run),
    h("h3", {}, "Guards"),
    verdicts.length === 0
      ? h(
          "p",
          { class: "muted" },
          run.status === "paused"
            ? "Paused by a guard; no verdicts were recorded."
            : "No guard stopped this run.",
        )
      : verdictsTable(verdicts),
    h("h3", {}, "Drift"),
    driftView(run),
    h("h3", {}, "Row errors"),
    rowErrorsView(name, run, rowErrors),
  );
}

/**
 * Rejected rows of a run: Constant Contact's samples, and a note on rows never sent.
 * @param {string} name
 * @param {Run} run
 * @param {RowError[]} rowErrors
 */
function rowErrorsView(name, run, rowErrors) {
  const invalid = run.counts?.invalid ?? 0;
  const invalidNote =
    invalid > 0
      ? h(
          "p",
          { class: "muted" },
          `${formatNumber(invalid)} row${invalid === 1 ? " had" : "s had"} an invalid e-mail or value and ${invalid === 1 ? "was" : "were"} not sent; `,
          "Preview plan lists their positions.",
        )
      : null;
  if (rowErrors.length === 0) {
    return [h("p", { class: "muted" }, "Constant Contact rejected no row."), invalidNote];
  }
  return [
    rowErrorsTable(
      rowErrors,
      `${name}-${run.id.slice(0, 8)}-rejected-rows`,
      `${formatNumber(rowErrors.length)} rejected row sample${rowErrors.length === 1 ? "" : "s"} (positions, masked e-mails and reasons only). `,
    ),
    invalidNote,
  ];
}

/**
 * * Drift: the list's membership differs from what the export synced (members added or removed
 * by hand in Constant Contact, or contacts that opted out meanwhile). Reported, never reverted.
 * @param {Run} run
 */
function driftView(run) {
  const drift = driftOf(run);
  const counts = run.counts ?? {};
  if (drift !== undefined && drift !== 0) {
    return h(
      "p",
      { class: "notice notice-warn", "data-testid": "drift" },
      `The list has ${formatNumber(counts.listMembers)} members where this export synced ` +
        `${formatNumber(counts.expectedMembers)} (${drift > 0 ? "+" : "−"}${formatNumber(Math.abs(drift))}): ` +
        "someone edited it in Constant Contact, or contacts opted out. ccx reports this and " +
        "does not fight it.",
    );
  }
  if (typeof counts.listMembers === "number" && counts.listMembers >= 0) {
    return h(
      "p",
      { class: "muted", "data-testid": "drift" },
      `No drift: the list has ${formatNumber(counts.listMembers)} members, as synced.`,
    );
  }
  return h("p", { class: "muted", "data-testid": "drift" }, "This run did not check the list.");
}
