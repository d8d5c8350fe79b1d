/** The JSON form of a contact (`ContactResource`, CONTRACT §1, §2.5). */
import type { Account } from "./state/account.ts";
import type { StoredAddress } from "./state/contact-store.ts";

/** Optional sub-resources (`include=`). */
export type ContactInclude =
  | "list_memberships"
  | "custom_fields"
  | "phone_numbers"
  | "street_addresses"
  | "taggings"
  | "notes";

/** Renders contact `index` of `account`. */
export function renderContact(
  account: Account,
  index: number,
  include: readonly ContactInclude[] = [],
): Record<string, unknown> {
  const contacts = account.contacts;
  const extras = contacts.extras.get(index);
  const createdAt = new Date(contacts.createdAt[index] ?? 0).toISOString();
  const updatedAt = new Date(contacts.updatedAt[index] ?? 0).toISOString();
  const emailAddress: Record<string, unknown> = {
    address: contacts.emails[index],
    permission_to_send: contacts.permissionOf(index),
    created_at: createdAt,
    updated_at: updatedAt,
    opt_in_source: extras?.optInSource ?? "Account",
    opt_in_date: createdAt,
    confirm_status: "off",
  };
  // CONTRACT §2.5: opt_out_* exist only after an opt-out.
  if (extras?.optOutSource !== undefined) {
    emailAddress.opt_out_source = extras.optOutSource;
    emailAddress.opt_out_date = new Date(extras.optOutDate ?? 0).toISOString();
    if (extras.optOutReason !== undefined) emailAddress.opt_out_reason = extras.optOutReason;
  }
  const body: Record<string, unknown> = {
    contact_id: contacts.idOf(index),
    email_address: emailAddress,
  };
  const firstName = contacts.firstName[index];
  const lastName = contacts.lastName[index];
  if (firstName !== undefined) body.first_name = firstName;
  if (lastName !== undefined) body.last_name = lastName;
  if (extras?.jobTitle !== undefined) body.job_title = extras.jobTitle;
  if (extras?.companyName !== undefined) body.company_name = extras.companyName;
  if (extras?.birthdayMonth !== undefined) body.birthday_month = extras.birthdayMonth;
  if (extras?.birthdayDay !== undefined) body.birthday_day = extras.birthdayDay;
  if (extras?.anniversary !== undefined) body.anniversary = extras.anniversary;
  body.create_source = extras?.createSource ?? "Account";
  body.update_source = "Account";
  body.created_at = createdAt;
  body.updated_at = updatedAt;
  const deletedAt = contacts.deletedAt[index] ?? 0;
  // The spec types deleted_at as a date.
  if (deletedAt !== 0) body.deleted_at = new Date(deletedAt).toISOString().slice(0, 10);
  if (include.includes("list_memberships")) body.list_memberships = account.listIdsOf(index);
  if (include.includes("custom_fields")) {
    body.custom_fields = [...(extras?.customFields ?? new Map<string, string>())].map(
      ([id, value]) => ({
        custom_field_id: id,
        value,
      }),
    );
  }
  if (include.includes("phone_numbers")) {
    body.phone_numbers = [...(extras?.phones ?? new Map<string, string>())].map(
      ([kind, number]) => ({
        phone_number: number,
        kind,
      }),
    );
  }
  if (include.includes("street_addresses")) {
    body.street_addresses = [...(extras?.addresses ?? new Map<string, StoredAddress>())].map(
      ([kind, address]) => ({
        kind,
        ...address,
      }),
    );
  }
  if (include.includes("taggings")) body.taggings = [];
  if (include.includes("notes")) body.notes = [];
  return body;
}
