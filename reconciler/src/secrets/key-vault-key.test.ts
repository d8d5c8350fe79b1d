import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../config.ts";
import type { KeyVaultSecretRequest } from "./key-vault.ts";
import { withKeyVaultKey } from "./key-vault-key.ts";

const vaultConfig = () =>
  parseConfig({
    secrets: {
      activeKeyId: "kv",
      keyVault: { vaultUrl: "https://ccx-kv.vault.azure.net", secretName: "ccx-encryption-key" },
    },
  });

describe("the encryption key from Key Vault", () => {
  it("leaves a config without secrets.keyVault alone, reading nothing", async () => {
    const config = parseConfig({});
    const read = () => Promise.reject(new Error("must not be called"));
    expect(await withKeyVaultKey(config, read)).toBe(config);
  });

  it("reads the named secret and makes it the active key", async () => {
    const key = randomBytes(32).toString("base64");
    const requests: KeyVaultSecretRequest[] = [];
    const config = await withKeyVaultKey(vaultConfig(), (request) => {
      requests.push(request);
      return Promise.resolve(`${key}\n`);
    });
    expect(requests).toEqual([
      { vaultUrl: "https://ccx-kv.vault.azure.net", name: "ccx-encryption-key" },
    ]);
    expect(config.secrets.keys).toEqual({ kv: key });
  });

  it("refuses a secret that is not a 32-byte key, without showing it", async () => {
    const failure = await withKeyVaultKey(vaultConfig(), () =>
      Promise.resolve("hunter2-not-a-key"),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toMatch(/not 32 bytes in base64/);
    expect((failure as Error).message).not.toContain("hunter2");
  });

  it("takes the vault and secret from CCX_KEY_VAULT_URL and CCX_KEY_VAULT_SECRET_NAME", async () => {
    const { loadConfig } = await import("../config.ts");
    const config = loadConfig({
      env: {
        CCX_KEY_VAULT_URL: "https://ccx-kv.vault.azure.net",
        CCX_KEY_VAULT_SECRET_NAME: "ccx-key",
      },
    });
    expect(config.secrets.keyVault).toEqual({
      vaultUrl: "https://ccx-kv.vault.azure.net",
      secretName: "ccx-key",
    });
  });
});
