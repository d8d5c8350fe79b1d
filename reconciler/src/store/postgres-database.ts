/**
 * The production store: PostgreSQL through a `pg` connection pool (Azure Database for
 * PostgreSQL in the Azure deployment). Several reconciler replicas may share one database.
 */
import pg from "pg";
import type { SqlDatabase, SqlRow } from "./sql-database.ts";

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Maximum connections in the pool. @default 10 */
  poolSize?: number;
  /** How long to wait for a connection before failing, in milliseconds. @default 5000 */
  connectTimeoutMs?: number;
}

/** Opens a pool and checks that the server answers. */
export async function openPostgresDatabase(options: PostgresOptions): Promise<SqlDatabase> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener
  // that would crash the process. The next query gets a fresh connection.
  pool.on("error", () => undefined);
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closed = false;
  return {
    kind: "postgres",
    async query<Row extends SqlRow>(sql: string, params: readonly unknown[] = []) {
      const result = await pool.query<Row>(sql, [...params]);
      return result.rows;
    },
    async transaction<T>(work: (tx: SqlDatabase) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work(wrapClient(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

function wrapClient(client: pg.PoolClient): SqlDatabase {
  return {
    kind: "postgres",
    async query<Row extends SqlRow>(sql: string, params: readonly unknown[] = []) {
      const result = await client.query<Row>(sql, [...params]);
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
