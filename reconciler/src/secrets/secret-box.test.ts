import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.ts";
import { SecretBox } from "./secret-box.ts";

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe("SecretBox", () => {
  it("round-trips and never shows the plaintext in the ciphertext", () => {
    const box = new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", k1]]) });
    const sealed = box.seal("refresh-token-value", "connection:a");
    expect(sealed.keyId).toBe("k1");
    expect(sealed.ciphertext).not.toContain("refresh-token-value");
    expect(sealed.ciphertext.startsWith("v1.k1.")).toBe(true);
    expect(box.open(sealed.ciphertext, "connection:a")).toBe("refresh-token-value");
  });

  it("uses a fresh IV each time", () => {
    const box = new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", k1]]) });
    expect(box.seal("same", "x").ciphertext).not.toBe(box.seal("same", "x").ciphertext);
  });

  it("refuses a ciphertext moved to another row (associated data differs)", () => {
    const box = new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", k1]]) });
    const sealed = box.seal("secret", "connection:a");
    expect(() => box.open(sealed.ciphertext, "connection:b")).toThrow(/failed authentication/);
  });

  it("reads old secrets after rotation and seals new ones with the active key", () => {
    const old = new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", k1]]) });
    const sealed = old.seal("secret", "c");
    const rotated = new SecretBox({
      activeKeyId: "k2",
      keys: new Map([
        ["k1", k1],
        ["k2", k2],
      ]),
    });
    expect(rotated.open(sealed.ciphertext, "c")).toBe("secret");
    expect(rotated.needsRotation(sealed.ciphertext)).toBe(true);
    expect(rotated.seal("secret", "c").keyId).toBe("k2");
  });

  it("names a missing key and rejects keys of the wrong size", () => {
    const sealed = new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", k1]]) }).seal("s", "c");
    const other = new SecretBox({ activeKeyId: "k2", keys: new Map([["k2", k2]]) });
    const error = (() => {
      try {
        other.open(sealed.ciphertext, "c");
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("SECRET_KEY_UNKNOWN");
    expect(
      () => new SecretBox({ activeKeyId: "k", keys: new Map([["k", randomBytes(16)]]) }),
    ).toThrow(/32/);
  });
});
