/**
 * Email validation as chosen in CONTRACT §2.4 (no full rule is published, so the emulator and the
 * client share this one).
 */

/** Where the address is used: imports allow 50 characters, contact records 80 (CONTRACT §7.7). */
export type EmailContext = "import" | "contact";

const forbiddenCharacters = /[\s,;<>()[\]"]/;
const domainLabel = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const lastLabel = /^[A-Za-z]{2,}$/;

/**
 * Returns the trimmed address when it is valid under CONTRACT §2.4, else `undefined`.
 * @example validateEmail(" Ann@Example.com ") // "Ann@Example.com"
 */
export function validateEmail(raw: string, context: EmailContext = "import"): string | undefined {
  const email = raw.trim();
  const maxLength = context === "import" ? 50 : 80;
  if (email.length === 0 || email.length > maxLength) return undefined;
  if (forbiddenCharacters.test(email)) return undefined;
  const parts = email.split("@");
  if (parts.length !== 2) return undefined;
  const [local, domain] = parts as [string, string];
  if (local.length === 0) return undefined;
  const labels = domain.split(".");
  if (labels.length < 2) return undefined;
  if (!labels.every((label) => domainLabel.test(label))) return undefined;
  return lastLabel.test(labels[labels.length - 1] ?? "") ? email : undefined;
}

/** The key contacts are matched by: trimmed and lower-cased (CONTRACT §2.3). */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}
