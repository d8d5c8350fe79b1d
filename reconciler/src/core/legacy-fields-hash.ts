/**
 * The field hash of snapshots written before the 64-bit hash of `row-hash.ts`: the first 16 hex
 * digits of the SHA-256 of `JSON.stringify([first, last, job, company, phone, [[name, value], …]])`.
 * It is computed only to compare with such snapshots: a desired contact whose fields hash as its
 * old entry did is unchanged, and the snapshot the run writes holds the new hash, so each export
 * pays it on one run after the upgrade and never again (ADR 0010, 2026-12 addendum). Pure.
 */
import { hash } from "node:crypto";
import { decodeFields } from "./contact-fields.ts";
import type { MappedContact } from "./contact-fields.ts";
import { isLegacyFieldsHash } from "./row-hash.ts";

/** The SHA-256 field hash of a contact (16 hex digits). */
export function legacyFieldsHash(contact: MappedContact): string {
  const first = contact.firstName ?? "";
  const last = contact.lastName ?? "";
  const job = contact.jobTitle ?? "";
  const company = contact.companyName ?? "";
  const phone = contact.phone ?? "";
  const parts: unknown[] = [first, last, job, company, phone];
  parts.push(
    Object.entries(contact.customFields ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return hash("sha256", JSON.stringify(parts), "hex").slice(0, 16);
}

/**
 * True when a desired contact's fields are the ones a snapshot entry's hash was taken of,
 * whichever scheme the entry used. `fields` is the desired contact's stored fields text; items
 * without one compare by hash alone.
 */
export function sameFieldsHash(
  desired: { key: string; hash: string; fields?: unknown },
  previousHash: string,
): boolean {
  if (desired.hash === previousHash) return true;
  if (typeof desired.fields !== "string" || !isLegacyFieldsHash(previousHash)) return false;
  if (isLegacyFieldsHash(desired.hash)) return false;
  return legacyFieldsHash(decodeFields(desired.key, desired.fields)) === previousHash;
}
