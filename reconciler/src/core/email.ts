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
  // One pass over the characters accepts the common case; anything it does not accept takes
  // the rule below, which names the reason. It accepts exactly what the rule accepts.
  if (isPlainValidAddress(address)) return { ok: true, key: address.toLowerCase() };
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

/**
 * The key of an address the one-pass acceptor takes (the common case), without building a
 * result object: undefined means "not sure", and {@link normalizeEmail} then decides and names
 * the reason. Hot path of reading a segment.
 */
export function plainEmailKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const address = raw.trim();
  return isPlainValidAddress(address) ? address.toLowerCase() : undefined;
}

/** True for an ASCII address the rule accepts; false means "not sure": check in full. */
function isPlainValidAddress(address: string): boolean {
  const length = address.length;
  if (length === 0 || length > MAX_IMPORT_EMAIL_LENGTH) return false;
  let at = -1;
  for (let i = 0; i < length; i += 1) {
    const code = address.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f || PLAIN_FORBIDDEN[code] === 1) return false;
    if (code === 0x40) {
      if (at !== -1) return false;
      at = i;
    }
  }
  if (at <= 0) return false;
  // Domain: labels of [A-Za-z0-9-], not starting or ending with "-"; at least two; the last
  // one two letters or more.
  let labels = 0;
  let labelStart = at + 1;
  let lettersOnly = true;
  for (let i = at + 1; i <= length; i += 1) {
    const code = i === length ? 0x2e : address.charCodeAt(i);
    if (code === 0x2e) {
      if (i === labelStart) return false;
      if (address.charCodeAt(labelStart) === 0x2d || address.charCodeAt(i - 1) === 0x2d)
        return false;
      labels += 1;
      if (i === length) return labels >= 2 && lettersOnly && i - labelStart >= 2;
      labelStart = i + 1;
      lettersOnly = true;
      continue;
    }
    const letter = (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
    if (!letter) {
      lettersOnly = false;
      if (!(code >= 0x30 && code <= 0x39) && code !== 0x2d) return false;
    }
  }
  return false;
}

/** ASCII characters the rule forbids besides whitespace and control characters. */
const PLAIN_FORBIDDEN = (() => {
  const table = new Uint8Array(128);
  for (const character of ',;<>()[]"') table[character.charCodeAt(0)] = 1;
  return table;
})();

function reject(reason: EmailRejection, message: string): EmailCheck {
  return { ok: false, reason, message };
}
