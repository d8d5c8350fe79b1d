/**
 * Opens the configured store — PostgreSQL when a database URL is set, PGlite in the data
 * directory otherwise — and brings its schema up to date.
 */
import { migrate } from "./migrations.ts";
import { openPgliteDatabase } from "./pglite-database.ts";
import { openPostgresDatabase } from "./postgres-database.ts";
import type { SqlDatabase } from "./sql-database.ts";
import { Store } from "./store.ts";

export type StoreOptions =
  { kind: "pglite"; dataDir: string } | { kind: "postgres"; url: string; poolSize?: number };

export interface OpenedStore {
  store: Store;
  db: SqlDatabase;
  close(): Promise<void>;
}

export async function openStore(options: StoreOptions): Promise<OpenedStore> {
  const db =
    options.kind === "pglite"
      ? await openPgliteDatabase(options.dataDir)
      : await openPostgresDatabase({ url: options.url, poolSize: options.poolSize });
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return { store: new Store(db), db, close: () => db.close() };
}
