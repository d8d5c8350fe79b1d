/**
 * Every reliability scenario with its full size (for `npm run test:reliability`). The CI-sized
 * calls live in `test/integration/reliability-*.test.ts`.
 */
import { badInput } from "./bad-input.ts";
import { escalation } from "./escalation.ts";
import { faultStorm } from "./fault-storm.ts";
import { killResume } from "./kill-resume.ts";
import { fuzzEmulator } from "./fuzz-emulator.ts";
import { fuzzReconciler } from "./fuzz-reconciler.ts";
import type { ScenarioResult } from "./scenario.ts";
import { replicas } from "./replicas.ts";
import { tokenRotation } from "./token-rotation.ts";
import { secretHygiene } from "./secret-hygiene.ts";
import { createTestDatabase } from "../support/postgres.ts";

/** Runs `work` on a fresh PostgreSQL database, dropped afterwards. */
async function onPostgres<T>(label: string, work: (url: string) => Promise<T>): Promise<T> {
  const database = await createTestDatabase(label);
  try {
    return await work(database.url);
  } finally {
    await database.drop();
  }
}

export interface ScenarioEntry {
  name: string;
  /** Runs the scenario at full size. */
  full(): Promise<ScenarioResult>;
}

export const SCENARIOS: readonly ScenarioEntry[] = [
  { name: "fuzz-reconciler", full: () => fuzzReconciler({ maxExamples: 200 }) },
  { name: "fuzz-emulator", full: () => fuzzEmulator({ maxExamples: 200 }) },
  { name: "bad-input", full: () => badInput({ profileLimit: 1_000_000 }) },
  {
    name: "escalation",
    full: () =>
      onPostgres("escalation_store", (storeDatabaseUrl) =>
        onPostgres("escalation_segments", (segmentsDatabaseUrl) =>
          escalation({ storeDatabaseUrl, segmentsDatabaseUrl, variants: 50 }),
        ),
      ),
  },
  { name: "secret-hygiene", full: () => secretHygiene({ profiles: 5_000 }) },
  {
    name: "secret-hygiene-postgres",
    full: () =>
      onPostgres("hygiene", (url) => secretHygiene({ profiles: 5_000, databaseUrl: url })),
  },
  {
    name: "kill-9",
    full: () => killResume({ trials: 10, profiles: 200_000, itemsPerSecond: 20_000 }),
  },
  { name: "fault-storm", full: () => faultStorm({ trials: 5, profiles: 100_000 }) },
  { name: "token-rotation", full: () => tokenRotation({ rounds: 10, profiles: 1_000 }) },
  {
    name: "replicas",
    full: () => replicas({ triggers: 100, exports: 5, profiles: 2_000, restartProfiles: 200_000 }),
  },
];
