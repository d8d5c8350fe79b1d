/**
 * The CI-sized token-rotation rounds of the reliability suite: ten exports on one connection
 * started together at access-token expiry, twice (the second round refreshes with the refresh
 * token the first one stored).
 */
import { describe, expect, it } from "vitest";
import { tokenRotation } from "../reliability/token-rotation.ts";

describe("token rotation under concurrency", () => {
  it("ten concurrent runs at expiry: all succeed, no invalid_grant, no lost refresh token", async () => {
    const result = await tokenRotation({ rounds: 2, profiles: 200 });
    expect(result.failures).toEqual([]);
    expect(result.figures["succeeded"]).toBe(20);
    expect(result.figures["invalidGrant"]).toBe(0);
    // At least one refresh per round: the expiry really forced the reconciler to the token endpoint.
    expect(result.figures["refreshes"]).toBeGreaterThanOrEqual(3);
    expect(result.passed).toBe(true);
  }, 300_000);
});
