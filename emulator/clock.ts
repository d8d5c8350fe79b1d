/**
 * The emulator's virtual clock. It follows real time (unless frozen) plus an offset that tests
 * move with `advance` and `set`, so activity timing (CONTRACT §2.2), token expiry (§5) and the
 * daily quota reset (§2.1) can be exercised without waiting.
 */
export class VirtualClock {
  #offsetMs: number;
  readonly #frozen: boolean;
  readonly #realStart = performance.now();
  readonly #listeners: Array<() => void> = [];

  /**
   * @param start the virtual time at construction. @default the real current time
   * @param frozen when true, time moves only through `advance`/`set`. @default false
   */
  constructor(start: Date = new Date(), frozen = false) {
    this.#offsetMs = start.getTime();
    this.#frozen = frozen;
  }

  /** Current virtual time in epoch milliseconds. */
  nowMs(): number {
    const elapsed = this.#frozen ? 0 : performance.now() - this.#realStart;
    return Math.floor(this.#offsetMs + elapsed);
  }

  /** Current virtual time. */
  now(): Date {
    return new Date(this.nowMs());
  }

  /** Moves the clock forward by `ms` (negative values move it back). */
  advance(ms: number): void {
    this.#offsetMs += ms;
    this.#notify();
  }

  /** Jumps the clock to `date`. */
  set(date: Date): void {
    this.#offsetMs += date.getTime() - this.nowMs();
    this.#notify();
  }

  /** Registers a callback run after every `advance`/`set` (used to settle due activities). */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** Epoch milliseconds of the next 00:00:00 UTC strictly after `ms`. */
export function nextUtcMidnight(ms: number): number {
  const day = 86_400_000;
  return (Math.floor(ms / day) + 1) * day;
}

/** The UTC day number (days since the epoch) that contains `ms`. */
export function utcDay(ms: number): number {
  return Math.floor(ms / 86_400_000);
}
