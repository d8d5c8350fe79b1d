/**
 * The field hash of a contact: a 64-bit non-cryptographic hash of its stored fields text (see
 * `contact-fields.ts`), written as 11 base64url characters. It only tells "these fields changed"
 * from "they did not" between two runs of one export, so it needs no resistance to a chosen
 * collision, only to chance ones: a false "unchanged" needs one contact's old and new fields to
 * collide, about 1 in 1.8 × 10^19. Computed in JavaScript in the loop that checks the text, it
 * costs a tenth of a native SHA-256 call per row (ADR 0010, 2026-12 addendum). Pure: no I/O.
 *
 * The form of a hash names its scheme, so snapshots may mix them (a run keeps an unconfirmed
 * contact's entry as it was): 11 base64url characters are this hash; 16 hex digits are the
 * SHA-256 hash of snapshots written before it (`legacy-fields-hash.ts`).
 */

/** Characters of a field hash. */
export const FIELDS_HASH_LENGTH = 11;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const CODES = Uint8Array.from(ALPHABET, (character) => character.charCodeAt(0));

/** The field hash of a stored fields text. */
export function fieldsHash(text: string): string {
  return hashChecked(text, -1) as string;
}

/**
 * The field hash of `text` when it is plain: no control character but exactly `separators` NULs
 * (the separators the encoder put in); undefined otherwise (a value held a control character).
 * One loop both checks and hashes, which is why the two are one function.
 */
export function plainFieldsHash(text: string, separators: number): string | undefined {
  return hashChecked(text, separators);
}

/**
 * Two 32-bit multiplicative lanes over the UTF-16 code units, mixed across at the end (the
 * construction of the public-domain `cyrb53`, keeping all 64 bits).
 */
function hashChecked(text: string, separators: number): string | undefined {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  let nuls = 0;
  let control = false;
  const length = text.length;
  for (let i = 0; i < length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20) {
      if (code === 0) nuls += 1;
      else control = true;
    }
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  if (separators >= 0 && (control || nuls !== separators)) return undefined;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return String.fromCharCode(
    CODES[(h1 >>> 26) & 63] as number,
    CODES[(h1 >>> 20) & 63] as number,
    CODES[(h1 >>> 14) & 63] as number,
    CODES[(h1 >>> 8) & 63] as number,
    CODES[(h1 >>> 2) & 63] as number,
    CODES[(h2 >>> 26) & 63] as number,
    CODES[(h2 >>> 20) & 63] as number,
    CODES[(h2 >>> 14) & 63] as number,
    CODES[(h2 >>> 8) & 63] as number,
    CODES[(h2 >>> 2) & 63] as number,
    CODES[((h1 & 3) << 2) | (h2 & 3)] as number,
  );
}

/** True for a hash of the SHA-256 scheme of older snapshots (16 hex digits). */
export function isLegacyFieldsHash(hash: string): boolean {
  return hash.length === 16 && LEGACY_HASH.test(hash);
}

const LEGACY_HASH = /^[0-9a-f]{16}$/;
