/**
 * The CI-sized escalation scenario of the reliability suite: a contributor and a viewer try to
 * choose where data comes from, run SQL of their own, leave the allowed folders and accounts,
 * and reach admin-only exports, on a real PostgreSQL store and segment database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escalation } from "../reliability/escalation.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

let store: TestDatabase;
let segments: TestDatabase;

beforeAll(async () => {
  [store, segments] = await Promise.all([
    createTestDatabase("escalation_store"),
    createTestDatabase("escalation_segments"),
  ]);
});

afterAll(async () => {
  await store?.drop();
  await segments?.drop();
});

describe("privilege escalation through sources", () => {
  it("answers every attempt with a 4xx and lets nothing through", async () => {
    const result = await escalation({
      storeDatabaseUrl: store.url,
      segmentsDatabaseUrl: segments.url,
      variants: 2,
    });
    expect(result.failures).toEqual([]);
    expect(result.attempts.length).toBeGreaterThan(50);
    expect(result.attempts.filter((entry) => !entry.held)).toEqual([]);
    expect(result.figures).toMatchObject({
      tokensCreated: 0,
      leakedRows: 0,
      echoedDbMessages: 0,
      hostPaths: 0,
      foreignConnections: 0,
    });
    expect(result.passed).toBe(true);
  }, 240_000);
});
