/**
 * The scheduler's own records, beside the core store: per-export trigger state (the cron time
 * planned next, the source version and generation last acted on), the dispatch of each run to
 * the queue, and the shared daily request budget. The runs themselves are written only by the
 * run store (`store/run-store.ts`). Every state change that two reconciler
 * processes could race on is a compare-and-set, so exactly one of them wins.
 */
import type { SqlDatabase, SqlRow } from "../store/sql-database.ts";

/** What the triggers last saw of one export. */
export interface ExportTriggerState {
  cronSpec: string | null;
  cronNextAt: Date | null;
  sourceVersion: string | null;
  stackGeneration: number;
}

/** How a run was handed to the queue: the current job and the attempt it stands for. */
export interface RunDispatch {
  runId: string;
  exportId: string;
  /** Bumped each time the run is re-sent (retry, deferral); names the job that is current. */
  sequence: number;
  /** 1-based attempt of the run that the current job makes. */
  attempt: number;
  notBefore: Date | null;
}

function dateOrNull(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string);
}

function toDispatch(row: SqlRow): RunDispatch {
  return {
    runId: String(row["run_id"]),
    exportId: String(row["export_id"]),
    sequence: Number(row["sequence"]),
    attempt: Number(row["attempt"]),
    notBefore: dateOrNull(row["not_before"]),
  };
}

