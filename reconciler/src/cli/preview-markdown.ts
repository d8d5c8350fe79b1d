/**
 * The preview summary as one Markdown comment for a pull request. Every value that comes from the
 * stack (export names, property names and values, messages) is escaped: a crafted export name
 * must not add links, images, HTML, mentions or table cells to the comment.
 */
import type { ExportChange, PlanCounts, PreviewSummary } from "./preview-summary.ts";

// The ASCII punctuation that means something in GitHub's Markdown (emphasis, code, links, tables,
// lists, headings, emoji shortcodes, mentions, math); CommonMark lets a backslash escape each.
// `<`, `>` and `&` become entities so that no HTML tag or entity survives.
const PUNCTUATION = /[!#$()*+\-.:=@[\\\]^_`{|}~]/g;

/** `text` as inert Markdown: one line, punctuation escaped, HTML characters as entities. */
export function escapeMarkdown(text: string): string {
  return (
    text
      // Control characters and line breaks would end a table row or start a block.
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
      .replace(PUNCTUATION, (character) => `\\${character}`)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
  );
}

const number = new Intl.NumberFormat("en-US");
const cell = (value: number | undefined) => (value === undefined ? "–" : number.format(value));

function verdictOf(change: ExportChange): string {
  if (change.guardTrips.length > 0) return "**blocked**";
  if (change.errors.length > 0) return "**invalid**";
  if (change.operation === "delete") return "–";
  if (change.plan === undefined) return "not planned";
  return "pass";
}

function planLine(plan: PlanCounts): string {
  return [
    `+${cell(plan.adds)} adds`,
    `\\~${cell(plan.updates)} updates`,
    `−${cell(plan.removals)} removals`,
    `${cell(plan.suppressed)} suppressed opt-outs`,
    `${cell(plan.requests)} Constant Contact requests`,
  ].join(", ");
}

function details(change: ExportChange): string[] {
  const lines = [`### ${escapeMarkdown(change.name)} (${change.operation})`, ""];
  if (change.definition.length > 0) {
    lines.push("Definition:", "");
    for (const property of change.definition) {
      const before = property.before === undefined ? "unset" : escapeMarkdown(property.before);
      const after = property.after === undefined ? "unset" : escapeMarkdown(property.after);
      lines.push(`- ${escapeMarkdown(property.property)}: ${before} → ${after}`);
    }
    lines.push("");
  }
  if (change.operation === "blocked") {
    lines.push(
      "The preview stopped at this export's check, so its definition change is not shown.",
      "",
    );
  }
  if (change.plan !== undefined) lines.push(`Data plan: ${planLine(change.plan)}.`, "");
  if (change.planNote !== undefined)
    lines.push(`Data plan: ${escapeMarkdown(change.planNote)}`, "");
  if (change.operation === "delete") {
    lines.push(
      change.onDelete === "remove-members"
        ? "Deleting it removes every member it synced from the list (onDelete: remove\\-members)."
        : "Deleting it keeps the list's members (onDelete: keep\\-members).",
      "",
    );
  }
  for (const reason of change.guardTrips) {
    lines.push(`> **Guard would trip:** ${escapeMarkdown(reason)}`, "");
  }
  for (const error of change.errors) lines.push(`> **Check failed:** ${escapeMarkdown(error)}`, "");
  return lines;
}

/** The whole comment: headline, one table row per export, then each export's details. */
export function renderPreviewMarkdown(summary: PreviewSummary): string {
  const lines = [`## ccx data plan: ${escapeMarkdown(summary.headline)}`, ""];
  if (summary.exports.length > 0) {
    lines.push(
      "| Export | Change | Adds | Updates | Removals | Suppressed opt-outs | Requests | Guards |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
      ...summary.exports.map((change) =>
        [
          "",
          escapeMarkdown(change.name),
          change.operation,
          cell(change.plan?.adds),
          cell(change.plan?.updates),
          cell(change.plan?.removals),
          cell(change.plan?.suppressed),
          cell(change.plan?.requests),
          verdictOf(change),
          "",
        ]
          .join(" | ")
          .trim(),
      ),
      "",
    );
    for (const change of summary.exports) lines.push(...details(change));
  }
  if (summary.connections.length > 0) {
    lines.push("### Connections", "");
    for (const connection of summary.connections) {
      lines.push(`- ${escapeMarkdown(connection.name)}: ${escapeMarkdown(connection.operation)}`);
    }
    lines.push("");
  }
  if (summary.errors.length > 0) {
    lines.push("### Preview errors", "");
    for (const error of summary.errors) lines.push(`- ${escapeMarkdown(error)}`);
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
