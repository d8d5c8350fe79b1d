/**
 * The embedded store: PGlite (PostgreSQL compiled to WebAssembly) in a local data directory, so
 * `ccx serve` needs no database server. One process per data directory, enforced by
 * `data-dir-lock.ts`.
 */
import { join } from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock.ts";
import type { SqlDatabase, SqlRow } from "./sql-database.ts";

/** The `dataDir` value that keeps the whole database in memory (tests, throwaway demos). */
export const IN_MEMORY = "memory://";

/**
 * Opens PGlite. With a directory, the database lives in `<dataDir>/pglite` and the directory is
 * locked for this process until `close()`; with {@link IN_MEMORY}, nothing touches the disk.
 */
export async function openPgliteDatabase(dataDir: string): Promise<SqlDatabase> {
  let lock: DataDirLock | undefined;
  let db: PGlite;
  if (dataDir === IN_MEMORY) {
    db = await PGlite.create();
  } else {
    lock = acquireDataDirLock(dataDir);
    try {
      db = await PGlite.create(join(dataDir, "pglite"));
    } catch (error) {
      lock.release();
      throw error;
    }
  }
  let closed = false;
  return {
    kind: "pglite",
    async query<Row extends SqlRow>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query<Row>(sql, [...params]);
      return result.rows;
    },
    transaction<T>(work: (tx: SqlDatabase) => Promise<T>): Promise<T> {
      return db.transaction((tx) => work(wrapTransaction(tx)));
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        lock?.release();
      }
    },
  };
}

function wrapTransaction(tx: Transaction): SqlDatabase {
  return {
    kind: "pglite",
    async query<Row extends SqlRow>(sql: string, params: readonly unknown[] = []) {
      const result = await tx.query<Row>(sql, [...params]);
      return result.rows;
    },
    transaction() {
      return Promise.reject(new Error("transactions do not nest; use the outer transaction"));
    },
    close() {
      return Promise.reject(new Error("close the database, not a transaction"));
    },
  };
}
