/**
 * A small, real run executor for the scheduler tests: it works a run in chunks, checkpoints the
 * chunks done in `runs.counts`, resumes from there, stops at a chunk boundary when its signal
 * aborts, and records every execution (process, start, end) in `scheduler_test_executions` so
 * tests can prove that no export ran twice at once. Export names choose a behaviour:
 * `flaky-*` throws a retryable error on every attempt, `recovers-*` on the first one only, and
 * `broken-*` a permanent one; `slow-*` works 50 chunks of 100 ms and `big-*` reports 1,900
 * Constant Contact requests.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../../reconciler/src/core/errors.ts";
import type { RunExecutorContext } from "../../reconciler/src/main.ts";
import type { RunExecutor } from "../../reconciler/src/scheduler/run-executor.ts";
import type { RunRecord } from "../../reconciler/src/store/store.ts";

export const EXECUTIONS_TABLE = `CREATE TABLE IF NOT EXISTS scheduler_test_executions (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL,
  export_name text NOT NULL,
  pid integer NOT NULL,
  resumed_from integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz
)`;

export interface StandInOptions {
  chunks: number;
  chunkMs: number;
  /** Constant Contact requests the run reports, for the budget. @default 10 */
  requests?: number;
}

export function createStandInExecutor(
  context: RunExecutorContext,
  options: StandInOptions,
): RunExecutor {
  const { store } = context;
  const db = store.db;
  return async (runId: string, signal: AbortSignal): Promise<RunRecord> => {
    await db.query(EXECUTIONS_TABLE);
    const claimed = await db.query(
      `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, now())
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING counts`,
      [runId],
    );
    const run = await store.getRun(runId);
    if (run === undefined) throw new AppError("NOT_FOUND", `run ${runId} does not exist`);
    if (claimed.length === 0) return run;
    const done = Number(run.counts["chunks"] ?? 0);
    const [execution] = await db.query<{ id: string }>(
      `INSERT INTO scheduler_test_executions (run_id, export_name, pid, resumed_from)
       VALUES ($1, $2, $3, $4) RETURNING id`,
      [runId, run.exportName, process.pid, done],
    );
    const end = () =>
      db.query(
        `UPDATE scheduler_test_executions SET finished_at = clock_timestamp() WHERE id = $1`,
        [execution?.id],
      );
    const attempts = Number(
      (
        await db.query(`SELECT count(*) AS n FROM scheduler_test_executions WHERE run_id = $1`, [
          runId,
        ])
      )[0]?.["n"] ?? 0,
    );
    if (
      run.exportName.startsWith("flaky-") ||
      (run.exportName.startsWith("recovers-") && attempts === 1)
    ) {
      await end();
      throw new AppError("SOURCE_UNAVAILABLE", "the segment source did not answer", {
        retryable: true,
      });
    }
    if (run.exportName.startsWith("broken-")) {
      await end();
      throw new AppError("EXPORT_LIST_MISSING", "the Constant Contact list does not exist");
    }
    const slow = run.exportName.startsWith("slow-");
    const chunks = slow ? 50 : options.chunks;
    const chunkMs = slow ? 100 : options.chunkMs;
    const requests = run.exportName.startsWith("big-") ? 1_900 : (options.requests ?? 10);
    for (let chunk = done; chunk < chunks; chunk += 1) {
      if (signal.aborted) {
        await end();
        const cancelled = (await store.getRun(runId))?.cancelRequestedAt !== null;
        if (cancelled) {
          await db.query(
            `UPDATE runs SET status = 'cancelled', finished_at = now() WHERE id = $1`,
            [runId],
          );
        }
        return (await store.getRun(runId)) ?? run;
      }
      await sleep(chunkMs);
      await db.query(
        `UPDATE runs SET counts = jsonb_build_object('chunks', $2::integer, 'resumedFrom', $3::integer)
         WHERE id = $1`,
        [runId, chunk + 1, done],
      );
    }
    await end();
    await db.query(
      `UPDATE runs SET status = 'succeeded', finished_at = now(),
         counts = jsonb_build_object('chunks', $2::integer, 'resumedFrom', $3::integer,
           'read', 100, 'added', 5, 'removed', 1, 'requests', $4::integer)
       WHERE id = $1`,
      [runId, chunks, done, requests],
    );
    return (await store.getRun(runId)) ?? run;
  };
}
