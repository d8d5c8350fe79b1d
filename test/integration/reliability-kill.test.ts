/**
 * The CI-sized kill -9 trials of the reliability suite: `ccx serve` killed with SIGKILL at random
 * points of a 60,000-contact export (two import chunks) and started again; `npm run
 * test:reliability` runs ten trials of 200,000.
 */
import { describe, expect, it } from "vitest";
import { killResume } from "../reliability/kill-resume.ts";

describe("kill -9 during an export", () => {
  it("every resumed run ends with the list equal to the segment, at most one chunk re-sent", async () => {
    const result = await killResume({ trials: 2, profiles: 60_000, itemsPerSecond: 20_000 });
    expect(result.failures).toEqual([]);
    expect(result.trials).toBe(2);
    expect(result.figures["maxResent"]).toBeLessThanOrEqual(40_000);
    // The kills really interrupted runs, and the killed processes logged no secret.
    expect(result.figures["killsMidRun"]).toBeGreaterThanOrEqual(1);
    expect(result.figures["secretsInLogs"]).toBe(0);
    expect(result.passed).toBe(true);
  }, 300_000);
});
