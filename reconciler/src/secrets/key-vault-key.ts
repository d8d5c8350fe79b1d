/**
 * The encryption key from Azure Key Vault, when `secrets.keyVault` asks for it: read once at
 * start and put under `secrets.activeKeyId`, as if it had been configured directly. The value is
 * checked like a configured key and never appears in an error.
 */
import { ConfigError, type ReconcilerConfig } from "../config.ts";
import { readKeyVaultSecret, type KeyVaultSecretRequest } from "./key-vault.ts";

const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;

/** The config with the Key Vault key added; the same config when none is asked for. */
export async function withKeyVaultKey(
  config: ReconcilerConfig,
  read: (request: KeyVaultSecretRequest) => Promise<string> = readKeyVaultSecret,
): Promise<ReconcilerConfig> {
  const vault = config.secrets.keyVault;
  if (vault === undefined) return config;
  const value = (
    await read({
      vaultUrl: vault.vaultUrl,
      name: vault.secretName,
      ...(vault.managedIdentityClientId === undefined
        ? {}
        : { managedIdentityClientId: vault.managedIdentityClientId }),
    })
  ).trim();
  if (!BASE64_KEY.test(value) || Buffer.from(value, "base64").length !== 32) {
    throw new ConfigError(
      `invalid configuration:\n✖ Key Vault secret '${vault.secretName}' is not 32 bytes in base64 ` +
        "(44 characters); store one made with `openssl rand -base64 32`\n  → at secrets.keyVault",
    );
  }
  const { activeKeyId } = config.secrets;
  return {
    ...config,
    secrets: { ...config.secrets, keys: { ...config.secrets.keys, [activeKeyId]: value } },
  };
}
