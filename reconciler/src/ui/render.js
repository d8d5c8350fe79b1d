// DOM building for the status page. Every value from the API goes in as text (textContent or
// attribute), never as HTML, so nothing the API returns can become markup or script.

import {
  countEntries,
  driftOf,
  describePhase,
  describeProgress,
  describeSchedule,
  exportStatus,
  formatAgo,
  formatDuration,
  formatNumber,
  formatTime,
  isActive,
  lastSucceeded,
  rowErrorColumns,
  rowErrorsOf,
  rowErrorsToCsv,
  summarizeCounts,
  toneOf,
  verdictsOf,
} from "./format.js";

/** Creates an element: `h("td", { class: "num" }, "12")`. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function pill(label, tone) {
  return h("span", { class: `pill pill-${tone}` }, label);
}

/** A table with a caption and column headers; `rows` are arrays of cells (nodes or text). */
export function table(caption, headers, rows, options = {}) {
  return h(
    "table",
    { class: `data ${options.className ?? ""}`.trim() },
    h("caption", { class: options.captionHidden ? "visually-hidden" : undefined }, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((header) =>
          h("th", { scope: "col", class: header.numeric ? "num" : undefined }, header.label),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((cells) =>
        h(
          "tr",
          {},
          cells.map((cell, index) =>
            index === 0 && options.rowHeader
              ? h("th", { scope: "row" }, cell)
              : h("td", { class: headers[index]?.numeric ? "num" : undefined }, cell),
          ),
        ),
      ),
    ),
  );
}

export function exportHref(name) {
  return `#/exports/${encodeURIComponent(name)}`;
}

function runHref(name, runId) {
  return `${exportHref(name)}/runs/${encodeURIComponent(runId)}`;
}

function permissionsText(actions) {
  return actions.includes("export.manage") ? "view, run, cancel, change" : "view";
}

/** The exports list: one row per export. `runsByExport` maps a name to its newest runs. */
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

/** The aria-live region of the export page; one node that outlives re-renders. */
export function liveRegion() {
  return h("div", {
    class: "live",
    id: "live-progress",
    "aria-live": "polite",
    "aria-atomic": "true",
  });
}

/** What a run that just ended left behind in the live region. */
export function finishedView(run) {
  return h(
    "p",
    { class: `notice notice-${toneOf(run.status)}`, "data-testid": "run-finished" },
    `Run ${run.id.slice(0, 8)} ${run.status === "paused" ? "was paused by a guard" : run.status}`,
    run.counts && Object.keys(run.counts).length > 0 ? `: ${summarizeCounts(run.counts)}` : "",
    run.error ? ` (${run.error.code}: ${run.error.message})` : "",
  );
}

/** The live progress of the active run (or nothing). */
export function progressView(run) {
  if (!isActive(run)) return [];
  const progress = run.progress ?? {};
  const total = typeof progress.chunksTotal === "number" ? progress.chunksTotal : undefined;
  const bar =
    total === undefined || total === 0
      ? h("progress", { "aria-label": "Run progress" })
      : h("progress", {
          "aria-label": "Chunks sent",
          max: total,
          value: Math.min(progress.chunksSent ?? 0, total),
        });
  return h(
    "div",
    { class: "progress-card" },
    h(
      "p",
      { class: "progress-phase" },
      run.status === "queued" ? "Queued, waiting for a worker" : describePhase(progress.phase),
      run.cancelRequestedAt ? " (cancel requested)" : "",
    ),
    bar,
    h(
      "p",
      { class: "progress-detail", "data-testid": "progress-detail" },
      describeProgress(progress),
    ),
  );
}

function causeOf(run) {
  const parts = [];
  if (run.stack) parts.push(h("span", { class: "mono" }, run.stack));
  if (run.updateId)
    parts.push(h("br"), h("span", { class: "mono muted" }, `update ${run.updateId}`));
  if (parts.length === 0) parts.push(h("span", {}, `requested by ${run.requestedBy}`));
  return h("span", { class: "cause" }, parts);
}

function statusCell(run) {
  const tone = toneOf(run.status);
  const label = run.status === "paused" ? "paused by a guard" : run.status;
  return pill(label, tone);
}

/** The run history table of one export. */
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

/** One export: definition, buttons, live progress, history, and the selected run. */
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

/** The counts of the newest succeeded run, and when it finished. */
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

function countsList(run) {
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

function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The selected run: status, cause, counts, guard verdicts, drift, error and row errors. */
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

/** Rejected rows of a run: Constant Contact's samples, and a note on rows never sent. */
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

/** Row errors as a table (first 100) with downloads of all of them as CSV and JSON. */
function rowErrorsTable(rowErrors, filenameBase, description) {
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

/** What a run now would do: counts, guard verdicts, request estimate and rejected rows. */
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

function verdictsTable(verdicts) {
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
 * Drift: the list's membership differs from what the export synced (members added or removed
 * by hand in Constant Contact, or contacts that opted out meanwhile). Reported, never reverted.
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

/** Connections, for admins: account, status, sharing, consent; never a secret. */
export function connectionsView(connections) {
  return h(
    "section",
    { "aria-labelledby": "connections-title" },
    h("h1", { id: "connections-title", tabindex: "-1" }, "Connections"),
    connections.length === 0
      ? h("p", { class: "empty" }, "No connections yet.")
      : h(
          "div",
          { class: "table-wrap" },
          table(
            "Connections to Constant Contact",
            [
              { label: "Name" },
              { label: "Organisation" },
              { label: "Status" },
              { label: "Shared with" },
              { label: "Consent" },
              { label: "Exports" },
            ],
            connections.map((connection) => [
              h(
                "span",
                {},
                connection.name,
                h("br"),
                h("span", { class: "muted" }, connection.displayName ?? ""),
              ),
              h(
                "span",
                {},
                connection.organizationName ?? "–",
                h("br"),
                h("span", { class: "muted mono" }, connection.accountId ?? ""),
              ),
              connection.status
                ? pill(connection.status, connection.status === "connected" ? "ok" : "bad")
                : "–",
              connection.sharing === "contributors" ? "admins and contributors" : "admins only",
              connection.consent
                ? `${connection.consent.statementVersion}, by ${connection.consent.acceptedBy}, ${formatTime(connection.consent.acceptedAt)}`
                : "–",
              (connection.exports ?? []).length === 0
                ? "none"
                : h(
                    "span",
                    {},
                    (connection.exports ?? []).flatMap((name, index) => [
                      index > 0 ? ", " : "",
                      h("a", { href: exportHref(name) }, name),
                    ]),
                  ),
            ]),
            { rowHeader: true, captionHidden: true },
          ),
        ),
  );
}
