import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.ts";

const day = Date.parse("2026-05-01T00:00:00Z");

describe("RateLimiter (CONTRACT §2.1)", () => {
  it("allows 4 calls in any 1,000 ms window and slides", () => {
    const limiter = new RateLimiter();
    const at = [0, 100, 200, 300].map((offset) => limiter.take("app", day + 1000 + offset));
    expect(at).toEqual([undefined, undefined, undefined, undefined]);
    expect(limiter.take("app", day + 1999)).toBe("throttled");
    // The first call leaves the window at +1000 ms.
    expect(limiter.take("app", day + 2000)).toBeUndefined();
    expect(limiter.take("app", day + 2001)).toBe("throttled");
  });

  it("does not count rejected calls", () => {
    const limiter = new RateLimiter();
    for (let i = 0; i < 4; i += 1) limiter.take("app", day + i);
    for (let i = 0; i < 10; i += 1) expect(limiter.take("app", day + 500)).toBe("throttled");
    expect(limiter.usedToday("app", day + 500)).toBe(4);
    expect(limiter.take("app", day + 1000)).toBeUndefined();
  });

  it("keys are independent", () => {
    const limiter = new RateLimiter();
    for (let i = 0; i < 4; i += 1) limiter.take("a", day);
    expect(limiter.take("a", day)).toBe("throttled");
    expect(limiter.take("b", day)).toBeUndefined();
  });

  it("enforces the daily quota until 00:00 UTC, and quota wins over throttle", () => {
    const limiter = new RateLimiter({ perDay: 10 });
    for (let i = 0; i < 10; i += 1) expect(limiter.take("app", day + i * 1000)).toBeUndefined();
    expect(limiter.take("app", day + 10_000)).toBe("quota_exceeded");
    expect(limiter.take("app", day + 86_399_999)).toBe("quota_exceeded");
    expect(limiter.take("app", day + 86_400_000)).toBeUndefined();
    const both = new RateLimiter({ perDay: 4 });
    for (let i = 0; i < 4; i += 1) both.take("app", day);
    expect(both.take("app", day)).toBe("quota_exceeded");
  });

  it("a settable budget applies for the rest of the day only", () => {
    const limiter = new RateLimiter({ perSecond: Infinity, perDay: Infinity });
    limiter.take("app", day);
    limiter.setRemainingToday("app", 2, day);
    expect(limiter.take("app", day + 1)).toBeUndefined();
    expect(limiter.take("app", day + 2)).toBeUndefined();
    expect(limiter.take("app", day + 3)).toBe("quota_exceeded");
    expect(limiter.take("app", day + 86_400_000)).toBeUndefined();
  });
});
