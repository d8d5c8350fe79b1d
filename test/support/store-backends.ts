/**
 * The two store backends for `describe.each`: PGlite in memory and a fresh PostgreSQL database
 * (see `postgres.ts`). Each `open()` returns a migrated database and its disposal.
 */
import { migrate, migrations, type Migration } from "../../reconciler/src/store/migrations.ts";
import { IN_MEMORY, openPgliteDatabase } from "../../reconciler/src/store/pglite-database.ts";
import { openPostgresDatabase } from "../../reconciler/src/store/postgres-database.ts";
import type { SqlDatabase } from "../../reconciler/src/store/sql-database.ts";
import { createTestDatabase } from "./postgres.ts";

export interface StoreBackend {
  name: "PGlite" | "PostgreSQL";
  /** A database with `options.migrations` applied (every migration by default). */
  open(
    label: string,
    options?: { migrations?: readonly Migration[] },
  ): Promise<{ db: SqlDatabase; dispose(): Promise<void> }>;
}

export const storeBackends: StoreBackend[] = [
  {
    name: "PGlite",
    async open(_label, options) {
      const db = await openPgliteDatabase(IN_MEMORY);
      await migrate(db, options?.migrations ?? migrations);
      return { db, dispose: () => db.close() };
    },
  },
  {
    name: "PostgreSQL",
    async open(label, options) {
      const database = await createTestDatabase(label);
      const db = await openPostgresDatabase({ url: database.url, poolSize: 4 });
      await migrate(db, options?.migrations ?? migrations);
      return {
        db,
        async dispose() {
          await db.close();
          await database.drop();
        },
      };
    },
  },
];
