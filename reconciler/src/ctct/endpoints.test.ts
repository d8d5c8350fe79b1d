import { describe, expect, it } from "vitest";
import { CtctApiError } from "./errors.ts";
import { apiUrl, resolveHref } from "./endpoints.ts";

describe("resolveHref (CONTRACT §4)", () => {
  const cases: Array<[string, string, string]> = [
    [
      "https://api.cc.email/v3",
      "/v3/contacts?cursor=bGltaXQ9MSZuZXh0PTI=",
      "https://api.cc.email/v3/contacts?cursor=bGltaXQ9MSZuZXh0PTI=",
    ],
    [
      "http://127.0.0.1:4010/v3",
      "/v3/contacts?cursor=a%2Fb|c",
      "http://127.0.0.1:4010/v3/contacts?cursor=a%2Fb|c",
    ],
    [
      "http://127.0.0.1:4010/v3/",
      "/v3/contact_exports/abc",
      "http://127.0.0.1:4010/v3/contact_exports/abc",
    ],
    [
      "https://api.cc.email/v3",
      "https://api.cc.email/v3/activities?cursor=x",
      "https://api.cc.email/v3/activities?cursor=x",
    ],
  ];
  it.each(cases)("%s + %s", (base, href, expected) => {
    expect(resolveHref(base, href)).toBe(expected);
  });

  it("refuses a link to another host (the bearer token would go with it)", () => {
    expect(() => resolveHref("https://api.cc.email/v3", "https://elsewhere.example/v3/x")).toThrow(
      CtctApiError,
    );
  });
});

describe("apiUrl", () => {
  const cases: Array<[string, Record<string, string | number | undefined>, string]> = [
    [
      "/contacts",
      { lists: "L1", limit: 500, include: undefined },
      "https://api.cc.email/v3/contacts?lists=L1&limit=500",
    ],
    [
      "/contact_lists",
      { name: "VIP & Friends" },
      "https://api.cc.email/v3/contact_lists?name=VIP+%26+Friends",
    ],
    ["/account/summary", {}, "https://api.cc.email/v3/account/summary"],
  ];
  it.each(cases)("%s %j", (path, query, expected) => {
    expect(apiUrl("https://api.cc.email/v3", path, query)).toBe(expected);
  });
});
