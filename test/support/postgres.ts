/**
 * A fresh PostgreSQL database per test file, on the server named by `CCX_TEST_POSTGRES_URL`
 * (default `postgres://ccx:ccx@127.0.0.1:5432/ccx_test`; the role needs CREATEDB). When the
 * server cannot be reached the tests fail with instructions; they never skip.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const testPostgresUrl =
  process.env["CCX_TEST_POSTGRES_URL"] ?? "postgres://ccx:ccx@127.0.0.1:5432/ccx_test";

export interface TestDatabase {
  /** Connection string of the new, empty database. */
  url: string;
  /** Drops the database (and closes whatever still holds connections to it). */
  drop(): Promise<void>;
}

const HOW_TO_START = [
  "Start PostgreSQL and create the test role and database, for example on Debian:",
  "  apt-get install -y postgresql && pg_ctlcluster 15 main start",
  '  su postgres -c "psql -c \\"CREATE ROLE ccx LOGIN PASSWORD \'ccx\' CREATEDB\\""',
  '  su postgres -c "createdb -O ccx ccx_test"',
  "or point CCX_TEST_POSTGRES_URL at a server where the role may CREATE DATABASE.",
].join("\n");

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: testPostgresUrl,
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PostgreSQL tests need a server at ${redact(testPostgresUrl)}, which is unreachable ` +
        `(${reason}).\n${HOW_TO_START}`,
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates `ccx_t_<label>_<random>` and returns its URL. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 30);
  const name = `ccx_t_${safeLabel}_${randomBytes(4).toString("hex")}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(testPostgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdminClient((client) => dropDatabase(client, name)),
  };
}

/**
 * Closes the test role's own sessions on the database, then drops it. Not `WITH (FORCE)`: that
 * refuses to run whenever an autovacuum worker happens to be analysing the freshly filled
 * database (the worker belongs to no role the test role is a member of), while a plain
 * `DROP DATABASE` stops autovacuum workers itself and waits for closing sessions to leave.
 */
async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  await client.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity " +
      "WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()",
    [name],
  );
  await client.query(`DROP DATABASE IF EXISTS ${name}`);
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparseable URL>";
  }
}
