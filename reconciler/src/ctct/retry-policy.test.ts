import { describe, expect, it } from "vitest";
import { backoffDelay, decideRetry, resolveRetryPolicy } from "./retry-policy.ts";
import type { AttemptFailure, RetryDecision } from "./retry-policy.ts";

describe("decideRetry (CONTRACT §3)", () => {
  const status = (code: number, errorKey?: string): AttemptFailure => ({
    kind: "status",
    status: code,
    errorKey,
  });
  const cases: Array<[string, AttemptFailure, boolean, RetryDecision]> = [
    ["400 is final", status(400, "contacts.api.validation.error"), true, "fail"],
    ["403 is final", status(403), true, "fail"],
    ["404 is final", status(404), true, "fail"],
    ["409 is final", status(409), false, "fail"],
    ["415 is final", status(415), false, "fail"],
    ["401 refreshes", status(401, "unauthorized"), true, "refresh-and-retry"],
    ["429 throttled retries a GET", status(429, "throttled"), true, "retry"],
    ["429 throttled retries a POST", status(429, "throttled"), false, "retry"],
    ["429 queue full retries", status(429, "too_many_queued_activities"), false, "retry"],
    ["429 quota stops", status(429, "quota_exceeded"), true, "quota-exceeded"],
    ["500 retries a GET", status(500), true, "retry"],
    ["503 retries a GET", status(503), true, "retry"],
    ["500 on a POST checks first", status(500), false, "recover-then-retry"],
    ["reset on a GET retries", { kind: "transport" }, true, "retry"],
    ["timeout on a POST checks first", { kind: "transport" }, false, "recover-then-retry"],
  ];
  it.each(cases)("%s", (_name, failure, idempotent, expected) => {
    expect(decideRetry(failure, idempotent)).toBe(expected);
  });
});

describe("backoffDelay", () => {
  const policy = resolveRetryPolicy();
  const cases: Array<[number, number, number]> = [
    // retry, random, expected delay (base 500, factor 2, cap 30 s, half jitter)
    [0, 0, 250],
    [0, 0.999_999, 500],
    [1, 0, 500],
    [3, 1, 4_000],
    [6, 0, 15_000],
    [6, 1, 30_000],
    [20, 1, 30_000],
  ];
  it.each(cases)("retry %i with random %d waits %i ms", (retry, random, expected) => {
    expect(backoffDelay(policy, retry, () => random)).toBe(expected);
  });

  it("documents its defaults", () => {
    expect(policy).toEqual({
      maxRetries: 6,
      baseDelayMs: 500,
      factor: 2,
      maxDelayMs: 30_000,
      jitter: 0.5,
    });
    expect(resolveRetryPolicy({ maxRetries: 0 }).maxRetries).toBe(0);
  });
});
