/**
 * Cron triggers against a real PostgreSQL with a fake clock: several processes (separate
 * connection pools) checking the same export at the same moments queue exactly one run per fire
 * time, across a daylight-saving change, and an export that was disabled does not catch up on
 * the fire times it missed.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashCanonical } from "../../reconciler/src/core/canonical-json.ts";
import { ExportPutRequestSchema } from "../../contract/export.ts";
import { SchedulerStore } from "../../reconciler/src/scheduler/scheduler-store.ts";
import {
  checkCronTrigger,
  type TriggerDependencies,
} from "../../reconciler/src/scheduler/triggers.ts";
import { SecretBox } from "../../reconciler/src/secrets/secret-box.ts";
import { migrate } from "../../reconciler/src/store/migrations.ts";
import { openPostgresDatabase } from "../../reconciler/src/store/postgres-database.ts";
import type { SqlDatabase } from "../../reconciler/src/store/sql-database.ts";
import { Store, type ExportRecord } from "../../reconciler/src/store/store.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { insertConnection, scheduledExport } from "./scheduler-fixtures.ts";

const logger = pino({ level: "silent" });
let database: TestDatabase;
const pools: SqlDatabase[] = [];
let store: Store;
let clock = new Date("2026-03-27T12:00:00Z");

beforeAll(async () => {
  database = await createTestDatabase("scheduler_cron");
  for (let index = 0; index < 3; index += 1) {
    pools.push(await openPostgresDatabase({ url: database.url, poolSize: 4 }));
  }
  const first = pools[0];
  if (first === undefined) throw new Error("no pool");
  await migrate(first);
  store = new Store(first);
  const secretBox = new SecretBox({
    activeKeyId: "k1",
    keys: new Map([["k1", Buffer.alloc(32, 7)]]),
  });
  await insertConnection(store, secretBox, "main", "client-main");
}, 60_000);

afterAll(async () => {
  for (const pool of pools) await pool.close();
  await database.drop();
});

/** One "process": its own pool, store and scheduler store, all on the shared fake clock. */
function processes(): TriggerDependencies[] {
  return pools.map((pool) => ({
    store: new Store(pool),
    schedulerStore: new SchedulerStore(pool),
    logger,
    now: () => clock,
  }));
}

async function createExport(name: string, schedule: Record<string, unknown>, enabled = true) {
  const definition = ExportPutRequestSchema.parse(scheduledExport("main", schedule, { enabled }));
  const connection = await store.getConnection("main");
  const existing = await store.getExport(name);
  if (existing !== undefined) {
    return store.updateExportDefinition({
      id: existing.id,
      definition,
      definitionHash: hashCanonical(definition),
      attachedConnectionId: connection?.id ?? null,
    });
  }
  return store.insertExport({
    name,
    connectionId: connection?.id ?? "",
    definition,
    definitionHash: hashCanonical(definition),
  });
}

/** Every process checks the export at once, `rounds` times. */
async function checkEverywhere(record: ExportRecord, rounds = 5): Promise<void> {
  const all = processes();
  for (let round = 0; round < rounds; round += 1) {
    await Promise.all(all.map((deps) => checkCronTrigger(deps, record)));
  }
}

/** Ends every active run, as if it had finished, and returns the cron fire times queued so far. */
async function fireTimes(exportId: string): Promise<string[]> {
  await store.db.query(
    `UPDATE runs SET status = 'succeeded', started_at = now(), finished_at = now()
     WHERE export_id = $1 AND status IN ('queued', 'running')`,
    [exportId],
  );
  const audit = await store.db.query<{ fired: string }>(
    `SELECT a.details->>'firedAt' AS fired FROM audit_log a
     JOIN exports e ON e.name = a.target_name
     WHERE e.id = $1 AND a.action = 'run.trigger' ORDER BY a.id`,
    [exportId],
  );
  return audit.map((row) => row.fired);
}

describe("cron triggers across processes", () => {
  it("queue one run per fire time, 02:30 Berlin across the spring-forward night", async () => {
    const record = await createExport("nightly", {
      cron: "30 2 * * *",
      timeZone: "Europe/Berlin",
    });
    clock = new Date("2026-03-27T12:00:00Z");
    await checkEverywhere(record); // plans 28 March 02:30 CET (01:30Z)
    expect(await fireTimes(record.id)).toEqual([]);

    // Walk the clock in 15-minute steps over three nights; every process checks at each step.
    const fired: string[] = [];
    for (
      let at = new Date("2026-03-28T00:00:00Z").getTime();
      at <= new Date("2026-03-30T02:00:00Z").getTime();
      at += 15 * 60_000
    ) {
      clock = new Date(at);
      await checkEverywhere(record, 2);
      fired.splice(0, fired.length, ...(await fireTimes(record.id)));
    }
    expect(fired).toEqual([
      "2026-03-28T01:30:00.000Z", // 02:30 CET
      "2026-03-29T01:00:00.000Z", // 02:30 does not exist: 03:00 CEST
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
    ]);
    const runs = await store.runs.list(record.id, 50);
    expect(runs).toHaveLength(3);
    for (const run of runs)
      expect(run).toMatchObject({ trigger: "schedule", requestedBy: "scheduler" });
  }, 120_000);

  it("skip a fire time while a run is active, and never catch up after being disabled", async () => {
    const schedule = { cron: "0 * * * *", timeZone: "America/New_York" };
    let record = await createExport("hourly", schedule);
    clock = new Date("2026-06-01T10:30:00Z");
    await checkEverywhere(record);
    clock = new Date("2026-06-01T11:00:05Z");
    await checkEverywhere(record);
    expect(await store.runs.findActive(record.id)).toBeDefined();
    // The 12:00 fire finds the 11:00 run still active: skipped, not queued later.
    clock = new Date("2026-06-01T12:00:05Z");
    await checkEverywhere(record);
    expect(await fireTimes(record.id)).toEqual(["2026-06-01T11:00:00.000Z"]);

    record = await createExport("hourly", schedule, false);
    clock = new Date("2026-06-01T15:30:00Z");
    await checkEverywhere(record);
    record = await createExport("hourly", schedule, true);
    await checkEverywhere(record);
    expect(await fireTimes(record.id)).toEqual(["2026-06-01T11:00:00.000Z"]);
    clock = new Date("2026-06-01T16:00:01Z");
    await checkEverywhere(record);
    expect(await fireTimes(record.id)).toEqual([
      "2026-06-01T11:00:00.000Z",
      "2026-06-01T16:00:00.000Z",
    ]);
  }, 60_000);
});
