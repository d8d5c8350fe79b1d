/**
 * Canonical JSON and content hashes: the same definition always gives the same hash, whatever
 * the order of its keys, so an idempotent PUT can tell "unchanged" from "changed".
 */
import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level and `undefined` members left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) sorted[key] = sortKeys(member);
    }
    return sorted;
  }
  return value;
}

/** Hex SHA-256 of the canonical JSON of `value`. */
export function hashCanonical(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** Hex SHA-256 of a string. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * A short, non-reversible fingerprint of a secret (first 16 hex digits of its SHA-256), safe to
 * show in Pulumi state and API responses so a change of secret is visible without the secret.
 */
export function fingerprint(secret: string): string {
  return `sha256:${sha256Hex(secret).slice(0, 16)}`;
}
