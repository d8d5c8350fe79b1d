/**
 * The `postgres` source on a real PostgreSQL server (CCX_TEST_POSTGRES_URL, default
 * postgres://ccx:ccx@127.0.0.1:5432/ccx_test). Without a server the suite fails with instructions.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectDesiredContacts } from "../../reconciler/src/export/desired-contacts.ts";
import { createPostgresSource } from "../../reconciler/src/sources/postgres-source.ts";
import type { SegmentRow, SegmentSource } from "../../reconciler/src/sources/segment-source.ts";
import { createTestDatabase } from "../support/postgres.ts";
import type { TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;
let source: SegmentSource;

const QUERIES = {
  vip:
    'SELECT email AS "Email", first_name AS "FirstName", last_name AS "LastName", score AS "Score", ' +
    "joined AS \"Joined\" FROM customers WHERE tier = 'vip' ORDER BY id;",
  everyone: 'SELECT email AS "Email", first_name AS "FirstName" FROM customers ORDER BY id',
  broken: "SELECT no_such_column FROM customers",
};

beforeAll(async () => {
  database = await createTestDatabase("pipeline_postgres");
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE customers (
        id int PRIMARY KEY,
        email text,
        first_name text,
        last_name text,
        tier text NOT NULL,
        score numeric(6,2),
        joined timestamptz
      );
      INSERT INTO customers
      SELECT i,
             CASE WHEN i % 1000 = 7 THEN 'broken-address' ELSE 'User' || i || '@Example.com' END,
             CASE WHEN i % 3 = 0 THEN NULL ELSE 'First, ' || i END,
             'Last' || i,
             CASE WHEN i % 4 = 0 THEN 'vip' ELSE 'regular' END,
             i / 100.0,
             timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour'
      FROM generate_series(1, 12345) AS i;
    `);
  } finally {
    await client.end();
  }
  source = createPostgresSource({
    connectionString: database.url,
    segments: { queries: QUERIES },
    fetchSize: 1_000,
  });
});

afterAll(async () => {
  await source?.close();
  await database?.drop();
});

async function rowsOf(segment: string): Promise<SegmentRow[]> {
  const rows: SegmentRow[] = [];
  for await (const row of (await source.resolve(segment)).rows()) rows.push(row);
  return rows;
}

describe("postgres source", () => {
  it("streams a query with a cursor across many fetches, values as text, NULLs left out", async () => {
    const rows = await rowsOf("vip");
    expect(rows).toHaveLength(3086);
    expect(rows[0]).toEqual({
      Email: "User4@Example.com",
      FirstName: "First, 4",
      LastName: "Last4",
      Score: "0.04",
      Joined: expect.stringMatching(/^2024-01-01 04:00:00/) as string,
    });
    expect(rows[2]).not.toHaveProperty("FirstName"); // id 12: NULL
  });

  it("reports a version that is stable and changes when a row of the result changes", async () => {
    const first = (await source.resolve("vip")).version;
    expect((await source.resolve("vip")).version).toBe(first);
    expect(first).toMatch(/^3086:/);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query("UPDATE customers SET first_name = 'Changed' WHERE id = 8");
      expect((await source.resolve("vip")).version).not.toBe(first);
      expect((await source.resolve("vip")).version).toMatch(/^3086:/);
      await client.query("UPDATE customers SET first_name = 'Changed' WHERE id = 9"); // not vip
      const vipAfter = (await source.resolve("vip")).version;
      await client.query("UPDATE customers SET first_name = 'Again' WHERE id = 9");
      expect((await source.resolve("vip")).version).toBe(vipAfter);
    } finally {
      await client.end();
    }
  });

  it("releases its connection when the reader stops early", async () => {
    for (let i = 0; i < 5; i += 1) {
      for await (const _ of (await source.resolve("everyone")).rows()) break;
    }
    expect(await rowsOf("vip")).toHaveLength(3086);
  });

  it.each([
    ["a segment without a query", "nope", "SOURCE_NOT_FOUND"],
    ["a failing query", "broken", "SOURCE_MALFORMED"],
  ])("fails clearly on %s", async (_name, segment, code) => {
    await expect(rowsOf(segment)).rejects.toMatchObject({ code });
  });

  it("reports an unreachable server as SOURCE_UNAVAILABLE (retryable)", async () => {
    const unreachable = createPostgresSource({
      connectionString: "postgres://ccx:ccx@127.0.0.1:1/none",
      segments: { queries: QUERIES },
    });
    try {
      await expect(unreachable.resolve("vip")).rejects.toMatchObject({
        code: "SOURCE_UNAVAILABLE",
        retryable: true,
      });
    } finally {
      await unreachable.close();
    }
  });

  it("feeds the pipeline: invalid addresses rejected, repeated keys de-duplicated", async () => {
    const desired = await collectDesiredContacts({
      source,
      segments: ["vip", "everyone"],
      mappings: { email: "Email", firstName: "FirstName" },
      runLines: 5_000,
    });
    try {
      // 12,345 customers; 13 broken addresses (ids 7, 1007, …, 12007: odd, so none is vip);
      // every vip row is repeated in "everyone", which comes second and loses.
      expect(desired.counts).toEqual({
        rows: 3086 + 12345,
        invalid: 13,
        duplicates: 3086,
        profiles: 12345 - 13,
      });
    } finally {
      await desired.dispose();
    }
  });
});

describe("postgres source guards", () => {
  /** A source over the same database with the given segments and limits. */
  const guarded = (
    segments: Parameters<typeof createPostgresSource>[0]["segments"],
    limits: { maxRows?: number; statementTimeoutMs?: number } = {},
  ) =>
    createPostgresSource({
      connectionString: database.url,
      sourceName: "crm",
      segments,
      ...limits,
    });

  async function read(from: SegmentSource, segment: string): Promise<SegmentRow[]> {
    const rows: SegmentRow[] = [];
    try {
      for await (const row of (await from.resolve(segment)).rows()) rows.push(row);
    } finally {
      await from.close();
    }
    return rows;
  }

  async function tableCount(name: string): Promise<number> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const result = await client.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_tables WHERE tablename = $1`,
        [name],
      );
      return Number(result.rows[0]?.n ?? "0");
    } finally {
      await client.end();
    }
  }

  it("binds the segment name of a table source as a parameter", async () => {
    const rows = await read(
      guarded({ table: { name: "public.customers", segmentColumn: "tier" } }),
      "vip",
    );
    expect(rows).toHaveLength(3086);
    // A segment name that would break out of a quoted literal matches nothing and runs nothing.
    const injected = await read(
      guarded({ table: { name: "customers", segmentColumn: "tier" } }),
      "vip' OR '1'='1",
    );
    expect(injected).toEqual([]);
  });

  it.each([
    ["several statements", "SELECT 1 AS email; CREATE TABLE smuggled_a (id int)", "smuggled_a"],
    [
      "a statement that closes the version query's subquery",
      "SELECT 'a@b.example' AS email) AS t; CREATE TABLE smuggled_b (id int); SELECT 1 FROM (SELECT 1",
      "smuggled_b",
    ],
    ["a write", "CREATE TABLE smuggled_c (id int)", "smuggled_c"],
  ])("refuses %s and creates nothing", async (_name, sql, table) => {
    await expect(read(guarded({ queries: { s: sql } }), "s")).rejects.toMatchObject({
      code: "SOURCE_MALFORMED",
    });
    expect(await tableCount(table)).toBe(0);
  });

  it("keeps the database's message, with its data values, out of the error's message", async () => {
    const failure = (await read(
      guarded({ queries: { s: "SELECT email::int FROM customers" } }),
      "s",
    ).then(
      () => new Error("the query succeeded"),
      (error: unknown) => error,
    )) as Error & { code: string; details: { sqlState: string } };
    expect(failure).toMatchObject({ code: "SOURCE_MALFORMED", details: { sqlState: "22P02" } });
    expect(failure.message).toContain("segment 's' in source 'crm'");
    expect(failure.message).not.toMatch(/invalid input syntax|@example\.com/);
  });

  it("stops a query at the row limit and at the statement timeout", async () => {
    await expect(
      read(guarded({ queries: { s: "SELECT email FROM customers" } }, { maxRows: 100 }), "s"),
    ).rejects.toMatchObject({ code: "SOURCE_LIMIT_EXCEEDED" });
    await expect(
      read(
        guarded(
          { queries: { s: "SELECT pg_sleep(5)::text AS email" } },
          { statementTimeoutMs: 200 },
        ),
        "s",
      ),
    ).rejects.toMatchObject({ code: "SOURCE_TIMEOUT" });
  });
});
