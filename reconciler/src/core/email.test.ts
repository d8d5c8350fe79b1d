import { describe, expect, it } from "vitest";
import { normalizeEmail, plainEmailKey } from "./email.ts";
import type { EmailRejection } from "./email.ts";

describe("normalizeEmail", () => {
  const accepted: Array<[string, string]> = [
    ["ann@example.com", "ann@example.com"],
    ["  Ann.Lee@Example.COM\t", "ann.lee@example.com"],
    ["a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"],
    ["x@a-b.io", "x@a-b.io"],
    ["o'neil@example.org", "o'neil@example.org"],
    [`${"a".repeat(38)}@example.com`, `${"a".repeat(38)}@example.com`], // 50 characters
  ];
  it.each(accepted)("accepts %j as %j", (raw, key) => {
    expect(normalizeEmail(raw)).toEqual({ ok: true, key });
  });

  const rejected: Array<[string | undefined, EmailRejection]> = [
    [undefined, "email-missing"],
    ["   ", "email-missing"],
    [`${"a".repeat(39)}@example.com`, "email-too-long"], // 51 characters
    ["ann.example.com", "email-at-sign"],
    ["ann@@example.com", "email-at-sign"],
    ["a@b@example.com", "email-at-sign"],
    ["@example.com", "email-local-part-empty"],
    ["ann lee@example.com", "email-forbidden-character"],
    ["ann,lee@example.com", "email-forbidden-character"],
    ["ann;lee@example.com", "email-forbidden-character"],
    ["<ann@example.com>", "email-forbidden-character"],
    ["ann(x)@example.com", "email-forbidden-character"],
    ["[ann]@example.com", "email-forbidden-character"],
    ['"ann"@example.com', "email-forbidden-character"],
    ["ann\u0001@example.com", "email-forbidden-character"],
    ["ann@localhost", "email-domain"],
    ["ann@-example.com", "email-domain"],
    ["ann@example-.com", "email-domain"],
    ["ann@example..com", "email-domain"],
    ["ann@exa_mple.com", "email-domain"],
    ["ann@example.", "email-domain"],
    ["ann@example.c", "email-top-level-domain"],
    ["ann@example.c0m", "email-top-level-domain"],
    ["ann@example.123", "email-top-level-domain"],
  ];
  it.each(rejected)("rejects %j with %s", (raw, reason) => {
    const check = normalizeEmail(raw);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.reason).toBe(reason);
      if (raw !== undefined && raw.trim() !== "") expect(check.message).not.toContain(raw.trim());
    }
  });
});

describe("plainEmailKey", () => {
  it.each([
    ["ann@example.com", "ann@example.com"],
    ["  Ann.Lee@Example.COM\t", "ann.lee@example.com"],
    ["zoë@example.com", undefined],
    ["ann@localhost", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%j → %j, never a key normalizeEmail would not give", (raw, key) => {
    expect(plainEmailKey(raw)).toBe(key);
    const check = normalizeEmail(raw);
    if (key !== undefined) expect(check).toEqual({ ok: true, key });
  });
});
