/**
 * Rows Constant Contact rejected in an import, named from its `activity_errors`. The service
 * reports them as `Row <n>: <reason>` with `n` counting from 1 in the request body (CONTRACT
 * §2.3); notes about ignored values are not rejections. Samples mask the e-mail: run records
 * are shown to every viewer, and an address is personal data.
 */

/** One rejected row, for run history. */
export interface RejectedSample {
  /** Import chunk (0-based) and row within it (1-based). */
  chunk: number;
  row: number;
  /** The e-mail with most of its local part hidden, e.g. `a***@example.com`. */
  email: string;
  reason: string;
}

const ROW_ERROR = /^Row (\d+): (.+)$/;
/** `a` in a chunk's kinds: the row was new to the list. */
const ADD = 0x61;

/** The rejected rows of one import chunk. */
export function rejectedRows(
  chunk: { index: number; keys: Buffer; kinds: Uint8Array },
  activityErrors: readonly string[],
): { keys: string[]; samples: RejectedSample[]; rejectedAdds: number } {
  const keys: string[] = [];
  const samples: RejectedSample[] = [];
  let rejectedAdds = 0;
  let keyList: string[] | undefined;
  for (const message of activityErrors) {
    const match = ROW_ERROR.exec(message);
    if (match === null) continue;
    const reason = (match[2] ?? "").trim();
    if (/\bignored\b/i.test(reason)) continue;
    const row = Number(match[1]);
    keyList ??= chunk.keys.toString("utf8").split("\n");
    const key = keyList[row - 1];
    if (key === undefined) continue;
    keys.push(key);
    if (chunk.kinds[row - 1] === ADD) rejectedAdds += 1;
    samples.push({ chunk: chunk.index, row, email: maskEmail(key), reason });
  }
  return { keys, samples, rejectedAdds };
}

/** Hides all but the first character of the local part: `ann@example.com` → `a***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}
