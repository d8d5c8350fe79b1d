import { describe, expect, it } from "vitest";
import { applyImport, parseImportRow, truncateImportItems } from "./import.ts";
import { Account } from "./state/account.ts";

function account(): Account {
  return new Account("a1", "Org", "o@example.com");
}

describe("truncateImportItems (CONTRACT §2.3 over 4 MB)", () => {
  it("keeps everything under the limit and whole items only above it", () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ email: `u${i}@example.com` }));
    expect(truncateImportItems(items, 1000, 4_000_000)).toHaveLength(100);
    const kept = truncateImportItems(items, 5000, 1000);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(100);
    expect(kept).toEqual(items.slice(0, kept.length));
  });
});

describe("parseImportRow", () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ email: "a@example.com" }, "ok"],
    [{ email: "bad" }, "correctable"],
    [{ first_name: "x" }, "correctable"],
    [{ email: "a@example.com", birthday_month: 2 }, "correctable"],
    [{ email: "a@example.com", birthday_month: 13, birthday_day: 1 }, "correctable"],
    [{ email: "a@example.com", birthday_month: "2", birthday_day: "31" }, "ok"],
    [{ email: "a@example.com", anniversary: "2020-13-01" }, "correctable"],
    [{ email: "a@example.com", first_name: "x".repeat(51) }, "error"],
    [{ email: "a@example.com", first_name: "" }, "ok"],
  ];
  it.each(cases)("%j → %s", (item, kind) => {
    expect(parseImportRow(item, account()).kind).toBe(kind);
  });
});

describe("applyImport (CONTRACT §2.3)", () => {
  it("maps address keys, keeps first casing, later rows win, unknown cf reported", () => {
    const a = account();
    const list = a.createList("L", undefined, false, 0);
    a.createCustomField("Favourite colour", "string", 0);
    const result = applyImport(
      a,
      [
        {
          email: "Ann@Example.com",
          first_name: "Ann",
          street: "1 Main St",
          street2: "Apt 2",
          zip: "02451",
          phone: "555",
        },
        {
          email: "ann@example.com",
          first_name: "Annie",
          "cf:Favourite_colour": "blue",
          "cf:nope": "x",
        },
      ],
      [list.id],
      1,
      1000,
      new Map(),
    );
    expect(result.status).toMatchObject({ person_count: 2, error_count: 0, correctable_count: 0 });
    expect(result.errors).toEqual(["Row 2: Unknown custom field nope; the value was ignored."]);
    const index = a.contacts.findByEmail("ANN@example.com") ?? -1;
    expect(a.contacts.emails[index]).toBe("Ann@Example.com");
    expect(a.contacts.firstName[index]).toBe("Annie");
    const extras = a.contacts.extras.get(index);
    expect(extras?.addresses?.get("home")).toEqual({
      street: "1 Main St Apt 2",
      postal_code: "02451",
    });
    expect(extras?.phones?.get("other")).toBe("555");
    expect([...(extras?.customFields?.values() ?? [])]).toEqual(["blue"]);
    expect(list.members.size).toBe(1);
  });
});
