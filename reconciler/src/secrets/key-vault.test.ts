import { describe, expect, it } from "vitest";
import { ValidationError } from "../core/errors.ts";
import { checkKeyVaultSecretRequest, readKeyVaultSecret } from "./key-vault.ts";
import type { KeyVaultSecretRequest } from "./key-vault.ts";

const valid: KeyVaultSecretRequest = {
  vaultUrl: "https://ccx-kv1234.vault.azure.net/",
  name: "ccx-encryption-key",
};

describe("checkKeyVaultSecretRequest", () => {
  it.each([
    ["https://ccx-kv1234.vault.azure.net/", "https://ccx-kv1234.vault.azure.net"],
    ["https://ccx-kv1234.vault.azure.net", "https://ccx-kv1234.vault.azure.net"],
    ["https://ccx-kv.vault.azure.cn", "https://ccx-kv.vault.azure.cn"],
  ])("accepts %s as %s", (vaultUrl, origin) => {
    expect(checkKeyVaultSecretRequest({ ...valid, vaultUrl })).toBe(origin);
  });

  it.each<[string, Partial<KeyVaultSecretRequest>, RegExp]>([
    ["a name, not a URL", { vaultUrl: "ccx-kv1234" }, /not a URL/],
    ["plain http", { vaultUrl: "http://ccx-kv1234.vault.azure.net" }, /https/],
    ["a secret URI", { vaultUrl: "https://ccx-kv.vault.azure.net/secrets/x" }, /end at the host/],
    ["a query", { vaultUrl: "https://ccx-kv.vault.azure.net/?a=b" }, /query/],
    ["credentials", { vaultUrl: "https://u:p@ccx-kv.vault.azure.net" }, /credentials/],
    ["an empty name", { name: "" }, /secret name/],
    ["an underscore", { name: "ccx_key" }, /secret name/],
    ["a long name", { name: "a".repeat(128) }, /secret name/],
    ["a bad version", { version: "latest" }, /version/],
    ["a principal name as client id", { managedIdentityClientId: "ccx-reconciler" }, /GUID/],
  ])("rejects %s", (_case, change, message) => {
    let thrown: unknown;
    try {
      checkKeyVaultSecretRequest({ ...valid, ...change });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).code).toBe("VALIDATION_FAILED");
    expect((thrown as ValidationError).message).toMatch(message);
  });

  it("accepts a version and a client id", () => {
    expect(
      checkKeyVaultSecretRequest({
        ...valid,
        version: "0123456789abcdef0123456789ABCDEF",
        managedIdentityClientId: "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
      }),
    ).toBe("https://ccx-kv1234.vault.azure.net");
  });
});

describe("readKeyVaultSecret", () => {
  it("rejects an invalid request before contacting Azure", async () => {
    await expect(
      readKeyVaultSecret({ ...valid, vaultUrl: "http://127.0.0.1:1" }),
    ).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
  });
});
