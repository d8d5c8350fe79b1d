/**
 * The encrypted credentials of a connection: what the ciphertext holds and how it is bound to
 * its row. Written when a connection is created or re-authorised, rewritten on every token
 * rotation.
 */
import type { ConstantContactCredentials } from "../core/connection-verifier.ts";
import type { SecretBox } from "./secret-box.ts";

/** What a connection's ciphertext holds. Access token fields appear once the client ran. */
export interface StoredCredentials extends ConstantContactCredentials {
  accessToken?: string;
  /** ISO 8601. */
  accessTokenExpiresAt?: string;
  scope?: string;
}

/** The associated data that binds a connection's ciphertext to its row. */
export function credentialsContext(connectionName: string): string {
  return `connection:${connectionName}`;
}

/** Encrypts a connection's credentials under the active key. */
export function sealCredentials(
  secretBox: SecretBox,
  connectionName: string,
  credentials: StoredCredentials,
): { keyId: string; ciphertext: string } {
  return secretBox.seal(JSON.stringify(credentials), credentialsContext(connectionName));
}

/** Decrypts a connection's credentials (for building its Constant Contact client). */
export function openCredentials(
  secretBox: SecretBox,
  record: { name: string; credentialsCiphertext: string },
): StoredCredentials {
  return JSON.parse(
    secretBox.open(record.credentialsCiphertext, credentialsContext(record.name)),
  ) as StoredCredentials;
}