/** A UTC calendar day, `YYYY-MM-DD`: the unit of Constant Contact's daily budget. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export class SchedulerStore {
  readonly db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.db = db;
  }

  // --- trigger state ----------------------------------------------------------------------

  async triggerState(exportId: string): Promise<ExportTriggerState> {
    await this.db.query(
      `INSERT INTO scheduler_export_state (export_id) VALUES ($1) ON CONFLICT DO NOTHING`,
      [exportId],
    );
    const rows = await this.db.query(
      `SELECT cron_spec, cron_next_at, source_version, stack_generation
       FROM scheduler_export_state WHERE export_id = $1`,
      [exportId],
    );
    const row = rows[0] ?? {};
    return {
      cronSpec: (row["cron_spec"] as string | null | undefined) ?? null,
      cronNextAt: dateOrNull(row["cron_next_at"]),
      sourceVersion: (row["source_version"] as string | null | undefined) ?? null,
      stackGeneration: Number(row["stack_generation"] ?? 0),
    };
  }

  /** Moves the planned cron time from `expected` to `next`; false when another process did. */
  async swapCronPlan(
    exportId: string,
    expected: { spec: string | null; nextAt: Date | null },
    next: { spec: string | null; nextAt: Date | null },
  ): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE scheduler_export_state SET cron_spec = $2, cron_next_at = $3, updated_at = now()
       WHERE export_id = $1 AND cron_spec IS NOT DISTINCT FROM $4
         AND cron_next_at IS NOT DISTINCT FROM $5::timestamptz
       RETURNING export_id`,
      [exportId, next.spec, next.nextAt, expected.spec, expected.nextAt],
    );
    return rows.length > 0;
  }

  /** Records a new source version in place of `expected`; false when another process did. */
  async swapSourceVersion(
    exportId: string,
    expected: string | null,
    next: string,
  ): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE scheduler_export_state SET source_version = $2, updated_at = now()
       WHERE export_id = $1 AND source_version IS NOT DISTINCT FROM $3 RETURNING export_id`,
      [exportId, next, expected],
    );
    return rows.length > 0;
  }

  /** Records the generation a stack-change run was queued for; false when another process did. */
  async swapStackGeneration(exportId: string, expected: number, next: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE scheduler_export_state SET stack_generation = $2, updated_at = now()
       WHERE export_id = $1 AND stack_generation = $3 RETURNING export_id`,
      [exportId, next, expected],
    );
    return rows.length > 0;
  }

  // --- dispatch ---------------------------------------------------------------------------

  /** Queued or running runs that were never handed to the queue. */
  async undispatchedRuns(): Promise<{ runId: string; exportId: string }[]> {
    const rows = await this.db.query(
      `SELECT r.id, r.export_id FROM runs r LEFT JOIN run_dispatch d ON d.run_id = r.id
       WHERE r.status IN ('queued', 'running') AND d.run_id IS NULL ORDER BY r.queued_at`,
    );
    return rows.map((row) => ({ runId: String(row["id"]), exportId: String(row["export_id"]) }));
  }

  /** The dispatches of every queued or running run (to re-send after an in-process restart). */
  async activeDispatches(): Promise<RunDispatch[]> {
    const rows = await this.db.query(
      `SELECT d.*, r.export_id FROM run_dispatch d JOIN runs r ON r.id = d.run_id
       WHERE r.status IN ('queued', 'running') ORDER BY r.queued_at`,
    );
    return rows.map(toDispatch);
  }

  /** Records that a run's first job was sent; a no-op when it already was. */
  async recordDispatch(runId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO run_dispatch (run_id) VALUES ($1) ON CONFLICT (run_id) DO NOTHING`,
      [runId],
    );
  }

  async dispatchOf(runId: string): Promise<RunDispatch | undefined> {
    const rows = await this.db.query(
      `SELECT d.*, r.export_id FROM run_dispatch d JOIN runs r ON r.id = d.run_id
       WHERE d.run_id = $1`,
      [runId],
    );
    return rows[0] === undefined ? undefined : toDispatch(rows[0]);
  }

  /**
   * Replaces the current job of a run (`sequence` must still be `fromSequence`) with the next
   * one, for `attempt`, not before `notBefore`. Undefined when another process moved it first.
   */
  async advanceDispatch(
    runId: string,
    fromSequence: number,
    next: { attempt: number; notBefore: Date },
  ): Promise<RunDispatch | undefined> {
    const rows = await this.db.query(
      `UPDATE run_dispatch d SET sequence = d.sequence + 1, attempt = $3, not_before = $4,
         dispatched_at = now()
       FROM runs r WHERE r.id = d.run_id AND d.run_id = $1 AND d.sequence = $2
       RETURNING d.*, r.export_id`,
      [runId, fromSequence, next.attempt, next.notBefore],
    );
    return rows[0] === undefined ? undefined : toDispatch(rows[0]);
  }

  // --- request budget ---------------------------------------------------------------------

  /** Requests used and reserved today by one application key. */
  async budgetUse(appKey: string, day: string): Promise<{ used: number; reserved: number }> {
    const rows = await this.db.query(
      `SELECT
         COALESCE((SELECT used FROM ctct_request_usage WHERE app_key = $1 AND day = $2::date), 0)
           AS used,
         COALESCE((SELECT sum(b.requests) FROM run_budget_reservations b
           JOIN runs r ON r.id = b.run_id
           WHERE b.app_key = $1 AND b.day = $2::date AND r.status IN ('queued', 'running')), 0)
           AS reserved`,
      [appKey, day],
    );
    return { used: Number(rows[0]?.["used"] ?? 0), reserved: Number(rows[0]?.["reserved"] ?? 0) };
  }

  /**
   * Sets `requests` of today's budget aside for a run, unless that would exceed `dailyLimit`.
   * Serialised per application key with a transaction-scoped advisory lock, so two processes
   * cannot both take the last requests. A run that already holds a reservation today keeps it.
   */
  async reserveBudget(input: {
    runId: string;
    appKey: string;
    day: string;
    requests: number;
    dailyLimit: number;
  }): Promise<{ reserved: boolean; used: number; otherReserved: number }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('ccx-budget:' || $1))`, [input.appKey]);
      await tx.query(`DELETE FROM run_budget_reservations WHERE run_id = $1 AND day <> $2::date`, [
        input.runId,
        input.day,
      ]);
      const held = await tx.query(
        `SELECT requests FROM run_budget_reservations WHERE run_id = $1`,
        [input.runId],
      );
      const use = await new SchedulerStore(tx).budgetUse(input.appKey, input.day);
      const mine = Number(held[0]?.["requests"] ?? 0);
      const otherReserved = use.reserved - mine;
      if (held.length > 0) return { reserved: true, used: use.used, otherReserved };
      if (use.used + otherReserved + input.requests > input.dailyLimit) {
        return { reserved: false, used: use.used, otherReserved };
      }
      await tx.query(
        `INSERT INTO run_budget_reservations (run_id, app_key, day, requests)
         VALUES ($1, $2, $3::date, $4)`,
        [input.runId, input.appKey, input.day, input.requests],
      );
      return { reserved: true, used: use.used, otherReserved };
    });
  }

  /** Counts requests spent outside a run (a plan) against an application's day. */
  async recordRequestUse(appKey: string, day: string, used: number): Promise<void> {
    if (used <= 0) return;
    await this.db.query(
      `INSERT INTO ctct_request_usage (app_key, day, used) VALUES ($1, $2::date, $3)
       ON CONFLICT (app_key, day) DO UPDATE SET used = ctct_request_usage.used + $3`,
      [appKey, day, used],
    );
  }

  /** Drops a run's reservation and counts what it actually used against its day. */
  async settleBudget(runId: string, used: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `DELETE FROM run_budget_reservations WHERE run_id = $1 RETURNING app_key, day::text AS day`,
        [runId],
      );
      const row = rows[0];
      if (row === undefined || used <= 0) return;
      await tx.query(
        `INSERT INTO ctct_request_usage (app_key, day, used) VALUES ($1, $2::date, $3)
         ON CONFLICT (app_key, day) DO UPDATE SET used = ctct_request_usage.used + $3`,
        [row["app_key"], row["day"], used],
      );
    });
  }
}
