/**
 * Paging cursors (CONTRACT §4): base64url of the filters, the page size and the last key, so the
 * `_links.next.href` carries only `cursor`.
 */
import { validationError } from "./http-errors.ts";

/** What a cursor remembers: the query that started the walk, the page size, the last key seen. */
export interface CursorState {
  /** Query parameters of the first page, minus `limit` and `cursor`. */
  filters: Record<string, string>;
  limit: number;
  /** Position of the last item returned (its stable sort key). */
  after: number;
  /** Generation the cursor was issued in; a fault can invalidate older generations. */
  generation: number;
}

/** Encodes a cursor as an opaque base64url string. */
export function encodeCursor(state: CursorState): string {
  return Buffer.from(
    JSON.stringify({ f: state.filters, l: state.limit, a: state.after, g: state.generation }),
  ).toString("base64url");
}

/**
 * Decodes a cursor; anything malformed or from an invalidated generation is a 400
 * `contacts.api.validation.error` (CONTRACT §4).
 */
export function decodeCursor(cursor: string, currentGeneration = 0): CursorState {
  const invalid = validationError(["cursor is invalid or has expired"]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid;
  }
  if (typeof parsed !== "object" || parsed === null) throw invalid;
  const { f, l, a, g } = parsed as Record<string, unknown>;
  if (typeof f !== "object" || f === null || Array.isArray(f)) throw invalid;
  if (typeof l !== "number" || !Number.isInteger(l) || l < 1) throw invalid;
  if (typeof a !== "number" || !Number.isInteger(a)) throw invalid;
  if (typeof g !== "number" || g !== currentGeneration) throw invalid;
  const filters: Record<string, string> = {};
  for (const [key, value] of Object.entries(f)) {
    if (typeof value !== "string") throw invalid;
    filters[key] = value;
  }
  return { filters, limit: l, after: a, generation: g };
}
