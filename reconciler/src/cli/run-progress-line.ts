/**
 * The progress of a running run as one line: a bar on a terminal (redrawn in place), or a plain
 * line for logs. Pure: `ccx run` decides when to print.
 */
import type { ExportRun as RunView } from "../../../contract/run.ts";

type RunProgressView = NonNullable<RunView["progress"]>;
import { formatNumber, progressBar, type Style } from "./terminal.ts";

const BAR_WIDTH = 24;
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** `reading-segments` → `reading segments`; `queued` before the run starts. */
export function phaseOf(run: RunView): string {
  if (run.status === "queued") return "queued";
  const phase = run.progress?.phase;
  return typeof phase === "string" && phase !== "" ? phase.replace(/-/g, " ") : "starting";
}

/** Share of the work done: chunks sent of the total, 1 when the run reports done. */
export function fractionOf(progress: RunProgressView | null | undefined): number {
  if (progress?.phase === "done") return 1;
  const total = progress?.chunksTotal ?? 0;
  return total > 0 ? (progress?.chunksSent ?? 0) / total : 0;
}

/** `12,000 rows read · 2/5 chunks sent · 1 activity done`. */
export function progressFacts(progress: RunProgressView | null | undefined): string {
  const chunks =
    (progress?.chunksTotal ?? 0) > 0
      ? `${formatNumber(progress?.chunksSent ?? 0)}/${formatNumber(progress?.chunksTotal)} chunks sent`
      : `${formatNumber(progress?.chunksSent ?? 0)} chunks sent`;
  const activities = progress?.activitiesDone ?? 0;
  return [
    `${formatNumber(progress?.rowsRead ?? 0)} rows read`,
    chunks,
    `${formatNumber(activities)} ${activities === 1 ? "activity" : "activities"} done`,
  ].join(" · ");
}

/** The terminal line: spinner, phase, bar, percent, facts and elapsed time. */
export function ttyProgressLine(
  run: RunView,
  tick: number,
  elapsedMs: number,
  style: Style,
): string {
  const fraction = fractionOf(run.progress);
  const spinner = SPINNER[tick % SPINNER.length] ?? "";
  const percent = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
  return [
    style.cyan(spinner),
    phaseOf(run).padEnd(18),
    `${progressBar(fraction, BAR_WIDTH)} ${percent}`,
    progressFacts(run.progress),
    style.dim(`${(elapsedMs / 1000).toFixed(1)} s`),
  ].join("  ");
}

/** The line for logs and pipes: no control characters. */
export function plainProgressLine(run: RunView, elapsedMs: number): string {
  return `[${(elapsedMs / 1000).toFixed(1).padStart(6)} s] ${phaseOf(run)}: ${progressFacts(run.progress)}`;
}
