/**
 * When to poll the activities in flight next. Every poll is a request against the account's
 * rate limit and daily budget, so the pause is as long as the work allows:
 * - while the window is full, the next chunk waits for the first activity to finish: poll when
 *   the soonest is expected to, and again after a second once one finished;
 * - once every chunk is sent, nothing waits for any one activity: poll when the last is expected
 *   to finish, and in between at most every `maxDelayMs` (the run's progress moves that often).
 * An activity's finish is expected from how fast its `percent_done` rose between two polls;
 * one not seen progressing yet (queued, or just started) is unknown, and the pause then grows by
 * half each poll from a second up to `maxDelayMs`. The service's timing is not documented
 * (CONTRACT §2.2 marks it unconfirmed), so nothing here assumes it.
 */

/** Shortest pause between two polls, in ms. */
export const MIN_POLL_DELAY_MS = 1_000;
const GROWTH = 1.5;

interface Seen {
  percentDone: number;
  atMs: number;
  /** Percent per ms between the last two polls where it rose; undefined until then. */
  rate: number | undefined;
}

/** What the next pause is for. */
export type PollPurpose = "free-a-slot" | "finish-all";

/** Paces the polls of one window of activities; see the module comment. */
export class PollPacer {
  readonly #maxDelayMs: number;
  readonly #seen = new Map<string, Seen>();
  #backoffMs = MIN_POLL_DELAY_MS;

  constructor(maxDelayMs: number) {
    this.#maxDelayMs = Math.max(MIN_POLL_DELAY_MS, maxDelayMs);
  }

  /** Records an activity's `percent_done` as a poll reported it at `nowMs`. */
  observe(activityId: string, percentDone: number | undefined, nowMs: number): void {
    const before = this.#seen.get(activityId);
    const percent = percentDone ?? 0;
    if (before === undefined) {
      this.#seen.set(activityId, { percentDone: percent, atMs: nowMs, rate: undefined });
      return;
    }
    if (percent > before.percentDone && nowMs > before.atMs) {
      const rate = (percent - before.percentDone) / (nowMs - before.atMs);
      this.#seen.set(activityId, { percentDone: percent, atMs: nowMs, rate });
    }
  }

  /** Forgets an activity that finished. */
  forget(activityId: string): void {
    this.#seen.delete(activityId);
  }

  /**
   * The pause before the next poll of `inFlight`, in ms. `progressed` says whether the poll
   * just made saw an activity finish.
   */
  nextDelayMs(options: {
    purpose: PollPurpose;
    inFlight: Iterable<string>;
    progressed: boolean;
    nowMs: number;
  }): number {
    const expected: number[] = [];
    let unknown = false;
    for (const id of options.inFlight) {
      const left = this.#expectedInMs(id, options.nowMs);
      if (left === undefined) unknown = true;
      else expected.push(left);
    }
    if (options.purpose === "free-a-slot" && options.progressed) {
      this.#backoffMs = MIN_POLL_DELAY_MS;
    } else {
      this.#backoffMs = Math.min(this.#maxDelayMs, Math.round(this.#backoffMs * GROWTH));
    }
    let delay: number;
    if (options.purpose === "free-a-slot") {
      delay = expected.length > 0 ? Math.min(...expected) : this.#backoffMs;
    } else {
      delay = unknown || expected.length === 0 ? this.#backoffMs : Math.max(...expected);
    }
    return Math.round(Math.min(this.#maxDelayMs, Math.max(MIN_POLL_DELAY_MS, delay)));
  }

  #expectedInMs(activityId: string, nowMs: number): number | undefined {
    const seen = this.#seen.get(activityId);
    if (seen?.rate === undefined) return undefined;
    return Math.max(0, (100 - seen.percentDone) / seen.rate - (nowMs - seen.atMs));
  }
}
