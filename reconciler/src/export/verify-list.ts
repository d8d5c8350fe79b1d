/**
 * The last stage of a run: reads the list back and records its membership count beside what the
 * export synced. A difference is drift — members added or removed by hand, or contacts that
 * opted out meanwhile — reported, not fought (DESIGN §3.5).
 */
import type { RunState } from "./run-state.ts";

/**
 * Reads the list's membership count and records it, with any drift, in the run's counts. A run
 * that wrote nothing passes the count it read when it resolved the list, moments before, and
 * reads nothing again.
 */
export async function verifyListMembers(
  state: RunState,
  listId: string,
  expected: number,
  countReadThisRun?: number,
): Promise<void> {
  state.phase("verifying");
  const membershipCount =
    countReadThisRun ?? (await state.waiting(state.client.getList(listId))).membershipCount;
  const counts = state.counts;
  counts["listMembers"] = membershipCount ?? -1;
  counts["expectedMembers"] = expected;
  if (membershipCount !== undefined && membershipCount !== expected) {
    counts["listDrift"] = membershipCount - expected;
    state.logger.warn(
      { listMembers: membershipCount, expected },
      "the list's membership count differs from what this export synced",
    );
  }
  state.phase("done");
}
