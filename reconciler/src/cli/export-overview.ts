/**
 * One line per export, as `ccx status` shows it and `--json` prints it: status, schedule, last
 * refresh, last counts and the caller's permissions. The same rules as the status page: detached
 * and disabled exports never run, a guard pause says so, and no run means "never run".
 */
import type { SegmentExport } from "../../../contract/export.ts";
import type { Me } from "../../../contract/me.ts";
import type { ExportRun as RunView } from "../../../contract/run.ts";
import { formatNumber } from "./terminal.ts";

/** What `ccx status --json` prints per export. */
export interface ExportOverview {
  name: string;
  connection: string;
  /** `detached`, `disabled`, `never run`, `paused by a guard`, or the newest run's status. */
  status: string;
  schedule: string;
  /** When the newest succeeded run finished; null when none did. */
  lastRefreshedAt: string | null;
  /** Counts of the newest succeeded run; null when none did. */
  lastCounts: Record<string, number> | null;
  /**
   * List members beyond (or short of, when negative) what the newest succeeded run synced:
   * edits by hand in Constant Contact or opt-outs. Null when unchecked; 0 when none.
   */
  listDrift: number | null;
  /** What this token may do with the export: `view`, `run`, `cancel`, `change`. */
  permissions: string[];
  latestRun: { id: string; status: string; queuedAt: string } | null;
}

/** How an export is triggered, in words. */
export function describeSchedule(schedule: SegmentExport["definition"]["schedule"]): string {
  const parts: string[] = [];
  if (schedule.cron !== undefined) parts.push(`${schedule.cron} (${schedule.timeZone ?? "UTC"})`);
  if (schedule.onSourceChange === true) parts.push("on source change");
  if (schedule.onStackChange === true) parts.push("on stack change");
  return parts.length === 0 ? "on demand" : parts.join(", ");
}

/** The status word of an export: see {@link ExportOverview.status}. */
export function statusOf(item: SegmentExport, runs: readonly RunView[]): string {
  if (!item.attached) return "detached";
  if (!item.definition.enabled) return "disabled";
  const latest = runs[0];
  if (latest === undefined) return "never run";
  return latest.status === "paused" ? "paused by a guard" : latest.status;
}

/** The overview of one export from its newest runs and the caller's permissions. */
export function overviewOf(item: SegmentExport, runs: readonly RunView[], me: Me): ExportOverview {
  const lastSucceeded = runs.find((run) => run.status === "succeeded");
  const actions = me.exports.find((entry) => entry.name === item.name)?.actions ?? [];
  const latest = runs[0];
  return {
    name: item.name,
    connection: item.definition.connection,
    status: statusOf(item, runs),
    schedule: describeSchedule(item.definition.schedule),
    lastRefreshedAt: lastSucceeded?.finishedAt ?? null,
    lastCounts: lastSucceeded?.counts ?? null,
    listDrift: driftOf(lastSucceeded),
    permissions: actions.includes("export.manage") ? ["view", "run", "cancel", "change"] : ["view"],
    latestRun:
      latest === undefined
        ? null
        : { id: latest.id, status: latest.status, queuedAt: latest.queuedAt },
  };
}

/** `counts.listDrift` of a run that checked its list (0 when it matched); null otherwise. */
export function driftOf(run: RunView | undefined): number | null {
  if (run === undefined) return null;
  const { listDrift, listMembers } = run.counts;
  if (listDrift !== undefined) return listDrift;
  return listMembers !== undefined && listMembers >= 0 ? 0 : null;
}

/** `+120 ~4 -3 of 500 read`: the change a run made, short. */
export function summarizeCounts(counts: Record<string, number> | null | undefined): string {
  if (counts === null || counts === undefined || Object.keys(counts).length === 0) return "-";
  const parts: string[] = [];
  if (counts["added"] !== undefined) parts.push(`+${formatNumber(counts["added"])}`);
  if (counts["updated"] !== undefined) parts.push(`~${formatNumber(counts["updated"])}`);
  if (counts["removed"] !== undefined) parts.push(`-${formatNumber(counts["removed"])}`);
  if (counts["read"] !== undefined) parts.push(`of ${formatNumber(counts["read"])} read`);
  if (parts.length > 0) return parts.join(" ");
  return Object.entries(counts)
    .map(([key, value]) => `${key} ${formatNumber(value)}`)
    .join(", ");
}

/** The counts a run records, in reading order, then any others it recorded. */
export const COUNT_ORDER = [
  "read",
  "invalid",
  "duplicate",
  "added",
  "updated",
  "removed",
  "suppressed",
  "rejected",
  "requests",
] as const;

/** A run's counts in {@link COUNT_ORDER}, then any others in recorded order. */
export function orderedCounts(counts: Record<string, number>): Array<[string, number]> {
  const known: Array<[string, number]> = [];
  for (const key of COUNT_ORDER) {
    const value = counts[key];
    if (value !== undefined) known.push([key, value]);
  }
  const others = Object.entries(counts).filter(
    ([key]) => !(COUNT_ORDER as readonly string[]).includes(key),
  );
  return [...known, ...others];
}
