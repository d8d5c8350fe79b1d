/** One Constant Contact account: its lists, contacts, custom fields, activities and exports. */
import { newUuid, newUuidPrefix } from "../ids.ts";
import { ContactStore } from "./contact-store.ts";
import type { Activity } from "../activities.ts";

/** A contact list (CONTRACT §1, §2.6). */
export interface ContactList {
  id: string;
  name: string;
  description: string | undefined;
  favorite: boolean;
  createdAt: number;
  updatedAt: number;
  /** Epoch ms; 0 while the list exists. */
  deletedAt: number;
  /** Contact indices of the members. */
  members: Set<number>;
  /** Creation order, the stable paging key. */
  seq: number;
}

/** A custom field (CONTRACT §1: `name` is the label with blanks replaced by `_`). */
export interface CustomField {
  id: string;
  label: string;
  name: string;
  type: string;
  createdAt: number;
  updatedAt: number;
  seq: number;
}

/** CONTRACT §2.6: at most 1,000 lists per account. */
export const maxListsPerAccount = 1000;
/** CONTRACT §1: at most 100 custom fields per account. */
export const maxCustomFieldsPerAccount = 100;
/** CONTRACT §2.3: at most 50 lists per contact. */
export const maxListsPerContact = 50;

/** In-memory state of one account. */
export class Account {
  readonly id: string;
  organizationName: string;
  contactEmail: string;
  readonly contacts = new ContactStore(newUuidPrefix());
  readonly lists = new Map<string, ContactList>();
  readonly customFields = new Map<string, CustomField>();
  /** Activities in creation order. */
  readonly activities: Activity[] = [];
  /**
   * CSV files of completed exports, by activity id, in parts of a few thousand rows: a list of
   * ten million contacts exports more text than one JavaScript string may hold.
   */
  readonly exportFiles = new Map<string, readonly Buffer[]>();
  #seq = 0;

  constructor(id: string, organizationName: string, contactEmail: string) {
    this.id = id;
    this.organizationName = organizationName;
    this.contactEmail = contactEmail;
  }

  /** A fresh sequence number for stable ordering. */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** Lists that are not deleted. */
  activeListCount(): number {
    let count = 0;
    for (const list of this.lists.values()) if (list.deletedAt === 0) count += 1;
    return count;
  }

  /** The non-deleted list with exactly this name (case-sensitive, CONTRACT §2.6). */
  findListByName(name: string): ContactList | undefined {
    for (const list of this.lists.values()) {
      if (list.deletedAt === 0 && list.name === name) return list;
    }
    return undefined;
  }

  /** Creates a list without checks (callers enforce uniqueness and the cap). */
  createList(
    name: string,
    description: string | undefined,
    favorite: boolean,
    nowMs: number,
  ): ContactList {
    const list: ContactList = {
      id: newUuid(),
      name,
      description,
      favorite,
      createdAt: nowMs,
      updatedAt: nowMs,
      deletedAt: 0,
      members: new Set(),
      seq: this.nextSeq(),
    };
    this.lists.set(list.id, list);
    return list;
  }

  /** Creates a custom field; `name` follows CONTRACT §1 (label, blanks → `_`). */
  createCustomField(label: string, type: string, nowMs: number): CustomField {
    const field: CustomField = {
      id: newUuid(),
      label,
      name: customFieldName(label),
      type,
      createdAt: nowMs,
      updatedAt: nowMs,
      seq: this.nextSeq(),
    };
    this.customFields.set(field.id, field);
    return field;
  }

  /** The custom field with this `name`, if any. */
  findCustomFieldByName(name: string): CustomField | undefined {
    for (const field of this.customFields.values()) if (field.name === name) return field;
    return undefined;
  }

  /** Adds a contact to a list, keeping the per-contact list count; false if already a member. */
  addMember(list: ContactList, index: number): boolean {
    if (list.members.has(index)) return false;
    list.members.add(index);
    this.contacts.listCount[index] = (this.contacts.listCount[index] ?? 0) + 1;
    return true;
  }

  /** Removes a contact from a list; false if it was not a member. */
  removeMember(list: ContactList, index: number): boolean {
    if (!list.members.delete(index)) return false;
    this.contacts.listCount[index] = Math.max(0, (this.contacts.listCount[index] ?? 1) - 1);
    return true;
  }

  /** Ids of the non-deleted lists the contact belongs to. */
  listIdsOf(index: number): string[] {
    const ids: string[] = [];
    if ((this.contacts.listCount[index] ?? 0) === 0) return ids;
    for (const list of this.lists.values()) {
      if (list.deletedAt === 0 && list.members.has(index)) ids.push(list.id);
    }
    return ids;
  }

  /** CONTRACT §2.6: deletion keeps the record, strips memberships and stamps `deleted_at`. */
  deleteContact(index: number, nowMs: number): void {
    if (this.contacts.isDeleted(index)) return;
    for (const list of this.lists.values()) this.removeMember(list, index);
    this.contacts.deletedAt[index] = nowMs;
    this.contacts.updatedAt[index] = nowMs;
  }
}

/** CONTRACT §1: a custom field's `name` is its label with blanks replaced by `_`. */
export function customFieldName(label: string): string {
  return label.trim().replace(/\s+/g, "_");
}
