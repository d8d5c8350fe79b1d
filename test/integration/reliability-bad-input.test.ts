/**
 * The CI-sized bad-input table of the reliability suite (a profile limit of 1,000 stands in for
 * the 1,000,000 of `npm run test:reliability`: the same check, a smaller file).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { badInput } from "../reliability/bad-input.ts";
import type { ScenarioResult } from "../reliability/scenario.ts";

let result: ScenarioResult;

beforeAll(async () => {
  result = await badInput({ profileLimit: 1_000 });
}, 300_000);

const NOT_UTF8 = 'case "not UTF-8';

describe("bad input: a clear error and nothing written to Constant Contact", () => {
  it("ran every case of the table", () => {
    expect(result.trials).toBe(11);
  });

  it("holds for malformed, ragged, BOM, over-limit, invalid, long, empty, missing and unknown input", () => {
    expect(result.failures.filter((failure) => !failure.startsWith(NOT_UTF8))).toEqual([]);
  });

  it("rejects a file that is not UTF-8 before writing anything", () => {
    expect(result.failures.filter((failure) => failure.startsWith(NOT_UTF8))).toEqual([]);
  });
});
