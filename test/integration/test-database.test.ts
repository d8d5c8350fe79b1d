/**
 * The per-file PostgreSQL databases the store suites use: dropping one must work while sessions
 * of the test role are still open on it, since suites drop in `afterAll` before every pool has
 * been closed.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createTestDatabase, testPostgresUrl } from "../support/postgres.ts";

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: testPostgresUrl });
  await client.connect();
  try {
    const result = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe("test databases", () => {
  it("drop closes the test role's own open sessions and removes the database", async () => {
    const database = await createTestDatabase("drop_open_sessions");
    const name = new URL(database.url).pathname.slice(1);
    const holder = new pg.Client({ connectionString: database.url });
    holder.on("error", () => undefined); // the drop terminates this session on purpose
    await holder.connect();
    await holder.query("CREATE TABLE filled AS SELECT i FROM generate_series(1, 1000) AS i");
    expect(await databaseExists(name)).toBe(true);

    await database.drop();

    expect(await databaseExists(name)).toBe(false);
    await expect(holder.query("SELECT 1")).rejects.toThrow();
    await holder.end().catch(() => undefined);
  });

  it("drop of a database that is already gone succeeds", async () => {
    const database = await createTestDatabase("drop_twice");
    await database.drop();
    await expect(database.drop()).resolves.toBeUndefined();
  });
});
