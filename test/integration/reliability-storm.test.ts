/**
 * The CI-sized fault storm of the reliability suite: one trial (a first run and a 5 % change)
 * of 20,000 contacts under 30 % 429s, 5 % 5xx, dropped connections and slow activities.
 */
import { describe, expect, it } from "vitest";
import { DAILY_BUDGET, faultStorm } from "../reliability/fault-storm.ts";

describe("a fault storm from Constant Contact", () => {
  it("runs converge to the segment within the daily request budget", async () => {
    const result = await faultStorm({ trials: 1, profiles: 20_000 });
    expect(result.failures).toEqual([]);
    expect(result.figures["converged"]).toBe(2);
    expect(result.figures["injected429"]).toBeGreaterThan(0);
    expect(result.figures["maxRequestsPerApp"]).toBeLessThanOrEqual(DAILY_BUDGET);
    expect(result.passed).toBe(true);
  }, 600_000);
});
