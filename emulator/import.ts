/**
 * `contacts_json_import` semantics (CONTRACT §2.3): payload truncation at the byte threshold, and
 * the row-by-row upsert applied when the activity completes.
 */
import { validateEmail, emailKey } from "./email.ts";
import { maxListsPerContact } from "./state/account.ts";
import type { Account } from "./state/account.ts";
import type { ActivityResult } from "./activities.ts";
import type { StoredAddress } from "./state/contact-store.ts";
import { unsubscribedCode } from "./state/contact-store.ts";

/** One `import_data` item: keys are strings, values strings or numbers. */
export type ImportItem = Record<string, unknown>;

/**
 * CONTRACT §2.3 "Over 4 MB": keeps whole items while the serialized body stays within `limit`
 * bytes; the rest is dropped silently.
 */
export function truncateImportItems(
  items: ImportItem[],
  bodyBytes: number,
  limit: number,
): ImportItem[] {
  if (bodyBytes <= limit) return items;
  // Envelope: everything but the items (list ids, keys, brackets); approximated by serializing
  // an empty item array would need the rest of the body, so count items from a fixed overhead.
  let used = 64;
  let kept = 0;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (used + size > limit) break;
    used += size;
    kept += 1;
  }
  return items.slice(0, kept);
}

const nameKeys: Record<string, "firstName" | "lastName" | "jobTitle" | "companyName"> = {
  first_name: "firstName",
  last_name: "lastName",
  job_title: "jobTitle",
  company_name: "companyName",
};
const phoneKeys: Record<string, string> = {
  phone: "other",
  home_phone: "home",
  work_phone: "work",
  mobile_phone: "mobile",
  other_phone: "other",
};
const addressFields: Record<string, keyof StoredAddress | "street2"> = {
  street: "street",
  street2: "street2",
  city: "city",
  state: "state",
  zip: "postal_code",
  country: "country",
};
const addressMaxLength: Record<string, number> = {
  street: 255,
  street2: 255,
  city: 50,
  state: 50,
  postal_code: 50,
  country: 50,
};

interface ParsedRow {
  email: string;
  names: Partial<Record<"firstName" | "lastName" | "jobTitle" | "companyName", string>>;
  birthday: { month: number; day: number } | undefined;
  anniversary: string | undefined;
  phones: Map<string, string>;
  addresses: Map<string, StoredAddress & { street2?: string }>;
  customFields: Map<string, string>;
}

type RowVerdict =
  | { kind: "ok"; row: ParsedRow; errors: string[] }
  | { kind: "correctable" | "error"; reason: string };

