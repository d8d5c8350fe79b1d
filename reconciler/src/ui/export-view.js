// One export (#/exports/<name>): definition, buttons, last refresh, run history, and the plan
// or run shown below them.

/**
 * @import { Run, SegmentExport } from "./api-types.ts"
 * @import { PlanState } from "./plan-view.js"
 */

/**
 * A message above the export's facts, e.g. after Run now or Cancel.
 * @typedef {{ tone: string, text: string }} Notice
 */

/**
 * What {@link exportView} shows, and what its buttons call.
 * @typedef {object} ExportViewModel
 * @property {SegmentExport} item
 * @property {Run[]} runs newest first
 * @property {string[]} actions what the token may do with this export
 * @property {Run | undefined} selectedRun the run whose page this is, if any
 * @property {() => void} onRun
 * @property {(run: Run) => void} onCancel
 * @property {() => void} onPlan
 * @property {PlanState | undefined} plan
 * @property {Notice | undefined} notice
 * @property {HTMLElement} live the aria-live region, kept across renders
 */

import { h, table } from "./dom.js";
import { runHref } from "./links.js";
import { countsList, statusCell } from "./run-parts.js";
import { runDetailView } from "./run-detail-view.js";
import { planView } from "./plan-view.js";
import {
  describeSchedule,
  formatAgo,
  formatDuration,
  formatNumber,
  formatTime,
  isActive,
  lastSucceeded,
  summarizeCounts,
} from "./format.js";

/**
 * The stack and update that caused a run, or who asked for it.
 * @param {Run} run
 */
function causeOf(run) {
  const parts = [];
  if (run.stack) parts.push(h("span", { class: "mono" }, run.stack));
  if (run.updateId)
    parts.push(h("br"), h("span", { class: "mono muted" }, `update ${run.updateId}`));
  if (parts.length === 0) parts.push(h("span", {}, `requested by ${run.requestedBy}`));
  return h("span", { class: "cause" }, parts);
}

/**
 * The run history table of one export.
 * @param {string} name
 * @param {Run[]} runs newest first
 */
export function runsTable(name, runs) {
  if (runs.length === 0) return h("p", { class: "empty" }, "No runs yet.");
  const rows = runs.map((run) => [
    h("a", { href: runHref(name, run.id) }, formatTime(run.queuedAt)),
    run.trigger,
    statusCell(run),
    formatDuration(run.startedAt, run.finishedAt),
    summarizeCounts(run.counts),
    causeOf(run),
  ]);
  return h(
    "div",
    { class: "table-wrap" },
    table(
      "Run history, newest first",
      [
        { label: "Queued" },
        { label: "Trigger" },
        { label: "Status" },
        { label: "Duration" },
        { label: "Counts" },
        { label: "Caused by" },
      ],
      rows,
      { rowHeader: true, captionHidden: true, className: "runs" },
    ),
  );
}

/**
 * The definition as a list of facts.
 * @param {SegmentExport} item
 */
function definitionFacts(item) {
  const d = item.definition;
  const facts = [
    ["Connection", d.connection + (item.attached ? "" : " (detached)")],
    ["List", d.listId ?? (d.list ? `${d.list.name} (by name)` : "–")],
    ["Segments", d.segments.join(", ")],
    ["Schedule", describeSchedule(d.schedule)],
    ["Membership", d.membership],
    [
      "Guards",
      `remove at most ${d.guards?.maxRemovePercent ?? 10} %` +
        (d.guards?.maxAdds === undefined ? "" : `, add at most ${formatNumber(d.guards.maxAdds)}`),
    ],
    ["Generation", `${item.generation} (${item.definitionHash.slice(0, 12)})`],
  ];
  return h(
    "dl",
    { class: "facts" },
    facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
  );
}

/**
 * One export: definition, buttons, live progress, history, and the selected run.
 * @param {ExportViewModel} model
 */
export function exportView({
  item,
  runs,
  actions,
  selectedRun,
  onRun,
  onCancel,
  onPlan,
  plan,
  notice,
  live,
}) {
  const active = runs.find(isActive);
  const mayManage = actions.includes("export.manage");
  const buttons = [
    h(
      "button",
      {
        type: "button",
        class: "button button-quiet",
        id: "preview-plan",
        onclick: onPlan,
        disabled: plan?.status === "loading",
      },
      "Preview plan",
    ),
  ];
  if (mayManage && active === undefined) {
    buttons.push(
      h(
        "button",
        { type: "button", class: "button button-primary", id: "run-now", onclick: onRun },
        "Run now",
      ),
    );
  }
  if (mayManage && active !== undefined && !active.cancelRequestedAt) {
    buttons.push(
      h(
        "button",
        {
          type: "button",
          class: "button button-danger",
          id: "cancel-run",
          onclick: () => onCancel(active),
        },
        "Cancel run",
      ),
    );
  }
  return h(
    "section",
    { "aria-labelledby": "export-title" },
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Exports"), " / ", item.name),
    h(
      "div",
      { class: "title-row" },
      h("h1", { id: "export-title", tabindex: "-1" }, item.name),
      h("div", { class: "actions" }, buttons),
    ),
    mayManage ? null : h("p", { class: "muted" }, "Your role may view this export but not run it."),
    notice ? h("p", { class: `notice notice-${notice.tone}`, role: "status" }, notice.text) : null,
    live,
    plan ? planView(item.name, plan) : null,
    h(
      "div",
      { class: "columns" },
      h(
        "section",
        { class: "card", "aria-labelledby": "definition-title" },
        h("h2", { id: "definition-title" }, "Definition"),
        definitionFacts(item),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "latest-title" },
        h("h2", { id: "latest-title" }, "Last refresh"),
        lastRefreshView(runs),
      ),
    ),
    h(
      "section",
      { "aria-labelledby": "history-title" },
      h("h2", { id: "history-title" }, "Run history"),
      runsTable(item.name, runs),
    ),
    selectedRun ? runDetailView(item.name, selectedRun) : null,
  );
}

/**
 * The counts of the newest succeeded run, and when it finished.
 * @param {Run[]} runs newest first
 */
function lastRefreshView(runs) {
  const last = lastSucceeded(runs);
  if (last === undefined) return h("p", { class: "empty" }, "No run has succeeded yet.");
  return [
    h(
      "p",
      { class: "muted last-refresh" },
      "Run ",
      h("a", { href: runHref(last.export, last.id) }, last.id.slice(0, 8)),
      `, finished ${formatAgo(last.finishedAt)}`,
    ),
    countsList(last),
  ];
}
