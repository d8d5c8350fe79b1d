import { describe, expect, it } from "vitest";
import { EmulatorHttpError } from "./http-errors.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";

describe("cursor encoding (CONTRACT §4)", () => {
  it("round-trips filters, limit and position as base64url", () => {
    const state = { filters: { lists: "a,b", status: "all" }, limit: 20, after: 41, generation: 0 };
    const cursor = encodeCursor(state);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(state);
  });

  const bad = [
    "garbage!",
    Buffer.from("not json").toString("base64url"),
    Buffer.from("[]").toString("base64url"),
    Buffer.from(JSON.stringify({ f: {}, l: 0, a: 1, g: 0 })).toString("base64url"),
    Buffer.from(JSON.stringify({ f: {}, l: 5, a: "x", g: 0 })).toString("base64url"),
    Buffer.from(JSON.stringify({ f: { x: 1 }, l: 5, a: 1, g: 0 })).toString("base64url"),
  ];
  it.each(bad)("rejects %j with a 400 validation error", (cursor) => {
    let caught: unknown;
    try {
      decodeCursor(cursor);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EmulatorHttpError);
    expect((caught as EmulatorHttpError).status).toBe(400);
    expect((caught as EmulatorHttpError).body).toEqual([
      {
        error_key: "contacts.api.validation.error",
        error_message: "cursor is invalid or has expired",
      },
    ]);
  });

  it("rejects a cursor from an invalidated generation", () => {
    const cursor = encodeCursor({ filters: {}, limit: 5, after: 3, generation: 0 });
    expect(() => decodeCursor(cursor, 1)).toThrow(EmulatorHttpError);
  });
});
