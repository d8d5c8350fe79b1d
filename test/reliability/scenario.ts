/**
 * The shape every reliability scenario reports in: how many trials ran, whether every one held,
 * the figures that show it, and what went wrong when something did. `run.ts` prints these as a
 * table; the CI-sized tests in `test/integration/reliability-*.test.ts` assert on them.
 */

/** The outcome of one scenario at one size. */
export interface ScenarioResult {
  /** Short stable name, e.g. `"kill-9"`. */
  scenario: string;
  /** Independent trials (runs, fuzzed operations, bad inputs) the figures cover. */
  trials: number;
  /** True when every trial held its promise. */
  passed: boolean;
  /** Numbers that back the verdict (counts, totals, seconds). */
  figures: Record<string, number | string>;
  /** One line per broken promise; empty when `passed`. */
  failures: string[];
}

/** Collects failures while a scenario runs and builds its {@link ScenarioResult}. */
export class ScenarioReport {
  readonly #failures: string[] = [];
  readonly figures: Record<string, number | string> = {};
  trials = 0;
  readonly scenario: string;

  constructor(scenario: string) {
    this.scenario = scenario;
  }

  /** Records a failure unless `holds`. Returns `holds` so callers can branch on it. */
  expect(holds: boolean, failure: string): boolean {
    if (!holds) this.#failures.push(failure);
    return holds;
  }

  /** Failures recorded so far. */
  get failureCount(): number {
    return this.#failures.length;
  }

  /** Records a failure outright. */
  fail(failure: string): void {
    this.#failures.push(failure);
  }

  result(): ScenarioResult {
    return {
      scenario: this.scenario,
      trials: this.trials,
      passed: this.#failures.length === 0 && this.trials > 0,
      figures: this.figures,
      failures: [...this.#failures],
    };
  }
}

/** Seconds since `startedMs` (a `performance.now()` value), rounded to 0.1 s. */
export function secondsSince(startedMs: number): number {
  return Math.round((performance.now() - startedMs) / 100) / 10;
}

/** The message of anything thrown, for failure lines. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
