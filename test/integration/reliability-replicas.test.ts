/**
 * The CI-sized replica scenario of the reliability suite: two `ccx serve` processes on one
 * private PostgreSQL server with the real pipeline, 100 overlapping triggers, then a PostgreSQL
 * restart in the middle of a 60,000-contact export.
 */
import { describe, expect, it } from "vitest";
import { replicas } from "../reliability/replicas.ts";

describe("two replicas on PostgreSQL", () => {
  it("100 overlapping triggers: zero double runs; a PostgreSQL restart mid-run: the run recovers", async () => {
    const result = await replicas({
      triggers: 100,
      exports: 5,
      profiles: 200,
      restartProfiles: 60_000,
    });
    expect(result.failures).toEqual([]);
    expect(result.figures["doubleRuns"]).toBe(0);
    // The triggers overlapped active runs (refused) and also started new ones after others ended.
    expect(result.figures["refused"]).toBeGreaterThan(0);
    expect(result.figures["runs"]).toBeGreaterThan(5);
    expect(result.figures["restartRunStatus"]).toBe("succeeded");
    expect(result.passed).toBe(true);
  }, 600_000);
});
