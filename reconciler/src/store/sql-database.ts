/**
 * The one database seam of the reconciler: parameterised queries and transactions in the
 * PostgreSQL dialect. Two adapters implement it, PGlite (embedded, `pglite-database.ts`) and a
 * `pg` pool (`postgres-database.ts`); migrations and queries are the same on both.
 */
import type { AppError } from "../core/errors.ts";

/** A row as the driver returns it: column name to value. */
export type SqlRow = Record<string, unknown>;

export interface SqlDatabase {
  /** Which adapter this is; for logs, metrics and error messages only. */
  readonly kind: "pglite" | "postgres";
  /**
   * Runs one statement with `$1`, `$2`, … parameters and returns its rows. Parameters are never
   * interpolated into the SQL text.
   */
  query<Row extends SqlRow = SqlRow>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
   * The `tx` handed to `work` must be used for every statement of the transaction; it does not
   * nest (calling `transaction` on it throws).
   */
  transaction<T>(work: (tx: SqlDatabase) => Promise<T>): Promise<T>;
  /** Closes the connection(s) and releases the data directory lock, if any. */
  close(): Promise<void>;
}

/** The SQLSTATE of a PostgreSQL error, when `error` is one (both drivers set `code`). */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = error.code;
    return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  }
  return undefined;
}

/** SQLSTATE 23505: a unique constraint was violated. */
export const UNIQUE_VIOLATION = "23505";

/** SQLSTATE 23503: a foreign key is still referenced (or points nowhere). */
export const FOREIGN_KEY_VIOLATION = "23503";

/**
 * Runs one statement; an error in SQL state `state` becomes the `AppError` that `asError`
 * makes, with the SQL error as its cause, so callers above the store see codes of ours only.
 */
export async function withSqlState<T>(
  state: string,
  asError: (cause: unknown) => AppError,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (sqlState(error) === state) throw asError(error);
    throw error;
  }
}
