import { describe, expect, it } from "vitest";
import { retryDelayMs } from "./retry-delay.ts";
import { RetryPolicySchema } from "./scheduler-config.ts";

describe("retry delays", () => {
  it("back off exponentially from the documented defaults and stop after the last attempt", () => {
    const policy = RetryPolicySchema.parse(undefined);
    expect(policy).toEqual({
      maxAttempts: 4,
      initialDelaySeconds: 60,
      backoffFactor: 4,
      maxDelaySeconds: 3_600,
    });
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(policy, attempt))).toEqual([
      60_000,
      240_000,
      960_000,
      undefined,
    ]);
  });

  it.each([
    {
      policy: { maxAttempts: 6, initialDelaySeconds: 60, backoffFactor: 4, maxDelaySeconds: 600 },
      attempt: 4,
      expected: 600_000,
    },
    {
      policy: { maxAttempts: 3, initialDelaySeconds: 0.5, backoffFactor: 1, maxDelaySeconds: 60 },
      attempt: 2,
      expected: 500,
    },
    {
      policy: { maxAttempts: 1, initialDelaySeconds: 60, backoffFactor: 2, maxDelaySeconds: 60 },
      attempt: 1,
      expected: undefined,
    },
  ])(
    "attempt $attempt of $policy.maxAttempts waits $expected ms",
    ({ policy, attempt, expected }) => {
      expect(retryDelayMs(policy, attempt)).toBe(expected);
    },
  );
});
