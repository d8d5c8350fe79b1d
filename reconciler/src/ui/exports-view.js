// The exports list (#/): one row per export with its status, schedule and last refresh.

/** @import { Me, Run, SegmentExport } from "./api-types.ts" */

import { h, pill, table } from "./dom.js";
import { exportHref } from "./links.js";
import {
  describeSchedule,
  driftOf,
  exportStatus,
  formatAgo,
  formatTime,
  lastSucceeded,
  summarizeCounts,
} from "./format.js";

/**
 * What the token may do with an export, in words.
 * @param {string[]} actions
 */
function permissionsText(actions) {
  return actions.includes("export.manage") ? "view, run, cancel, change" : "view";
}

/**
 * The exports list: one row per export. `runsByExport` maps a name to its newest runs.
 * @param {{ exports: SegmentExport[], runsByExport: Map<string, Run[]>, me: Me }} model
 */
export function exportsView({ exports, runsByExport, me }) {
  const permissions = new Map(me.exports.map((entry) => [entry.name, entry.actions]));
  const rows = exports.map((item) => {
    const runs = runsByExport.get(item.name) ?? [];
    const status = exportStatus(item, runs);
    const last = lastSucceeded(runs);
    return [
      h("a", { href: exportHref(item.name) }, item.name),
      item.definition.connection,
      h(
        "span",
        { class: "pills" },
        pill(status.label, status.tone),
        driftOf(runs[0]) ? pill("list drift", "warn") : null,
      ),
      describeSchedule(item.definition.schedule),
      last === undefined
        ? "never"
        : h(
            "time",
            { datetime: last.finishedAt, title: formatTime(last.finishedAt) },
            formatAgo(last.finishedAt),
          ),
      summarizeCounts(last?.counts),
      permissionsText(permissions.get(item.name) ?? ["export.read"]),
    ];
  });
  return h(
    "section",
    { "aria-labelledby": "exports-title" },
    h("h1", { id: "exports-title", tabindex: "-1" }, "Exports"),
    exports.length === 0
      ? h(
          "p",
          { class: "empty" },
          "No exports yet. Declare one in a Pulumi stack and run `pulumi up`.",
        )
      : h(
          "div",
          { class: "table-wrap" },
          table(
            "Every export, its newest run and what you may do with it",
            [
              { label: "Name" },
              { label: "Connection" },
              { label: "Status" },
              { label: "Schedule" },
              { label: "Last refreshed" },
              { label: "Last counts" },
              { label: "Your permissions" },
            ],
            rows,
            { rowHeader: true, captionHidden: true },
          ),
        ),
  );
}
