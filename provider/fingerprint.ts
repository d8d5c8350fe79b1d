import { createHash } from "node:crypto";

/**
 * A truncated SHA-256 of secret values: enough to notice that a secret changed, useless for
 * recovering it (the inputs are long random tokens).
 */
export function fingerprint(...values: string[]): string {
  const hash = createHash("sha256");
  for (const value of values) hash.update(value).update("\u0000");
  return `sha256:${hash.digest("hex").slice(0, 16)}`;
}
