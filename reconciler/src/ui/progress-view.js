// The live region of the export page: progress of the active run, then how it ended.

/** @import { Run } from "./api-types.ts" */

import { h } from "./dom.js";
import { describePhase, describeProgress, isActive, summarizeCounts, toneOf } from "./format.js";

/**
 * The aria-live region of the export page; one node that outlives re-renders.
 * @returns {HTMLElement}
 */
export function liveRegion() {
  return h("div", {
    class: "live",
    id: "live-progress",
    "aria-live": "polite",
    "aria-atomic": "true",
  });
}

/**
 * What a run that just ended left behind in the live region.
 * @param {Run} run
 */
export function finishedView(run) {
  return h(
    "p",
    { class: `notice notice-${toneOf(run.status)}`, "data-testid": "run-finished" },
    `Run ${run.id.slice(0, 8)} ${run.status === "paused" ? "was paused by a guard" : run.status}`,
    run.counts && Object.keys(run.counts).length > 0 ? `: ${summarizeCounts(run.counts)}` : "",
    run.error ? ` (${run.error.code}: ${run.error.message})` : "",
  );
}

/**
 * The live progress of the active run (or nothing).
 * @param {Run | undefined} run
 * @returns {HTMLElement | []}
 */
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
