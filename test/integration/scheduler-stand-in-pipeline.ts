/**
 * A small, real pipeline for the scheduler tests, in the shape of the export pipeline
 * (`ReconcileRun`): it works a run in chunks, checkpoints the chunks done in `runs.counts`,
 * resumes from there, stops at a chunk boundary when its signal aborts, and records every execution (process, start, end) in `scheduler_test_executions` so
 * tests can prove that no export ran twice at once. Export names choose a behaviour:
 * `flaky-*` throws a retryable error on every attempt, `recovers-*` on the first one only, and
 * `broken-*` a permanent one; `slow-*` works 50 chunks of 100 ms and `big-*` reports 1,900
 * Constant Contact requests.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../../reconciler/src/core/errors.ts";
import type { PipelineContext } from "../../reconciler/src/main.ts";
import { RunStopped, type ReconcileRun } from "../../reconciler/src/runs/reconcile-run.ts";
import type { RunOutcome } from "../../reconciler/src/store/run-store.ts";

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

export function createStandInPipeline(
  pipeline: PipelineContext,
  options: StandInOptions,
): ReconcileRun {
  const db = pipeline.store.db;
  return async ({ run, progress, signal }): Promise<RunOutcome> => {
    await db.query(EXECUTIONS_TABLE);
    const done = Number(run.counts["chunks"] ?? 0);
    const [execution] = await db.query<{ id: string }>(
      `INSERT INTO scheduler_test_executions (run_id, export_name, pid, resumed_from)
       VALUES ($1, $2, $3, $4) RETURNING id`,
      [run.id, run.exportName, process.pid, done],
    );
    const end = () =>
      db.query(
        `UPDATE scheduler_test_executions SET finished_at = clock_timestamp() WHERE id = $1`,
        [execution?.id],
      );
    const attempts = Number(
      (
        await db.query(`SELECT count(*) AS n FROM scheduler_test_executions WHERE run_id = $1`, [
          run.id,
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
        throw new RunStopped();
      }
      await sleep(chunkMs);
      // Checkpointed at once, so a process killed after this chunk resumes after it.
      Object.assign(progress.counts, { chunks: chunk + 1, resumedFrom: done });
      await progress.flush();
    }
    await end();
    return {
      status: "succeeded",
      counts: { chunks, resumedFrom: done, read: 100, added: 5, removed: 1, requests },
    };
  };
}
