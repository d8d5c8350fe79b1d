// Pure formatting for the status page: no DOM, no fetch.

/** @import { Counts, GuardVerdict, RowError, Run, RunProgress, Schedule, SegmentExport } from "./api-types.ts" */

const numberFormat = new Intl.NumberFormat("en-US");

/**
 * "1,234", or a dash for anything that is not a number.
 * @param {unknown} value
 */
export function formatNumber(value) {
  return typeof value === "number" ? numberFormat.format(value) : "–";
}

/**
 * "2026-11-23 14:05:09 UTC", or a dash.
 * @param {string | null | undefined} iso
 */
export function formatTime(iso) {
  if (typeof iso !== "string") return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "–";
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/**
 * "3 min ago", "just now"; `now` for tests.
 * @param {string | null | undefined} iso
 */
export function formatAgo(iso, now = Date.now()) {
  if (typeof iso !== "string") return "never";
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (seconds < 10) return "just now";
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

/**
 * "1.4 s", "2 min 5 s"; a dash until both ends are known.
 * @param {string | null | undefined} startIso
 * @param {string | null | undefined} endIso
 */
export function formatDuration(startIso, endIso) {
  if (typeof startIso !== "string" || typeof endIso !== "string") return "–";
  const ms = new Date(endIso).getTime() - new Date(startIso).getTime();
  if (ms < 0) return "–";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/**
 * How an export is triggered, in words.
 * @param {Schedule} [schedule]
 */
export function describeSchedule(schedule = {}) {
  const parts = [];
  if (schedule.cron) parts.push(`cron ${schedule.cron} (${schedule.timeZone ?? "UTC"})`);
  if (schedule.onSourceChange) parts.push("on source change");
  if (schedule.onStackChange) parts.push("on stack change");
  if (parts.length === 0) parts.push("on demand only");
  return parts.join(", ");
}

/**
 * The counts a run records, in the order people read them, with their labels.
 * @type {Array<[key: string, label: string]>}
 */
export const COUNT_LABELS = [
  ["read", "Read"],
  ["invalid", "Invalid"],
  ["duplicate", "Duplicate"],
  ["added", "Added"],
  ["updated", "Updated"],
  ["removed", "Removed"],
  ["suppressed", "Suppressed"],
  ["rejected", "Rejected"],
  ["requests", "Requests"],
];

/**
 * "listMembers" → "list members".
 * @param {string} key
 */
export function humanize(key) {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[-_]/g, " ")
    .toLowerCase();
}

/**
 * Counts as `[key, label, value, known]`: the known ones in reading order, then any others the
 * run recorded (`known` false).
 * @param {Counts} [counts]
 * @returns {Array<[key: string, label: string, value: number, known: boolean]>}
 */
export function countEntries(counts = {}) {
  const known = new Set(COUNT_LABELS.map(([key]) => key));
  /** @type {Array<[key: string, label: string, value: number, known: boolean]>} */
  const entries = COUNT_LABELS.filter(([key]) => typeof counts[key] === "number").map(
    ([key, label]) => [key, label, /** @type {number} */ (counts[key]), true],
  );
  for (const [key, value] of Object.entries(counts)) {
    if (!known.has(key) && typeof value === "number") {
      const label = humanize(key);
      entries.push([key, label.charAt(0).toUpperCase() + label.slice(1), value, false]);
    }
  }
  return entries;
}

/**
 * "+120 ~4 −3 of 500 read": the change a run made, short.
 * @param {Counts | null | undefined} counts
 */
export function summarizeCounts(counts) {
  if (counts === undefined || counts === null || Object.keys(counts).length === 0) return "–";
  const parts = [];
  if (typeof counts.added === "number") parts.push(`+${formatNumber(counts.added)}`);
  if (typeof counts.updated === "number") parts.push(`~${formatNumber(counts.updated)}`);
  if (typeof counts.removed === "number") parts.push(`−${formatNumber(counts.removed)}`);
  if (typeof counts.read === "number") parts.push(`of ${formatNumber(counts.read)} read`);
  if (parts.length === 0) {
    return countEntries(counts)
      .map(([, label, value]) => `${label} ${formatNumber(value)}`)
      .join(", ");
  }
  return parts.join(" ");
}

const ACTIVE = new Set(["queued", "running"]);

/**
 * Whether a run is queued or running.
 * @param {Run | undefined} run
 * @returns {run is Run}
 */
export function isActive(run) {
  return run !== undefined && ACTIVE.has(run.status);
}

/**
 * The export's status for the list: detached and disabled first (they never run), then the
 * newest run's status. A guard that stopped a run shows as "paused by a guard", never as a
 * vague "skipped".
 * @param {SegmentExport} item
 * @param {Run[]} runs newest first
 * @returns {{ label: string, tone: string }}
 */
export function exportStatus(item, runs) {
  if (item.attached === false) return { label: "detached", tone: "muted" };
  if (item.definition?.enabled === false) return { label: "disabled", tone: "muted" };
  const latest = runs[0];
  if (latest === undefined) return { label: "never run", tone: "muted" };
  if (latest.status === "paused") return { label: "paused by a guard", tone: "warn" };
  return { label: latest.status, tone: toneOf(latest.status) };
}

/**
 * Members the list has beyond (or short of) what the run synced; undefined when unchecked.
 * @param {Run | undefined} run
 */
export function driftOf(run) {
  const drift = run?.counts?.listDrift;
  return typeof drift === "number" ? drift : undefined;
}

/**
 * The colour of a run status: ok, bad, warn, busy or muted.
 * @param {string} status
 */
export function toneOf(status) {
  switch (status) {
    case "succeeded":
      return "ok";
    case "failed":
      return "bad";
    case "paused":
    case "cancelled":
      return "warn";
    case "queued":
    case "running":
      return "busy";
    default:
      return "muted";
  }
}

/**
 * The newest succeeded run: what "last refreshed" and "last counts" describe.
 * @param {Run[]} runs newest first
 */
export function lastSucceeded(runs) {
  return runs.find((run) => run.status === "succeeded");
}

/**
 * "Reading rows", "Writing" … from a run's progress phase.
 * @param {string | undefined} phase
 */
export function describePhase(phase) {
  if (typeof phase !== "string" || phase === "") return "Starting";
  const words = phase.replace(/[-_]/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * "1,200 rows read · 2 of 3 chunks sent · 1 activity done".
 * @param {RunProgress} [progress]
 */
export function describeProgress(progress = {}) {
  const parts = [`${formatNumber(progress.rowsRead ?? 0)} rows read`];
  const sent = formatNumber(progress.chunksSent ?? 0);
  parts.push(
    typeof progress.chunksTotal === "number" && progress.chunksTotal > 0
      ? `${sent} of ${formatNumber(progress.chunksTotal)} chunks sent`
      : `${sent} chunks sent`,
  );
  const done = progress.activitiesDone ?? 0;
  parts.push(`${formatNumber(done)} ${done === 1 ? "activity" : "activities"} done`);
  return parts.join(" · ");
}

/**
 * Row errors a run recorded: rows Constant Contact rejected (`rejectedSamples`: chunk, row,
 * masked e-mail, reason) and any per-row errors of the mapping. Never full values.
 * @param {{ rejectedSamples?: unknown, rowErrors?: unknown, error?: { details?: Record<string, unknown> } | null } | undefined} run
 * @returns {RowError[]}
 */
export function rowErrorsOf(run) {
  const lists = [run?.rejectedSamples, run?.rowErrors, run?.error?.details?.rowErrors];
  /** @type {(list: unknown) => list is RowError[]} */
  const isList = (list) => Array.isArray(list);
  return lists.filter(isList).flat();
}

const PREFERRED_COLUMNS = ["segment", "chunk", "row", "field", "email", "reason", "message"];

/**
 * The columns of row errors: the usual ones in order, then any others present.
 * @param {RowError[]} errors
 */
export function rowErrorColumns(errors) {
  const present = new Set(errors.flatMap((error) => Object.keys(error)));
  return [
    ...PREFERRED_COLUMNS.filter((key) => present.has(key)),
    ...[...present].filter((key) => !PREFERRED_COLUMNS.includes(key)).sort(),
  ];
}

/**
 * Guard verdicts a run recorded (a paused run carries them in its error's details).
 * @param {{ verdicts?: unknown, plan?: { verdicts?: unknown }, error?: { details?: Record<string, unknown> } | null } | undefined} run
 * @returns {GuardVerdict[]}
 */
export function verdictsOf(run) {
  const candidates = [run?.verdicts, run?.plan?.verdicts, run?.error?.details?.verdicts];
  return (
    /** @type {GuardVerdict[] | undefined} */ (
      candidates.find((candidate) => Array.isArray(candidate))
    ) ?? []
  );
}

/**
 * One CSV cell: quoted when needed, and never read as a formula by a spreadsheet.
 * @param {string | number | null | undefined} value
 */
function csvCell(value) {
  const text = value === undefined || value === null ? "" : String(value);
  // A leading = + - @ would start a formula in a spreadsheet, and so would a TAB or CR before
  // one (spreadsheets skip them): prefix every such cell so it stays text.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * Row errors as CSV with a header line.
 * @param {RowError[]} errors
 */
export function rowErrorsToCsv(errors) {
  const columns = rowErrorColumns(errors);
  const lines = [columns.join(",")];
  for (const error of errors) lines.push(columns.map((key) => csvCell(error[key])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
