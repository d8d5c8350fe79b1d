/**
 * API tokens: `ccx_` followed by 32 random bytes (base64url). Only the SHA-256 of a token is
 * stored. A slow password hash (bcrypt, scrypt, argon2) is not needed: those protect low-entropy
 * secrets that people choose, against guessing. A 256-bit random token cannot be guessed, so a
 * single fast hash already makes a stolen table useless, and lookups stay one indexed query.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** The recognisable prefix, so secret scanners and people can tell a ccx token when they see one. */
export const TOKEN_PREFIX = "ccx_";

/** A new random token. Show it once; store only {@link hashToken} of it. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** The stored form of a token: hex SHA-256. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Compares two token hashes in constant time. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** True when `value` has the shape of a ccx token (prefix and 43 base64url characters). */
export function looksLikeToken(value: string): boolean {
  return /^ccx_[A-Za-z0-9_-]{43}$/.test(value);
}
