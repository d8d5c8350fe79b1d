/**
 * The e-mail rule of ccx and of the emulator (CONTRACT §2.4): Constant Contact publishes no full
 * rule, so both sides apply the same one. An address is trimmed, then accepted only when it is at
 * most 50 characters (the import limit, CONTRACT §7.7), has exactly one `@` after a non-empty
 * local part, contains no whitespace and none of `,;<>()[]"`, and has a domain of at least two
 * labels of `[A-Za-z0-9-]` (none starting or ending with `-`) whose last label is at least two
 * letters. Control characters are rejected as well. The matching key is the trimmed address in
 * lower case (CONTRACT §2.3).
 */

/** Longest address accepted on import (CONTRACT §2.4, §7.7). */
export const MAX_IMPORT_EMAIL_LENGTH = 50;

/** Why an address was rejected: stable codes for run history and tests. */
export type EmailRejection =
  | "email-missing"
  | "email-too-long"
  | "email-at-sign"
  | "email-local-part-empty"
  | "email-forbidden-character"
  | "email-domain"
  | "email-top-level-domain";

/** The outcome of {@link normalizeEmail}. */
export type EmailCheck =
  | { ok: true; /** Trimmed and lower-cased: the matching key. */ key: string }
  | { ok: false; reason: EmailRejection; message: string };

// Control characters are not in the contract's list; they are rejected too because no mail system
// accepts them and every sorted file of ccx relies on keys having none (tab separates fields).
const FORBIDDEN_CHARACTER = /[\s\p{Cc},;<>()[\]"]/u;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const TOP_LEVEL_LABEL = /^[A-Za-z]{2,}$/;

/**
 * Trims, validates and lower-cases an address. Messages never repeat the address itself.
 * @example
 * normalizeEmail("  Ann.Lee@Example.COM ") // { ok: true, key: "ann.lee@example.com" }
 * normalizeEmail("ann@localhost").ok      // false (one domain label)
 */
export function normalizeEmail(raw: string | undefined): EmailCheck {
  const address = (raw ?? "").trim();
  if (address.length === 0) return reject("email-missing", "the e-mail address is empty");
  if (address.length > MAX_IMPORT_EMAIL_LENGTH) {
    return reject(
      "email-too-long",
      `the e-mail address has ${address.length} characters; at most ${MAX_IMPORT_EMAIL_LENGTH} are allowed on import`,
    );
  }
  if (FORBIDDEN_CHARACTER.test(address)) {
    return reject(
      "email-forbidden-character",
      'the e-mail address contains whitespace, a control character or one of , ; < > ( ) [ ] "',
    );
  }
  const at = address.indexOf("@");
  if (at === -1 || address.indexOf("@", at + 1) !== -1) {
    return reject("email-at-sign", "the e-mail address must contain exactly one @");
  }
  if (at === 0) return reject("email-local-part-empty", "the e-mail address has nothing before @");
  const labels = address.slice(at + 1).split(".");
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) {
    return reject(
      "email-domain",
      "the e-mail domain needs at least two labels of letters, digits and inner hyphens",
    );
  }
  if (!TOP_LEVEL_LABEL.test(labels[labels.length - 1] ?? "")) {
    return reject(
      "email-top-level-domain",
      "the last label of the e-mail domain must be at least two letters",
    );
  }
  return { ok: true, key: address.toLowerCase() };
}

function reject(reason: EmailRejection, message: string): EmailCheck {
  return { ok: false, reason, message };
}
