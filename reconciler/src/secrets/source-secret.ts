/**
 * The sealed connection string of a postgres segment source. Bound to its source by name, so a
 * ciphertext copied to another source's row does not open.
 */
import type { SecretBox } from "./secret-box.ts";

/** The associated data that binds a source's ciphertext to its row. */
export function sourceSecretContext(sourceName: string): string {
  return `source:${sourceName}`;
}

/** Encrypts a source's connection string under the active key. */
export function sealSourceSecret(
  secretBox: SecretBox,
  sourceName: string,
  connectionString: string,
): { keyId: string; ciphertext: string } {
  return secretBox.seal(connectionString, sourceSecretContext(sourceName));
}

/** Decrypts a source's connection string (to open its database when a run reads it). */
export function openSourceSecret(
  secretBox: SecretBox,
  sourceName: string,
  ciphertext: string,
): string {
  return secretBox.open(ciphertext, sourceSecretContext(sourceName));
}
