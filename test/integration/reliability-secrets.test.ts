/**
 * The CI-sized secret-hygiene scan of the reliability suite, on both stores: no API token,
 * encryption key, client secret or issued OAuth token in any API answer, log line, table row or
 * file the reconciler wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretHygiene } from "../reliability/secret-hygiene.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase("reliability_secrets");
});

afterAll(async () => {
  await database?.drop();
});

describe("secret hygiene", () => {
  it("finds no secret anywhere with the embedded store", async () => {
    const result = await secretHygiene({ profiles: 50 });
    expect(result.failures).toEqual([]);
    expect(result.figures["tokensIssued"]).toBeGreaterThanOrEqual(4);
    expect(result.figures["exchanges"]).toBeGreaterThan(40);
    expect(result.figures["files"]).toBeGreaterThan(0);
    expect(result.passed).toBe(true);
  }, 180_000);

  it("finds no secret anywhere with PostgreSQL", async () => {
    const result = await secretHygiene({ profiles: 50, databaseUrl: database.url });
    expect(result.failures).toEqual([]);
    expect(result.figures["tables"]).toBeGreaterThan(5);
    expect(result.passed).toBe(true);
  }, 180_000);
});
