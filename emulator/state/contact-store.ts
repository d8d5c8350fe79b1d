/**
 * Contacts of one account, stored column-wise so a million of them fit in a few hundred MB:
 * parallel arrays indexed by a dense contact index, a Map from lower-cased email to index
 * (CONTRACT §2.3 matching), and rarely-used fields in a sparse side Map.
 */
import { emailKey } from "../email.ts";

/** CONTRACT §2.5 `permission_to_send` values; the array index is the stored code. */
export const permissions = [
  "explicit",
  "implicit",
  "not_set",
  "pending_confirmation",
  "temp_hold",
  "unsubscribed",
] as const;
/** A `permission_to_send` value. */
export type Permission = (typeof permissions)[number];
/** Stored code of `unsubscribed`. */
export const unsubscribedCode = 5;

/** A street address as stored (`kind` is the key of the Map that holds it). */
export interface StoredAddress {
  street?: string;
  city?: string;
  state?: string;
  postal_code?: string;
  country?: string;
}

/** Fields most contacts never have, kept out of the dense columns. */
export interface ContactExtras {
  optInSource?: "Account" | "Contact";
  optOutSource?: "Account" | "Contact";
  optOutDate?: number;
  optOutReason?: string;
  createSource?: "Account" | "Contact";
  jobTitle?: string;
  companyName?: string;
  birthdayMonth?: number;
  birthdayDay?: number;
  anniversary?: string;
  /** Phone numbers by kind (`home`, `work`, `mobile`, `other`). */
  phones?: Map<string, string>;
  /** Addresses by kind (`home`, `work`, `other`). */
  addresses?: Map<string, StoredAddress>;
  /** Custom field values by `custom_field_id`. */
  customFields?: Map<string, string>;
}

/** Column store of one account's contacts. Indices are dense, start at 0 and never move. */
export class ContactStore {
  readonly #idPrefix: string;
  readonly emails: string[] = [];
  readonly createdAt: number[] = [];
  readonly updatedAt: number[] = [];
  /** Index into {@link permissions}. */
  readonly permission: number[] = [];
  /** Epoch ms of deletion; 0 when not deleted. */
  readonly deletedAt: number[] = [];
  readonly firstName: Array<string | undefined> = [];
  readonly lastName: Array<string | undefined> = [];
  /** Number of lists the contact belongs to (CONTRACT §2.3: at most 50). */
  readonly listCount: number[] = [];
  readonly extras = new Map<number, ContactExtras>();
  readonly #byEmail = new Map<string, number>();

  /** @param idPrefix the first 23 characters of every contact id of this account (a UUID prefix). */
  constructor(idPrefix: string) {
    this.#idPrefix = idPrefix;
  }

  /** Number of contacts ever created, deleted ones included. */
  get size(): number {
    return this.emails.length;
  }

  /** Index of the contact with this email (case-insensitive, trimmed), if any. */
  findByEmail(email: string): number | undefined {
    return this.#byEmail.get(emailKey(email));
  }

  /**
   * Creates a contact; the email keeps its first stored casing (CONTRACT §2.3).
   * @returns the new contact's index.
   */
  create(email: string, nowMs: number, permission: number): number {
    const index = this.emails.length;
    const trimmed = email.trim();
    const key = emailKey(trimmed);
    // Share one string between the column and the Map key when the casing is already lower.
    this.emails.push(key === trimmed ? key : trimmed);
    this.createdAt.push(nowMs);
    this.updatedAt.push(nowMs);
    this.permission.push(permission);
    this.deletedAt.push(0);
    this.firstName.push(undefined);
    this.lastName.push(undefined);
    this.listCount.push(0);
    this.#byEmail.set(key, index);
    return index;
  }

  /** The UUID of the contact at `index`: the account prefix plus the index in hex. */
  idOf(index: number): string {
    return `${this.#idPrefix}-${index.toString(16).padStart(12, "0")}`;
  }

  /** The index for a contact id, or `undefined` when it is not one of this account's. */
  indexOfId(id: string): number | undefined {
    const lower = id.toLowerCase();
    if (lower.length !== 36 || !lower.startsWith(`${this.#idPrefix}-`)) return undefined;
    const hex = lower.slice(24);
    if (!/^[0-9a-f]{12}$/.test(hex)) return undefined;
    const index = Number.parseInt(hex, 16);
    return index < this.emails.length ? index : undefined;
  }

  /** Extras of a contact, created on first write. */
  extrasFor(index: number): ContactExtras {
    let extras = this.extras.get(index);
    if (extras === undefined) {
      extras = {};
      this.extras.set(index, extras);
    }
    return extras;
  }

  /** Whether the contact is deleted (CONTRACT §2.6). */
  isDeleted(index: number): boolean {
    return this.deletedAt[index] !== 0;
  }

  /** The contact's `permission_to_send`. */
  permissionOf(index: number): Permission {
    return permissions[this.permission[index] ?? 2] ?? "not_set";
  }
}
