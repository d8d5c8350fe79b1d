import { describe, expect, it } from "vitest";
import { isIdleRefreshDue, refreshTokenAgeDays } from "./refresh-token-age.ts";

const refreshedAt = "2026-01-01T12:00:00.000Z";
const at = (iso: string) => new Date(iso);

describe("refresh token age", () => {
  it.each([
    ["2026-01-01T12:00:00.000Z", 0],
    ["2026-01-02T11:59:59.999Z", 0],
    ["2026-01-02T12:00:00.000Z", 1],
    ["2026-06-30T12:00:00.000Z", 180],
    ["2025-12-31T00:00:00.000Z", 0],
  ])("at %s is %i whole days", (now, days) => {
    expect(refreshTokenAgeDays(refreshedAt, at(now))).toBe(days);
  });

  it.each([
    ["2026-01-30T12:00:00.000Z", 30, false],
    ["2026-01-31T12:00:00.000Z", 30, true],
    ["2026-01-31T11:59:59.999Z", 30, false],
    ["2026-01-08T12:00:00.000Z", 7, true],
  ])("at %s with a %i-day threshold, a refresh is due: %s", (now, days, due) => {
    expect(isIdleRefreshDue(refreshedAt, at(now), days)).toBe(due);
  });
});
