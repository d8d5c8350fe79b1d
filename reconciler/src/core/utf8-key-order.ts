/**
 * Comparing keys held as UTF-8 bytes in the order of `<` on the strings they encode, without
 * decoding them. Pure: no I/O.
 *
 * JavaScript compares strings by UTF-16 code units; UTF-8 bytes compare by code points. The two
 * orders differ in one place only: a character from U+10000 on is a surrogate pair in UTF-16
 * (D800–DFFF), so it comes before U+E000–U+FFFF, while its UTF-8 lead byte (F0–F4) comes after
 * theirs (EE, EF). Two valid UTF-8 keys that agree up to a byte are at the same place in the
 * same character there, so weighing the lead bytes EE and EF above F4 restores code-unit order.
 */

/** The weight of a byte at the first place two keys differ (see the module comment). */
function weight(byte: number): number {
  return byte === 0xee || byte === 0xef ? byte + 8 : byte;
}

/**
 * Negative, zero or positive as the key in `a[aStart, aEnd)` is before, equal to or after the key
 * in `b[bStart, bEnd)`, in the order `<` gives the decoded strings.
 */
export function compareUtf8Keys(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i += 1) {
    const x = a[aStart + i] as number;
    const y = b[bStart + i] as number;
    if (x !== y) return weight(x) - weight(y);
  }
  return aEnd - aStart - (bEnd - bStart);
}

/** Key bytes a {@link keyRank} holds: six bytes of 256 values stay exact in a double. */
export const RANK_BYTES = 6;

/**
 * A number that orders keys as {@link compareUtf8Keys} does as far as their first six bytes go:
 * keys of different ranks are in the order of their ranks, keys of equal ranks need a full
 * comparison. Comparing two numbers costs less than a loop over bytes, and most keys differ early.
 */
export function keyRank(bytes: Uint8Array, start: number, end: number): number {
  let rank = 0;
  for (let i = 0; i < RANK_BYTES; i += 1) {
    // 0 past the end (a key before the longer keys it begins), 1 + the weight otherwise.
    rank = rank * 256 + (start + i < end ? weight(bytes[start + i] as number) + 1 : 0);
  }
  return rank;
}
