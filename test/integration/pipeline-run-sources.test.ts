/**
 * Export runs from the other sources, through the reconciler's HTTP API into the emulator: a
 * `postgres` source (a SQL query per segment, on a real PostgreSQL) and an `azure-blob` source in
 * the Customer Insights folder layout (on Azurite). A change in the source is what the next run
 * writes, and nothing else.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerClient } from "@azure/storage-blob";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import { parseConfig } from "../../reconciler/src/config.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import { startAzurite, type Azurite } from "../support/azurite.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import {
  apiCaller,
  createConnection,
  listIdByName,
  runToEnd,
  writeActivities,
} from "./pipeline-run-support.ts";

const adminToken = generateToken();
/** The storage account azure-blob sources declare; on the allow-list, reached through Azurite. */
const ACCOUNT_URL = "https://contoso.blob.core.windows.net";
let dir: string;
let database: TestDatabase;
let azurite: Azurite;
let container: ContainerClient;
let emulator: Emulator;
let reconciler: RunningReconciler;
const call = apiCaller(() => reconciler.url, adminToken);

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function put(name: string, body: string): Promise<void> {
  await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
}

function csv(rows: Array<[string, string]>): string {
  return `Email,FirstName\n${rows.map(([email, first]) => `${email},${first}`).join("\n")}\n`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ccx-pipeline-run-sources-"));
  [database, azurite, emulator] = await Promise.all([
    createTestDatabase("pipeline_run_sources"),
    startAzurite(),
    startEmulator({ activityTiming: "instant" }),
  ]);
  container = await azurite.createContainer("customerinsights");
  reconciler = await startReconciler(
    parseConfig({
      server: { host: "127.0.0.1", port: 0 },
      store: { dataDir: join(dir, "store") },
      snapshots: { dir: join(dir, "snapshots") },
      secrets: { activeKeyId: "k1", keys: { k1: randomBytes(32).toString("base64") } },
      auth: { bootstrapAdminToken: adminToken },
      log: { level: "silent" },
      ctct: { apiBaseUrl: emulator.apiBaseUrl, tokenUrl: emulator.tokenUrl },
      runs: { tempDir: dir },
      sources: {
        azureStorageConnectionString: azurite.connectionString,
        azureBlob: {
          allowed: [{ accountUrl: ACCOUNT_URL, containers: [container.containerName] }],
        },
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await reconciler?.close();
  await emulator?.close();
  await azurite?.stop();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("a postgres source", () => {
  it("exports a query per segment, and a changed row is the only write of the next run", async () => {
    await sql(`
      CREATE TABLE customers (id int PRIMARY KEY, email text, first_name text, tier text);
      INSERT INTO customers
      SELECT i, 'Pg' || i || '@Example.com', 'First' || i,
             CASE WHEN i % 2 = 0 THEN 'vip' ELSE 'regular' END
      FROM generate_series(1, 30) AS i;
      UPDATE customers SET email = 'not an address' WHERE id = 30;
    `);
    const { accountId } = await createConnection(call, emulator, "pg-source-conn");
    const body = {
      connection: "pg-source-conn",
      list: { name: "Postgres segments", create: true },
      mappings: { email: "email", firstName: "first_name" },
      segments: ["vip", "everyone"],
      source: "crm",
      schedule: { manualOnly: true },
    };
    // The admin's source holds the connection string (sealed) and the SQL of each segment.
    const source = await call("PUT", "/v1/sources/crm", {
      type: "postgres",
      connectionString: database.url,
      queries: {
        vip: "SELECT email, first_name FROM customers WHERE tier = 'vip' ORDER BY id",
        everyone: "SELECT email, first_name FROM customers ORDER BY id",
      },
    });
    expect(source.status).toBe(201);
    expect(JSON.stringify(source.json)).not.toContain(database.url);
    expect((await call("PUT", "/v1/exports/pg-source", body)).status).toBe(201);

    const first = await runToEnd(call, "pg-source");
    expect(first.status, JSON.stringify(first.error)).toBe("succeeded");
    // 15 vip rows + 30 rows, the vip ones repeated in everyone, row 30 invalid in both.
    expect(first.counts).toMatchObject({
      read: 45,
      invalid: 2,
      duplicate: 14,
      added: 29,
      listMembers: 29,
    });
    const listId = listIdByName(emulator, accountId, "Postgres segments");
    expect(emulator.inspect.listMembers(listId)).toContain("pg1@example.com");

    await sql(`UPDATE customers SET first_name = 'Changed' WHERE id = 3`);
    const writes = writeActivities(emulator, accountId);
    const second = await runToEnd(call, "pg-source");
    expect(second.counts).toMatchObject({ added: 0, updated: 1, removed: 0 });
    expect(writeActivities(emulator, accountId)).toBe(writes + 1);
    expect(emulator.inspect.contact("pg3@example.com", accountId)?.firstName).toBe("Changed");
  });
});

describe("an azure-blob source in the Customer Insights layout", () => {
  const prefix = "CustomerInsights_4f1c/ExportToCtct";
  const people = Array.from({ length: 20 }, (_, i): [string, string] => [
    `blob${i}@example.com`,
    `Blob${i}`,
  ]);

  it("exports the newest time folder, and the next one's leavers and changes", async () => {
    await put(`${prefix}/HighValue/2026/11/01/0300/HighValue_1.csv`, csv(people.slice(0, 12)));
    await put(`${prefix}/HighValue/2026/11/01/0300/HighValue_2.csv`, csv(people.slice(12)));
    const { accountId } = await createConnection(call, emulator, "blob-conn");
    const body = {
      connection: "blob-conn",
      list: { name: "Blob segments", create: true },
      mappings: { email: "Email", firstName: "FirstName" },
      segments: ["HighValue"],
      source: "lake",
      schedule: { manualOnly: true },
    };
    const source = await call("PUT", "/v1/sources/lake", {
      type: "azure-blob",
      accountUrl: ACCOUNT_URL,
      container: container.containerName,
      prefix,
    });
    expect(source.status).toBe(201);
    expect((await call("PUT", "/v1/exports/blob-source", body)).status).toBe(201);
    const first = await runToEnd(call, "blob-source");
    expect(first.status, JSON.stringify(first.error)).toBe("succeeded");
    expect(first.counts).toMatchObject({ read: 20, added: 20, listMembers: 20 });

    // The next export run of Customer Insights: blob0 left the segment, blob1 changed name.
    const next = people
      .slice(1)
      .map(([email, first]): [string, string] =>
        email === "blob1@example.com" ? [email, "Renamed"] : [email, first],
      );
    await put(`${prefix}/HighValue/2026/11/02/0300/HighValue_1.csv`, csv(next));
    const second = await runToEnd(call, "blob-source");
    expect(second.status, JSON.stringify(second.error)).toBe("succeeded");
    expect(second.counts).toMatchObject({ read: 19, added: 0, updated: 1, removed: 1 });
    const members = emulator.inspect.listMembers(
      listIdByName(emulator, accountId, "Blob segments"),
    );
    expect(members).toHaveLength(19);
    expect(members).not.toContain("blob0@example.com");
    expect(emulator.inspect.contact("blob0@example.com", accountId)?.deleted).toBe(false);
  });
});
