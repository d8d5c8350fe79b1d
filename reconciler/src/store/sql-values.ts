/**
 * Reading column values the same way on PGlite and PostgreSQL: timestamps arrive as `Date` or
 * text, ids as text or numbers; a column of the wrong kind is a bug, reported by name.
 */
import type { SqlRow } from "./sql-database.ts";

/** A timestamp column as an ISO 8601 string. */
export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "string" || typeof value === "number") return new Date(value).toISOString();
  throw new Error(`expected a timestamp, got ${typeof value}`);
}

export function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

/** A text column (numbers and bigints, e.g. serial ids, as their decimal text). */
export function text(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return value.toString();
  throw new Error(`column ${column} is ${value === null ? "null" : typeof value}, expected text`);
}

export function textOrNull(row: SqlRow, column: string): string | null {
  const value = row[column];
  return value === null || value === undefined ? null : text(row, column);
}
