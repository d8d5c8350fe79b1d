/**
 * Membership in a fixed set of keys, for callers that mostly ask in ascending key order — a diff
 * pass asks once for each of its keys, in order. The keys are held sorted, and each answer starts
 * where the last one ended and gallops forward. A million-key pass against 100,000 opt-outs then
 * costs a couple of string comparisons per key, on strings read in order. A hash set costs a
 * hash of a fresh string and a pointer chase into a 100,000-entry table per key: ~4 s of a run's
 * CPU measured with 100,000 opt-outs (ADR 0010). Asked out of order (a second pass, or two passes
 * interleaved), it searches again from the start; the answers are always exact.
 */
import { compareKeys } from "./sorted-merge.ts";

/** A membership test over `keys`; see the module comment. */
export function sortedKeyMatcher(keys: Iterable<string>): (key: string) => boolean {
  // Already sorted input (a kept set read back, plus a few new keys) sorts in about one pass.
  const sorted = Array.from(keys).sort(compareKeys);
  const count = sorted.length;
  /** The first position whose key is ≥ the key asked last. */
  let at = 0;
  return (key) => {
    if (count === 0) return false;
    let low: number;
    let high: number;
    if (at > 0 && (sorted[at - 1] as string) >= key) {
      // Behind the last answer: the key is among the first `at` positions, if anywhere.
      low = 0;
      high = at - 1;
    } else {
      // Gallop: every position before `low` holds a smaller key; `high` a key ≥ it, or the end.
      low = at;
      high = at;
      let step = 1;
      while (high < count && (sorted[high] as string) < key) {
        low = high + 1;
        high = at + step;
        step *= 2;
      }
      if (high > count) high = count;
    }
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((sorted[middle] as string) < key) low = middle + 1;
      else high = middle;
    }
    at = low;
    return low < count && sorted[low] === key;
  };
}
