import { describe, expect, it } from "vitest";
import { concealKeys, holdsSecret, revealSecrets, secretKeysOf } from "./secrets.ts";

const SIG = "4dabf18193072939515e22adb298388d";
const secret = (value: unknown) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", value });

describe("secrets on the wire", () => {
  const inputs = {
    name: "marketing",
    credentials: { clientId: "id", clientSecret: secret("s3cr3t"), refreshToken: secret("rt") },
    list: [secret("a"), "b"],
  };

  it("reveals secrets at any depth", () => {
    expect(revealSecrets(inputs)).toEqual({
      name: "marketing",
      credentials: { clientId: "id", clientSecret: "s3cr3t", refreshToken: "rt" },
      list: ["a", "b"],
    });
  });

  it("finds the top-level keys that hold a secret", () => {
    expect(secretKeysOf(inputs)).toEqual(["credentials", "list"]);
    expect(holdsSecret({ a: 1, b: ["x"] })).toBe(false);
  });

  it("conceals whole properties, including ones passed in clear, and skips absent ones", () => {
    const plain = revealSecrets(inputs);
    expect(concealKeys(plain, ["credentials", "connectionString"])).toEqual({
      ...plain,
      credentials: secret({ clientId: "id", clientSecret: "s3cr3t", refreshToken: "rt" }),
    });
    // Already wrapped parts are not wrapped twice.
    expect(concealKeys(inputs, ["list"])["list"]).toEqual(secret(["a", "b"]));
  });
});
