/**
 * Reads one secret from Azure Key Vault with an Azure identity.
 *
 * On Azure Container Apps this is not needed: the app declares Key Vault references and the
 * platform resolves them into environment variables (`CCX_ENCRYPTION_KEY`, …) with the managed
 * identity, so the reconciler only reads its environment (docs/deploy-azure.md). This function
 * is the alternative for hosts without that feature (a VM, AKS without the CSI driver): fetch
 * the secret at start, then hand the value to the config.
 *
 * The identity comes from `DefaultAzureCredential`: a managed identity on Azure (pass the
 * user-assigned identity's client id, or let the SDK read `AZURE_CLIENT_ID`), workload
 * identity, or a developer's `az login`.
 */
import { DefaultAzureCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import { AppError, ValidationError } from "../core/errors.ts";

/** Which secret to read, and as whom. */
export interface KeyVaultSecretRequest {
  /**
   * The vault's URL (its `vaultUri`), nothing after the host.
   * @example "https://ccx-kv1234abcd.vault.azure.net"
   */
  vaultUrl: string;
  /** Secret name: 1–127 letters, digits and dashes. @example "ccx-encryption-key" */
  name: string;
  /** A specific version (32 hex characters). @default the current version */
  version?: string;
  /**
   * Client id of the user-assigned managed identity to use.
   * @default the SDK's choice (`AZURE_CLIENT_ID` when set, else the system-assigned identity)
   */
  managedIdentityClientId?: string;
  /** A credential to use instead of `DefaultAzureCredential`. */
  credential?: TokenCredential;
}

const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;
const SECRET_VERSION = /^[0-9a-f]{32}$/i;
const CLIENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks a request without contacting Azure and returns the normalised vault URL
 * (`https://<host>`). Throws `ValidationError` (`VALIDATION_FAILED`) saying what to fix.
 */
export function checkKeyVaultSecretRequest(request: KeyVaultSecretRequest): string {
  let url: URL;
  try {
    url = new URL(request.vaultUrl);
  } catch (error) {
    throw new ValidationError(
      `vault URL '${request.vaultUrl}' is not a URL; use the vault's URI, e.g. https://<vault>.vault.azure.net`,
      { cause: error },
    );
  }
  if (url.protocol !== "https:") {
    throw new ValidationError("vault URL must use https:// (Key Vault accepts only TLS)");
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new ValidationError("vault URL must not carry credentials, a query or a fragment");
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    throw new ValidationError(
      `vault URL must end at the host (got path '${url.pathname}'); pass the secret as \`name\``,
    );
  }
  if (!SECRET_NAME.test(request.name)) {
    throw new ValidationError(
      `secret name '${request.name}' is invalid; Key Vault names are 1–127 letters, digits and dashes`,
    );
  }
  if (request.version !== undefined && !SECRET_VERSION.test(request.version)) {
    throw new ValidationError("secret version must be 32 hexadecimal characters, or left out");
  }
  if (
    request.managedIdentityClientId !== undefined &&
    !CLIENT_ID.test(request.managedIdentityClientId)
  ) {
    throw new ValidationError(
      "managed identity client id must be a GUID (the identity's `clientId`, not its principal id)",
    );
  }
  return url.origin;
}

/** The HTTP status of an Azure SDK `RestError`, when there is one. */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("statusCode" in error)) return undefined;
  return typeof error.statusCode === "number" ? error.statusCode : undefined;
}

/**
 * Reads the secret's value. Errors are `AppError`s without the value in them:
 * `VALIDATION_FAILED` (bad request), `KEY_VAULT_SECRET_NOT_FOUND`, `KEY_VAULT_SECRET_EMPTY`,
 * `KEY_VAULT_ACCESS_DENIED`, `AZURE_CREDENTIAL_UNAVAILABLE`, and `KEY_VAULT_UNAVAILABLE`
 * (retryable).
 * @example
 * const key = await readKeyVaultSecret({ vaultUrl, name: "ccx-encryption-key" });
 */
export async function readKeyVaultSecret(request: KeyVaultSecretRequest): Promise<string> {
  const vaultUrl = checkKeyVaultSecretRequest(request);
  const credential =
    request.credential ??
    new DefaultAzureCredential(
      request.managedIdentityClientId === undefined
        ? {}
        : { managedIdentityClientId: request.managedIdentityClientId },
    );
  const client = new SecretClient(vaultUrl, credential);
  const what = `secret '${request.name}' in ${vaultUrl}`;
  let value: string | undefined;
  try {
    const secret = await client.getSecret(
      request.name,
      request.version === undefined ? {} : { version: request.version },
    );
    value = secret.value;
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) {
      throw new AppError(
        "KEY_VAULT_SECRET_NOT_FOUND",
        `${what} does not exist; create it (\`az keyvault secret set --vault-name <vault> --name ${request.name} --file …\`) or fix the name`,
        { cause: error },
      );
    }
    if (status === 401 || status === 403) {
      throw new AppError(
        "KEY_VAULT_ACCESS_DENIED",
        `reading ${what} was refused; give this identity the 'Key Vault Secrets User' role on the vault (role assignments can take a few minutes to apply)`,
        { cause: error },
      );
    }
    if (error instanceof Error && error.name === "CredentialUnavailableError") {
      throw new AppError(
        "AZURE_CREDENTIAL_UNAVAILABLE",
        `no Azure identity is available to read ${what}; on Azure attach a managed identity (and set AZURE_CLIENT_ID for a user-assigned one), elsewhere run \`az login\``,
        { cause: error },
      );
    }
    throw new AppError("KEY_VAULT_UNAVAILABLE", `could not read ${what}; try again shortly`, {
      cause: error,
      retryable: true,
    });
  }
  if (value === undefined || value === "") {
    throw new AppError("KEY_VAULT_SECRET_EMPTY", `${what} has no value; set one`);
  }
  return value;
}
