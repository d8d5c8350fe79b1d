/**
 * The CI-sized fuzzing of the reliability suite: schemathesis against the reconciler's OpenAPI
 * document and against the emulator with the official Constant Contact document cut to the
 * contract's scope. `npm run test:reliability` runs the same scenarios with more examples.
 */
import { describe, expect, it } from "vitest";
import { fuzzEmulator } from "../reliability/fuzz-emulator.ts";
import { fuzzReconciler } from "../reliability/fuzz-reconciler.ts";

describe("fuzzing with schemathesis", () => {
  it("the reconciler API answers no 5xx and nothing outside its documented schema", async () => {
    const result = await fuzzReconciler({ maxExamples: 10 });
    expect(result.failures).toEqual([]);
    expect(result.trials).toBeGreaterThanOrEqual(20);
    expect(result.figures["testCases"]).toBeGreaterThan(500);
    expect(result.passed).toBe(true);
  }, 240_000);

  it("the emulator answers no 5xx and nothing outside Constant Contact's schema", async () => {
    const result = await fuzzEmulator({ maxExamples: 10 });
    expect(result.failures).toEqual([]);
    expect(result.trials).toBeGreaterThanOrEqual(15);
    expect(result.figures["testCases"]).toBeGreaterThan(500);
    expect(result.passed).toBe(true);
  }, 240_000);
});
