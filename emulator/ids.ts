/** Identifiers the emulator hands out. */
import { randomBytes, randomUUID } from "node:crypto";

/** A random v4 UUID (CONTRACT conventions: ids are UUIDs). */
export function newUuid(): string {
  return randomUUID();
}

/**
 * The first 23 characters of a v4-shaped UUID (`xxxxxxxx-xxxx-4xxx-8xxx`); contact ids append
 * 12 hex digits of the contact index, so ids need no storage.
 */
export function newUuidPrefix(): string {
  const hex = randomBytes(8).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-8${hex.slice(13, 16)}`;
}

/** An opaque random token of `bytes` random bytes, base64url. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** An account id shaped like the real `encoded_account_id` (12 lower-case letters and digits). */
export function newAccountId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(8);
  let id = "a07e";
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}
