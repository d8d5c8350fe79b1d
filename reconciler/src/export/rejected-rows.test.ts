import { describe, expect, it } from "vitest";
import { maskEmail, rejectedRows } from "./rejected-rows.ts";

describe("rejectedRows", () => {
  const chunk = {
    index: 2,
    keys: Buffer.from("a@x.io\nbo@y.io\ncy@z.io"),
    kinds: Buffer.from("aua"),
  };

  it.each([
    [
      "a row error names the key by its 1-based row",
      ["Row 2: invalid email address."],
      ["bo@y.io"],
      0,
    ],
    ["an add counts as a rejected add", ["Row 3: the row was rejected."], ["cy@z.io"], 1],
    [
      "notes about ignored values are not rejections",
      ["Row 1: Unknown custom field x; the value was ignored."],
      [],
      0,
    ],
    ["messages without a row are skipped", ["The activity failed."], [], 0],
    ["a row past the chunk is skipped", ["Row 9: invalid email address."], [], 0],
  ])("%s", (_name, errors, keys, rejectedAdds) => {
    const result = rejectedRows(chunk, errors);
    expect(result.keys).toEqual(keys);
    expect(result.rejectedAdds).toBe(rejectedAdds);
    expect(result.samples.map((sample) => sample.chunk)).toEqual(keys.map(() => 2));
  });

  it("names non-ASCII keys from their UTF-8 bytes", () => {
    const wide = {
      index: 0,
      keys: Buffer.from("zoë@exämple.com\n中村@例え.jp"),
      kinds: Buffer.from("ua"),
    };
    const result = rejectedRows(wide, ["Row 2: invalid email address."]);
    expect([result.keys, result.rejectedAdds]).toEqual([["中村@例え.jp"], 1]);
  });

  it("samples carry a masked e-mail and the reason", () => {
    expect(rejectedRows(chunk, ["Row 2: invalid email address."]).samples).toEqual([
      { chunk: 2, row: 2, email: "b***@y.io", reason: "invalid email address." },
    ]);
  });
});

describe("maskEmail", () => {
  it.each([
    ["ann@example.com", "a***@example.com"],
    ["x@y.io", "x***@y.io"],
    ["no-at-sign", "***"],
  ])("%s → %s", (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });
});