/** Turns a raw value into a trimmed string; empty strings count as absent (CONTRACT §2.3). */
function text(value: unknown): string | undefined {
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function integer(value: unknown): number | undefined | null {
  const raw = text(value);
  if (raw === undefined) return undefined;
  return /^\d{1,2}$/.test(raw) ? Number(raw) : null;
}

/** Parses and checks one item; never throws (row errors never fail the request). */
export function parseImportRow(item: ImportItem, account: Account): RowVerdict {
  const rawEmail = text(item.email);
  if (rawEmail === undefined) {
    // CONTRACT §2.3: no email (the emulator stores contacts by email only, so an sms-only row is
    // also skipped as correctable).
    return { kind: "correctable", reason: "no email address" };
  }
  const email = validateEmail(rawEmail, "import");
  if (email === undefined) return { kind: "correctable", reason: "invalid email address" };
  const row: ParsedRow = {
    email,
    names: {},
    birthday: undefined,
    anniversary: undefined,
    phones: new Map(),
    addresses: new Map(),
    customFields: new Map(),
  };
  const errors: string[] = [];
  for (const [key, value] of Object.entries(item)) {
    if (key === "email") continue;
    const nameField = nameKeys[key];
    if (nameField !== undefined) {
      const v = text(value);
      if (v === undefined) continue;
      if (v.length > 50) return { kind: "error", reason: `${key} exceeds 50 characters` };
      row.names[nameField] = v;
      continue;
    }
    const phoneKind = phoneKeys[key];
    if (phoneKind !== undefined) {
      const v = text(value);
      if (v === undefined) continue;
      if (v.length > 25) return { kind: "error", reason: `${key} exceeds 25 characters` };
      row.phones.set(phoneKind, v);
      continue;
    }
    if (key.startsWith("cf:")) {
      const v = text(value);
      if (v === undefined) continue;
      if (v.length > 255) return { kind: "error", reason: `${key} exceeds 255 characters` };
      const field = account.findCustomFieldByName(key.slice(3));
      if (field === undefined) {
        // CONTRACT §2.3: unknown custom field: drop it and report.
        errors.push(`Unknown custom field ${key.slice(3)}; the value was ignored.`);
        continue;
      }
      row.customFields.set(field.id, v);
      continue;
    }
    const address = addressKey(key);
    if (address !== undefined) {
      const v = text(value);
      if (v === undefined) continue;
      const max = addressMaxLength[address.field] ?? 50;
      if (v.length > max) return { kind: "error", reason: `${key} exceeds ${max} characters` };
      const stored = row.addresses.get(address.kind) ?? {};
      stored[address.field] = v;
      row.addresses.set(address.kind, stored);
      continue;
    }
    if (key === "anniversary") {
      const v = text(value);
      if (v === undefined) continue;
      if (!isValidDate(v)) return { kind: "correctable", reason: "invalid anniversary date" };
      row.anniversary = v;
    }
  }
  const month = integer(item.birthday_month);
  const day = integer(item.birthday_day);
  if (month !== undefined || day !== undefined) {
    // CONTRACT §1: birthday_month and birthday_day come in pairs; §7.8: day 1–31.
    if (month == null || day == null || month < 1 || month > 12 || day < 1 || day > 31) {
      return { kind: "correctable", reason: "invalid birthday" };
    }
    row.birthday = { month, day };
  }
  if (row.customFields.size > 25) return { kind: "error", reason: "more than 25 custom fields" };
  if (row.phones.size > 3) return { kind: "error", reason: "more than 3 phone numbers" };
  return { kind: "ok", row, errors };
}

function addressKey(
  key: string,
): { kind: string; field: keyof StoredAddress | "street2" } | undefined {
  // CONTRACT §7.5: accept the spec's "home country" as well as home_country.
  const normalized = key.replace(" ", "_");
  const direct = addressFields[normalized];
  if (direct !== undefined) return { kind: "home", field: direct };
  const match = /^(home|work|other)_(.+)$/.exec(normalized);
  if (match === null) return undefined;
  const field = addressFields[match[2] ?? ""];
  return field === undefined ? undefined : { kind: match[1] ?? "home", field };
}

function isValidDate(value: string): boolean {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  const [month, day] =
    iso !== null
      ? [Number(iso[2]), Number(iso[3])]
      : us !== null
        ? [Number(us[1]), Number(us[2])]
        : [0, 0];
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/**
 * Applies an import (CONTRACT §2.3) to `account` at `nowMs`, processing the first
 * `fraction` of the items. Rows are handled in order, so for duplicates the later row wins.
 */
export function applyImport(
  account: Account,
  items: ImportItem[],
  listIds: string[],
  fraction: number,
  nowMs: number,
  rowOutcomes: ReadonlyMap<string, "correctable" | "error" | "cannot_add">,
): ActivityResult {
  const contacts = account.contacts;
  const status = {
    items_total_count: items.length,
    person_count: items.length,
    error_count: 0,
    correctable_count: 0,
    cannot_add_to_list_count: 0,
  };
  const errors: string[] = [];
  const lists = listIds
    .map((id) => account.lists.get(id))
    .filter((list) => list !== undefined && list.deletedAt === 0);
  const count = Math.floor(items.length * fraction);
  for (let i = 0; i < count; i += 1) {
    const item = items[i] as ImportItem;
    const rowNumber = i + 1;
    const rawEmail = typeof item.email === "string" ? item.email : "";
    const forced = rowOutcomes.size > 0 ? rowOutcomes.get(emailKey(rawEmail)) : undefined;
    if (forced === "correctable" || forced === "error") {
      if (forced === "correctable") status.correctable_count += 1;
      else status.error_count += 1;
      errors.push(`Row ${rowNumber}: the row was rejected.`);
      continue;
    }
    const verdict = parseImportRow(item, account);
    if (verdict.kind !== "ok") {
      if (verdict.kind === "correctable") status.correctable_count += 1;
      else status.error_count += 1;
      errors.push(`Row ${rowNumber}: ${verdict.reason}.`);
      continue;
    }
    for (const message of verdict.errors) errors.push(`Row ${rowNumber}: ${message}`);
    const row = verdict.row;
    let index = contacts.findByEmail(row.email);
    // CONTRACT §2.3: a new email is implicit, opt-in and create source Account.
    if (index === undefined) index = contacts.create(row.email, nowMs, 1);
    writeFields(account, index, row, nowMs);
    if (contacts.isDeleted(index)) {
      // CONTRACT §2.3 "Deleted": revival, with the prior permission kept.
      contacts.deletedAt[index] = 0;
    }
    if (contacts.permission[index] === unsubscribedCode || forced === "cannot_add") {
      // CONTRACT §2.3 "Unsubscribed": profile updated, never re-added to lists.
      status.cannot_add_to_list_count += 1;
      continue;
    }
    let capped = false;
    for (const list of lists) {
      if (list === undefined || list.members.has(index)) continue;
      if ((contacts.listCount[index] ?? 0) >= maxListsPerContact) {
        capped = true;
        continue;
      }
      account.addMember(list, index);
    }
    if (capped) {
      // CONTRACT §2.3 "50-list cap": error_count +1 plus an activity error.
      status.error_count += 1;
      errors.push(`Row ${rowNumber}: the contact is already in ${maxListsPerContact} lists.`);
    }
  }
  return { status, errors };
}

function writeFields(account: Account, index: number, row: ParsedRow, nowMs: number): void {
  const contacts = account.contacts;
  contacts.updatedAt[index] = nowMs;
  if (row.names.firstName !== undefined) contacts.firstName[index] = row.names.firstName;
  if (row.names.lastName !== undefined) contacts.lastName[index] = row.names.lastName;
  const needsExtras =
    row.names.jobTitle !== undefined ||
    row.names.companyName !== undefined ||
    row.birthday !== undefined ||
    row.anniversary !== undefined ||
    row.phones.size > 0 ||
    row.addresses.size > 0 ||
    row.customFields.size > 0;
  if (!needsExtras) return;
  const extras = contacts.extrasFor(index);
  if (row.names.jobTitle !== undefined) extras.jobTitle = row.names.jobTitle;
  if (row.names.companyName !== undefined) extras.companyName = row.names.companyName;
  if (row.birthday !== undefined) {
    extras.birthdayMonth = row.birthday.month;
    extras.birthdayDay = row.birthday.day;
  }
  if (row.anniversary !== undefined) extras.anniversary = row.anniversary;
  for (const [kind, number] of row.phones) (extras.phones ??= new Map()).set(kind, number);
  for (const [kind, parts] of row.addresses) {
    const addresses = (extras.addresses ??= new Map<string, StoredAddress>());
    const stored: StoredAddress = { ...addresses.get(kind) };
    const { street2, ...rest } = parts;
    Object.assign(stored, rest);
    // CONTRACT §7.6: street2 is line 2 of the same address.
    if (street2 !== undefined)
      stored.street = stored.street === undefined ? street2 : `${stored.street} ${street2}`;
    addresses.set(kind, stored);
  }
  for (const [id, value] of row.customFields) (extras.customFields ??= new Map()).set(id, value);
}
