/**
 * How often the client asks for an activity's state while waiting for it (CONTRACT §2.2):
 * soon at first (small activities finish in seconds), then less often, so a long import costs a
 * handful of requests rather than one per second.
 */

/** Delays between polls of one activity. */
export interface PollSchedule {
  /** Wait before the first poll, in ms. @default 1_000 */
  initialDelayMs: number;
  /** Growth of each following wait. @default 1.5 */
  factor: number;
  /** Longest wait between two polls, in ms. @default 10_000 */
  maxDelayMs: number;
}

/** Fills the defaults of {@link PollSchedule}. */
export function resolvePollSchedule(options: Partial<PollSchedule> = {}): PollSchedule {
  return {
    initialDelayMs: options.initialDelayMs ?? 1_000,
    factor: options.factor ?? 1.5,
    maxDelayMs: options.maxDelayMs ?? 10_000,
  };
}

/** The wait before poll number `poll` (0 for the first), in ms. */
export function pollDelay(schedule: PollSchedule, poll: number): number {
  return Math.round(
    Math.min(schedule.maxDelayMs, schedule.initialDelayMs * schedule.factor ** poll),
  );
}

/**
 * Polls needed to see an activity that takes `durationMs` finish: the first poll whose
 * cumulative wait reaches the duration (at least one).
 */
export function pollsUntil(schedule: PollSchedule, durationMs: number): number {
  let elapsed = 0;
  let polls = 0;
  do {
    elapsed += pollDelay(schedule, polls);
    polls += 1;
  } while (elapsed < durationMs);
  return polls;
}
