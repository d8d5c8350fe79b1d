/**
 * Looks for secrets in text and files: plain substring search for every secret the suite handed
 * out or saw issued, in a haystack that is labelled so a finding says where it leaked.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

/** One secret found somewhere it must never be. */
export interface SecretFinding {
  /** Where, e.g. `log`, `table connections`, `file snapshots/x`, `GET /v1/connections as admin`. */
  where: string;
  /** Which secret, by position in the list and first characters only (never the whole value). */
  secret: string;
}

/** Shows the first 6 characters of a secret: enough to tell which, too little to use. */
export function secretLabel(secret: string, index: number): string {
  return `#${index} ${secret.slice(0, 6)}…`;
}

/** Every secret of `secrets` that occurs in `text`. */
export function findSecrets(
  where: string,
  text: string,
  secrets: readonly string[],
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  secrets.forEach((secret, index) => {
    if (secret.length >= 8 && text.includes(secret)) {
      findings.push({ where, secret: secretLabel(secret, index) });
    }
  });
  return findings;
}

/** Every file below `dir` (recursively), except below the `skip` folders. */
export async function listFiles(dir: string, skip: readonly string[] = []): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (skip.includes(path)) continue;
    if (entry.isDirectory()) files.push(...(await listFiles(path, skip)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/**
 * Scans the raw bytes of every file below `dir` (database pages, snapshots, temporary sort files)
 * read as Latin-1, so a secret stored as plain ASCII anywhere in a binary file is still found.
 * @returns the findings and how many files and bytes were read
 */
export async function scanFiles(
  dir: string,
  secrets: readonly string[],
  skip: readonly string[] = [],
): Promise<{ findings: SecretFinding[]; files: number; bytes: number }> {
  const findings: SecretFinding[] = [];
  let bytes = 0;
  const files = await listFiles(dir, skip);
  for (const file of files) {
    const content = await readFile(file);
    bytes += content.length;
    findings.push(
      ...findSecrets(`file ${relative(dir, file)}`, content.toString("latin1"), secrets),
    );
  }
  return { findings, files: files.length, bytes };
}
