/**
 * The Constant Contact contact fields an export can fill, defined once: the API's `mappings`
 * schema, the pipeline's mapped contacts and the Constant Contact client's import contacts are
 * all built from this list (CONTRACT §1, §2.3). The order is the order field hashes and stored
 * snapshots use: append, never reorder.
 */

/** The optional standard fields, in hash order; `email` is required and apart. */
export const STANDARD_CONTACT_FIELDS = [
  "firstName",
  "lastName",
  "jobTitle",
  "companyName",
  "phone",
] as const;

export type StandardContactField = (typeof STANDARD_CONTACT_FIELDS)[number];

/** What each standard field holds, for the API's and the provider's documentation. */
export const STANDARD_CONTACT_FIELD_DESCRIPTIONS: Readonly<Record<StandardContactField, string>> = {
  firstName: "Column holding the first name (at most 50 characters)",
  lastName: "Column holding the last name (at most 50 characters)",
  jobTitle: "Column holding the job title (at most 50 characters)",
  companyName: "Column holding the company name (at most 50 characters)",
  phone: "Column holding a phone number, stored as kind `other` (at most 25 characters)",
};

/**
 * A contact's fields, `V` being what each field holds: a column name in `mappings`, a value in a
 * contact to import.
 */
export type ContactFields<V> = { email: string } & {
  [F in StandardContactField]?: V | undefined;
} & {
  /** Custom field `name` (sent as `cf:<name>`) to `V`; at most 25 (CONTRACT §1). */
  customFields?: Readonly<Record<string, V>> | undefined;
};
