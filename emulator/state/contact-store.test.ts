import { describe, expect, it } from "vitest";
import { ContactStore } from "./contact-store.ts";
import { newUuidPrefix } from "../ids.ts";

describe("ContactStore", () => {
  it("matches emails trimmed and case-insensitively, keeping the first casing (CONTRACT §2.3)", () => {
    const store = new ContactStore(newUuidPrefix());
    const index = store.create(" Ann@Example.com ", 1000, 1);
    expect(store.findByEmail("ann@EXAMPLE.com")).toBe(index);
    expect(store.emails[index]).toBe("Ann@Example.com");
    expect(store.findByEmail("bob@example.com")).toBeUndefined();
  });

  it("derives UUID-shaped ids from the index and maps them back", () => {
    const store = new ContactStore(newUuidPrefix());
    const indices = [store.create("a@example.com", 0, 1), store.create("b@example.com", 0, 1)];
    for (const index of indices) {
      const id = store.idOf(index);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(store.indexOfId(id)).toBe(index);
      expect(store.indexOfId(id.toUpperCase())).toBe(index);
    }
    const other = new ContactStore(newUuidPrefix());
    expect(other.indexOfId(store.idOf(0))).toBeUndefined();
    expect(store.indexOfId(store.idOf(0).replace(/0$/, "9"))).toBeUndefined();
    expect(store.indexOfId("not-a-uuid")).toBeUndefined();
  });
});
