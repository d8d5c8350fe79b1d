/** Cursor paging shared by the list endpoints (CONTRACT §4). */
import type { Context } from "hono";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { CursorState } from "./cursor.ts";
import type { EmulatorContext } from "./context.ts";
import type { EmulatorEnv } from "./request-pipeline.ts";

/** The query of a page: filters from the first request or from the cursor, plus the position. */
export interface PageRequest {
  /** Query parameters (filters and `limit`) of the walk. */
  query: Record<string, string>;
  /** Sort key after which this page starts; undefined on the first page. */
  after: number | undefined;
}

/**
 * Reads `cursor` if present (and then ignores every other parameter, CONTRACT §4: the href is
 * followed verbatim), else the request's own query.
 */
export function readPageRequest(c: Context<EmulatorEnv>, ctx: EmulatorContext): PageRequest {
  const query = c.req.query();
  const cursor = query.cursor;
  if (cursor === undefined) return { query, after: undefined };
  const state = decodeCursor(cursor, ctx.faults.cursorGeneration);
  return { query: { ...state.filters, limit: String(state.limit) }, after: state.after };
}

/** The `_links` object of a page: `next` only while more results exist. */
export function pageLinks(
  ctx: EmulatorContext,
  path: string,
  query: Record<string, string>,
  limit: number,
  lastKey: number | undefined,
): { next: { href: string } } | undefined {
  if (lastKey === undefined) return undefined;
  const filters: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (key !== "limit" && key !== "cursor") filters[key] = value;
  }
  const state: CursorState = {
    filters,
    limit,
    after: lastKey,
    generation: ctx.faults.cursorGeneration,
  };
  return { next: { href: `${path}?cursor=${encodeCursor(state)}` } };
}
