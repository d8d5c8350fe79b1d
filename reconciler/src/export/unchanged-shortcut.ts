/**
 * The "nothing changed" shortcut of a run: when the last completed run synced this very
 * definition and these segment versions to this list and had no row rejected, the diff is empty,
 * so the rows are not read again and nothing is written; the list is still verified.
 *
 * "This very definition" is the one each run *executed* (`progress.definitionHash`, recorded when
 * it started), not the one recorded when it was queued: a definition saved while a run waits in
 * the queue is folded into that run, so the queued hash can be older than what runs.
 */
import type { SegmentSource } from "../sources/segment-source.ts";
import type { RunOutcome } from "../store/run-store.ts";
import type { ResolvedList } from "./resolve-list.ts";
import type { RunState } from "./run-state.ts";
import { verifyListMembers } from "./verify-list.ts";

/** Counts a shortcut run copies from the last run (what was read then is what is there now). */
const CARRIED_COUNTS = ["read", "invalid", "duplicate", "profiles", "suppressed", "retained"];

/** The current version of each segment (cheap: file stats, blob listings, a query hash). */
export async function segmentVersions(
  source: SegmentSource,
  segments: readonly string[],
): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const segment of segments) versions[segment] = (await source.resolve(segment)).version;
  return versions;
}

/**
 * The outcome of a run with nothing to do, when the last completed run executed the definition
 * this run executes, read these segment versions, synced to this list and had no row rejected;
 * else undefined (the run reads and diffs as usual).
 */
export async function unchangedSinceLastRun(
  state: RunState,
  list: ResolvedList | undefined,
  versions: Record<string, string>,
): Promise<RunOutcome | undefined> {
  if (list === undefined) return undefined;
  const listId = list.listId;
  const current = await state.deps.store.runs.currentSnapshot(state.export.id);
  if (current?.runId === null || current === undefined || current.listId !== listId) {
    return undefined;
  }
  const last = await state.deps.store.runs.get(current.runId);
  if (
    last === undefined ||
    last.status !== "succeeded" ||
    last.progress?.["definitionHash"] !== state.export.definitionHash ||
    (last.counts["rejected"] ?? 0) > 0 ||
    !sameVersions(last.progress?.["sourceVersions"], versions)
  ) {
    return undefined;
  }
  const counts = state.counts;
  for (const key of CARRIED_COUNTS) counts[key] = last.counts[key] ?? 0;
  Object.assign(counts, { added: 0, updated: 0, removed: 0, rejected: 0 });
  counts["unchanged"] = current.entries;
  counts["sourcesUnchanged"] = 1;
  // Nothing is written, so the count read when the list was resolved is the count now.
  await verifyListMembers(state, listId, current.entries, list.membershipCount);
  return {
    status: "succeeded",
    counts,
    error: null,
    rejectedSamples: [],
    snapshot: { exportId: state.export.id, ...current, runId: state.run.id },
  };
}

/** True when `stored` (read back from jsonb, keys in any order) holds exactly `versions`. */
function sameVersions(stored: unknown, versions: Record<string, string>): boolean {
  if (typeof stored !== "object" || stored === null) return false;
  const entries = Object.entries(stored as Record<string, unknown>);
  return (
    entries.length === Object.keys(versions).length &&
    entries.every(([segment, version]) => versions[segment] === version)
  );
}
