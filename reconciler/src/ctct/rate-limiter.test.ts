import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CtctQuotaExceededError } from "./errors.ts";
import { RateLimiter, sharedRateLimiter } from "./rate-limiter.ts";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-11-23T10:00:00.000Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts `count` acquisitions at once and records when each is granted (ms since start). */
async function grantTimes(limiter: RateLimiter, count: number, runMs: number): Promise<number[]> {
  const start = Date.now();
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    void limiter.acquire().then(() => times.push(Date.now() - start));
  }
  await vi.advanceTimersByTimeAsync(runMs);
  return times;
}

describe("RateLimiter pacing", () => {
  const cases: Array<
    [string, { requestsPerWindow?: number; windowMs?: number }, number, number[]]
  > = [
    ["4 per 1,100 ms by default", {}, 9, [0, 0, 0, 0, 1_100, 1_100, 1_100, 1_100, 2_200]],
    [
      "3 per 1,000 ms when configured",
      { requestsPerWindow: 3, windowMs: 1_000 },
      7,
      [0, 0, 0, 1_000, 1_000, 1_000, 2_000],
    ],
    ["1 per 250 ms", { requestsPerWindow: 1, windowMs: 250 }, 4, [0, 250, 500, 750]],
  ];
  it.each(cases)("%s", async (_name, options, count, expected) => {
    const limiter = new RateLimiter(options);
    expect(await grantTimes(limiter, count, 10_000)).toEqual(expected);
  });

  it("never lets more than the allowed number start within any window", async () => {
    const limiter = new RateLimiter({ requestsPerWindow: 4, windowMs: 1_000 });
    const times = await grantTimes(limiter, 40, 20_000);
    for (let i = 4; i < times.length; i += 1) {
      expect((times[i] ?? 0) - (times[i - 4] ?? 0)).toBeGreaterThanOrEqual(1_000);
    }
  });

  it("does not wait when requests are already spread out", async () => {
    const limiter = new RateLimiter({ requestsPerWindow: 4, windowMs: 1_000 });
    const times: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 8; i += 1) {
      await limiter.acquire();
      times.push(Date.now() - start);
      await vi.advanceTimersByTimeAsync(300);
    }
    expect(times).toEqual([0, 300, 600, 900, 1_200, 1_500, 1_800, 2_100]);
  });
});

describe("RateLimiter daily budget", () => {
  it("stops at the budget and says when it resets, then resumes after 00:00 UTC", async () => {
    const limiter = new RateLimiter({ dailyBudget: 3, windowMs: 1 });
    for (let i = 0; i < 3; i += 1) await limiter.acquire();
    expect(limiter.remainingToday()).toBe(0);
    expect(limiter.resetsAt().toISOString()).toBe("2026-11-24T00:00:00.000Z");
    const error = await limiter.acquire().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CtctQuotaExceededError);
    expect((error as CtctQuotaExceededError).resetsAt.toISOString()).toBe(
      "2026-11-24T00:00:00.000Z",
    );
    expect((error as CtctQuotaExceededError).code).toBe("CTCT_QUOTA_EXCEEDED");
    expect((error as Error).message).toContain("2026-11-24T00:00:00.000Z");

    vi.setSystemTime(new Date("2026-11-24T00:00:00.000Z"));
    expect(limiter.remainingToday()).toBe(3);
    expect(limiter.resetsAt().toISOString()).toBe("2026-11-25T00:00:00.000Z");
    await limiter.acquire();
    expect(limiter.remainingToday()).toBe(2);
  });

  it("markExhausted blocks until the next UTC day", async () => {
    const limiter = new RateLimiter({ dailyBudget: 100 });
    limiter.markExhausted();
    expect(limiter.remainingToday()).toBe(0);
    await expect(limiter.acquire()).rejects.toBeInstanceOf(CtctQuotaExceededError);
    vi.setSystemTime(new Date("2026-11-24T00:00:01.000Z"));
    expect(limiter.remainingToday()).toBe(100);
  });

  const reservationCases: Array<[string, number, number, boolean]> = [
    // budget, reserve, fits
    ["fits exactly", 10, 10, true],
    ["one too many", 10, 11, false],
    ["zero always fits", 0, 0, true],
  ];
  it.each(reservationCases)("fitsToday: %s", (_name, budget, count, fits) => {
    const limiter = new RateLimiter({ dailyBudget: budget });
    expect(limiter.fitsToday(count)).toBe(fits);
  });

  it("a reservation is kept from others and spent by its holder", async () => {
    const limiter = new RateLimiter({ dailyBudget: 10, windowMs: 1 });
    const reservation = limiter.reserve(6);
    expect(limiter.remainingToday()).toBe(4);
    expect(() => limiter.reserve(5)).toThrow(CtctQuotaExceededError);
    for (let i = 0; i < 6; i += 1) {
      await limiter.acquire(reservation);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(reservation.remaining).toBe(0);
    expect(limiter.remainingToday()).toBe(4);
    const second = limiter.reserve(3);
    await limiter.acquire(second);
    second.release();
    expect(limiter.remainingToday()).toBe(3);
  });
});

describe("sharedRateLimiter", () => {
  it("returns one limiter per application key", () => {
    const a = sharedRateLimiter("key-a-rate-limiter-test");
    expect(sharedRateLimiter("key-a-rate-limiter-test")).toBe(a);
    expect(sharedRateLimiter("key-b-rate-limiter-test")).not.toBe(a);
  });
});
