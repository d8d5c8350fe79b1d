/**
 * How long a run waits on Constant Contact: requests in flight (their pacing included) and the
 * pauses between activity polls. A run's wall time is then its own work plus this, so the bench
 * and the run record can tell what ccx controls from what the service takes (DESIGN §6).
 * Overlapping waits count once.
 */

/** Accumulates the time during which at least one wait is in progress. */
export class WaitClock {
  readonly #now: () => number;
  #depth = 0;
  #since = 0;
  #totalMs = 0;

  /** @param now a millisecond clock. @default performance.now */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Awaits `work`, counting the time until it settles as waiting. */
  async during<T>(work: Promise<T>): Promise<T> {
    if (this.#depth === 0) this.#since = this.#now();
    this.#depth += 1;
    try {
      return await work;
    } finally {
      this.#depth -= 1;
      if (this.#depth === 0) this.#totalMs += this.#now() - this.#since;
    }
  }

  /** Milliseconds spent waiting so far, a wait in progress included. */
  get totalMs(): number {
    return this.#totalMs + (this.#depth > 0 ? this.#now() - this.#since : 0);
  }
}
