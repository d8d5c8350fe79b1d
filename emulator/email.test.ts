import { describe, expect, it } from "vitest";
import { emailKey, validateEmail } from "./email.ts";

describe("validateEmail (CONTRACT §2.4)", () => {
  const cases: Array<[string, string | undefined, "import" | "contact"]> = [
    ["ann@example.com", "ann@example.com", "import"],
    ["  Ann@Example.COM ", "Ann@Example.COM", "import"],
    ["a.b+tag@sub.example.co", "a.b+tag@sub.example.co", "import"],
    ["a@b-c.example.org", "a@b-c.example.org", "import"],
    ["", undefined, "import"],
    ["no-at.example.com", undefined, "import"],
    ["two@@example.com", undefined, "import"],
    ["a@b@example.com", undefined, "import"],
    ["@example.com", undefined, "import"],
    ["a b@example.com", undefined, "import"],
    ["a,b@example.com", undefined, "import"],
    ["a;b@example.com", undefined, "import"],
    ["<a@example.com>", undefined, "import"],
    ["a(b)@example.com", undefined, "import"],
    ["a[b]@example.com", undefined, "import"],
    ['"a"@example.com', undefined, "import"],
    ["a@localhost", undefined, "import"],
    ["a@-example.com", undefined, "import"],
    ["a@example-.com", undefined, "import"],
    ["a@example..com", undefined, "import"],
    ["a@example.c", undefined, "import"],
    ["a@example.c0m", undefined, "import"],
    ["a@exa_mple.com", undefined, "import"],
    [`${"a".repeat(38)}@example.com`, `${"a".repeat(38)}@example.com`, "import"],
    [`${"a".repeat(39)}@example.com`, undefined, "import"],
    [`${"a".repeat(39)}@example.com`, `${"a".repeat(39)}@example.com`, "contact"],
    [`${"a".repeat(69)}@example.com`, undefined, "contact"],
  ];
  it.each(cases)("%j → %j (%s)", (input, expected, context) => {
    expect(validateEmail(input, context)).toBe(expected);
  });
});

describe("emailKey (CONTRACT §2.3)", () => {
  it("trims and lower-cases", () => {
    expect(emailKey("  Ann@Example.COM ")).toBe("ann@example.com");
  });
});
