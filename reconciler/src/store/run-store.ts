/**
 * The one writer of the runs table (ADR 0005): a run is inserted queued, claimed (queued →
 * running, or kept running to resume), requeued for a retry or a deferral, records its progress
 * and per-chunk checkpoints, and ends — finished with its outcome (switching the export's current
 * snapshot in the same transaction), or cancelled. Every state change is a compare-and-set on
 * the status, so two processes racing on one run cannot both win. Same SQL on PGlite and
 * PostgreSQL; SQL error states become {@link AppError}s here.
 */
import { randomUUID } from "node:crypto";
import type { RunStatus, RunTrigger } from "../../../contract/run.ts";
import { AppError } from "../core/errors.ts";
import { UNIQUE_VIOLATION, withSqlState, type SqlDatabase, type SqlRow } from "./sql-database.ts";
import { iso, isoOrNull, text, textOrNull } from "./sql-values.ts";

export interface RunRecord {
  id: string;
  exportId: string;
  exportName: string;
  trigger: RunTrigger;
  status: RunStatus;
  generation: number;
  /** The hash of the definition whose change or trigger queued the run. */
  definitionHash: string;
  stack: string | null;
  updateId: string | null;
  requestedBy: string;
  counts: Record<string, number>;
  error: RunError | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelRequestedAt: string | null;
  /**
   * Live progress of a running run (`phase`, `rowsRead`, `chunksSent`, the definition hash it
   * executes, …); null before it starts.
   */
  progress: Record<string, unknown> | null;
  /** Rows Constant Contact rejected, a sample with reasons (e-mails masked). */
  rejectedSamples: Array<Record<string, unknown>>;
}

/** A run's error as stored: why it waits, was retried or ended. */
export interface RunError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** What a new run records about its cause. */
export interface RunInsert {
  exportId: string;
  trigger: RunTrigger;
  generation: number;
  definitionHash: string;
  stack: string | null;
  updateId: string | null;
  requestedBy: string;
}

/** A write chunk of a run, as checkpointed. */
export interface ChunkCheckpoint {
  phase: "import" | "remove";
  chunkIndex: number;
  /** SHA-256 of the chunk's content: a resumed run skips a chunk only when it is the same. */
  chunkHash: string;
  itemCount: number;
  activityId: string | null;
  state: "sent" | "confirmed";
  /** What the completed activity reported (counts, rejected samples); `{}` while sent. */
  result: Record<string, unknown>;
}

/** The snapshot an export last synced. */
export interface CurrentSnapshot {
  snapshotId: string;
  /**
   * The contact ids the run learnt after writing the snapshot (a file of the same store, entries
   * sorted by key, each with its `contactId`): an entry of the snapshot takes its id from there.
   */
  idsId: string | null;
  entries: number;
  bytes: number;
  runId: string | null;
  /** The list it was synced to; a run to another list starts from nothing. */
  listId: string | null;
}

/** How a run ends. */
export interface RunOutcome {
  status: Extract<RunStatus, "succeeded" | "failed" | "paused" | "cancelled">;
  counts: Record<string, number>;
  error?: RunError | null;
  rejectedSamples?: Array<Record<string, unknown>>;
  progress?: Record<string, unknown> | null;
  /** Made current in the same transaction (succeeded runs only). */
  snapshot?: (CurrentSnapshot & { exportId: string }) | undefined;
}

const RUN_COLUMNS = `r.*, e.name AS export_name`;

/** Code of the error {@link RunStore.insert} throws while the export has an active run. */
export const RUN_ALREADY_ACTIVE = "RUN_ALREADY_ACTIVE";

export class RunStore {
  readonly #db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.#db = db;
  }

  // --- queue --------------------------------------------------------------------------------

  /**
   * Queues a run.
   * @throws AppError `RUN_ALREADY_ACTIVE` when the export has a queued or running run (one per
   *   export, by the `runs_one_active_per_export` index).
   */
  async insert(input: RunInsert): Promise<RunRecord> {
    const id = randomUUID();
    await withSqlState(
      UNIQUE_VIOLATION,
      (cause) =>
        new AppError(RUN_ALREADY_ACTIVE, "the export already has a queued or running run", {
          cause,
        }),
      () =>
        this.#db.query(
          `INSERT INTO runs (id, export_id, trigger, status, generation, definition_hash, stack,
             update_id, requested_by)
           VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8)`,
          [
            id,
            input.exportId,
            input.trigger,
            input.generation,
            input.definitionHash,
            input.stack,
            input.updateId,
            input.requestedBy,
          ],
        ),
    );
    const run = await this.get(id);
    if (run === undefined) throw new Error(`run ${id} vanished right after it was inserted`);
    return run;
  }

  /**
   * Marks a queued run `running` (or keeps a running one, to resume it) and returns it;
   * undefined when the run is gone or already ended.
   */
  async claim(runId: string): Promise<RunRecord | undefined> {
    const rows = await this.#db.query(
      `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, now())
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [runId],
    );
    return rows.length === 0 ? undefined : this.get(runId);
  }

  /** Puts an active run back in the queue (a retry or deferral), with the reason as its error. */
  async requeue(runId: string, error: RunError): Promise<boolean> {
    const rows = await this.#db.query(
      `UPDATE runs SET status = 'queued', error = $2::jsonb
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [runId, JSON.stringify(error)],
    );
    return rows.length > 0;
  }

  /**
   * Asks a run to stop: a queued run is cancelled at once; a running one gets
   * `cancel_requested_at` and its worker stops it after the chunks in flight.
   */
  async requestCancel(runId: string): Promise<RunRecord | undefined> {
    await this.#db.query(
      `UPDATE runs SET
         status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
         finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
         cancel_requested_at = COALESCE(cancel_requested_at, now())
       WHERE id = $1 AND status IN ('queued', 'running')`,
      [runId],
    );
    return this.get(runId);
  }

  /** When the run was asked to stop, if it was (also when the run is gone: nothing to run). */
  async cancelRequestedAt(runId: string): Promise<Date | null> {
    const rows = await this.#db.query(`SELECT cancel_requested_at FROM runs WHERE id = $1`, [
      runId,
    ]);
    const row = rows[0];
    if (row === undefined) return new Date(0);
    const at = row["cancel_requested_at"];
    return at === null || at === undefined ? null : new Date(iso(at));
  }

  // --- while running ------------------------------------------------------------------------

  /** Stores live progress and running counts. */
  async saveProgress(
    runId: string,
    progress: Record<string, unknown>,
    counts: Record<string, number>,
  ): Promise<void> {
    await this.#db.query(
      `UPDATE runs SET progress = $2::jsonb, counts = $3::jsonb WHERE id = $1 AND status = 'running'`,
      [runId, JSON.stringify(progress), JSON.stringify(counts)],
    );
  }

  /** The checkpoints of a run, by phase and index. */
  async checkpoints(runId: string): Promise<ChunkCheckpoint[]> {
    const rows = await this.#db.query(
      `SELECT * FROM run_checkpoints WHERE run_id = $1 ORDER BY phase, chunk_index`,
      [runId],
    );
    return rows.map(toCheckpoint);
  }

  /** Records a chunk whose activity Constant Contact accepted (before waiting for it). */
  async recordChunkSent(
    runId: string,
    chunk: Pick<ChunkCheckpoint, "phase" | "chunkIndex" | "chunkHash" | "itemCount" | "activityId">,
  ): Promise<void> {
    await this.#db.query(
      `INSERT INTO run_checkpoints (run_id, phase, chunk_index, chunk_hash, item_count,
         activity_id, state)
       VALUES ($1, $2, $3, $4, $5, $6, 'sent')
       ON CONFLICT (run_id, phase, chunk_index) DO UPDATE SET chunk_hash = EXCLUDED.chunk_hash,
         item_count = EXCLUDED.item_count, activity_id = EXCLUDED.activity_id, state = 'sent',
         result = '{}'::jsonb, updated_at = now()`,
      [runId, chunk.phase, chunk.chunkIndex, chunk.chunkHash, chunk.itemCount, chunk.activityId],
    );
  }

  /** Records a chunk whose activity completed, with what it reported. */
  async recordChunkConfirmed(
    runId: string,
    chunk: Pick<ChunkCheckpoint, "phase" | "chunkIndex" | "result">,
  ): Promise<void> {
    await this.#db.query(
      `UPDATE run_checkpoints SET state = 'confirmed', result = $4::jsonb, updated_at = now()
       WHERE run_id = $1 AND phase = $2 AND chunk_index = $3`,
      [runId, chunk.phase, chunk.chunkIndex, JSON.stringify(chunk.result)],
    );
  }

  // --- the end ------------------------------------------------------------------------------

  /**
   * Ends an active run with its outcome and, for a succeeded one, switches the export's current
   * snapshot, atomically. Counts, samples and progress left out of `outcome` stay as recorded.
   * Undefined when the run had already ended (another process or a cancel got there first).
   */
  async finish(runId: string, outcome: RunOutcome): Promise<RunRecord | undefined> {
    const ended = await this.#db.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE runs SET status = $2, counts = COALESCE($3::jsonb, counts), error = $4::jsonb,
           rejected_samples = COALESCE($5::jsonb, rejected_samples),
           progress = COALESCE($6::jsonb, progress), finished_at = now()
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
        [
          runId,
          outcome.status,
          JSON.stringify(outcome.counts),
          outcome.error === undefined || outcome.error === null
            ? null
            : JSON.stringify(outcome.error),
          outcome.rejectedSamples === undefined ? null : JSON.stringify(outcome.rejectedSamples),
          outcome.progress === undefined || outcome.progress === null
            ? null
            : JSON.stringify(outcome.progress),
        ],
      );
      if (rows.length === 0) return false;
      const snapshot = outcome.snapshot;
      if (snapshot !== undefined) {
        await tx.query(
          `INSERT INTO export_snapshots
             (export_id, snapshot_id, entries, bytes, run_id, list_id, ids_snapshot_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (export_id) DO UPDATE SET snapshot_id = EXCLUDED.snapshot_id,
             entries = EXCLUDED.entries, bytes = EXCLUDED.bytes, run_id = EXCLUDED.run_id,
             list_id = EXCLUDED.list_id, ids_snapshot_id = EXCLUDED.ids_snapshot_id,
             updated_at = now()`,
          [
            snapshot.exportId,
            snapshot.snapshotId,
            snapshot.entries,
            snapshot.bytes,
            runId,
            snapshot.listId,
            snapshot.idsId,
          ],
        );
      }
      return true;
    });
    return ended ? this.get(runId) : undefined;
  }

  // --- reading ------------------------------------------------------------------------------

  async get(runId: string): Promise<RunRecord | undefined> {
    const rows = await this.#db.query(
      `SELECT ${RUN_COLUMNS} FROM runs r JOIN exports e ON e.id = r.export_id WHERE r.id = $1`,
      [runId],
    );
    return rows[0] === undefined ? undefined : toRun(rows[0]);
  }

  /** An export's runs, newest first. */
  async list(exportId: string, limit: number): Promise<RunRecord[]> {
    const rows = await this.#db.query(
      `SELECT ${RUN_COLUMNS} FROM runs r JOIN exports e ON e.id = r.export_id
       WHERE r.export_id = $1 ORDER BY r.queued_at DESC, r.id LIMIT $2`,
      [exportId, limit],
    );
    return rows.map(toRun);
  }

  /** The queued or running run of an export, if any. */
  async findActive(exportId: string): Promise<RunRecord | undefined> {
    const rows = await this.#db.query(
      `SELECT ${RUN_COLUMNS} FROM runs r JOIN exports e ON e.id = r.export_id
       WHERE r.export_id = $1 AND r.status IN ('queued', 'running')`,
      [exportId],
    );
    return rows[0] === undefined ? undefined : toRun(rows[0]);
  }

  /** The `requests` count of the export's latest successful run, if it recorded one. */
  async lastRequests(exportId: string): Promise<number | undefined> {
    const rows = await this.#db.query(
      `SELECT (counts->>'requests')::integer AS requests FROM runs
       WHERE export_id = $1 AND status = 'succeeded' AND counts ? 'requests'
       ORDER BY finished_at DESC NULLS LAST LIMIT 1`,
      [exportId],
    );
    const value = rows[0]?.["requests"];
    return value === null || value === undefined ? undefined : Number(value);
  }

  /** The export's current snapshot, if it ever completed a run. */
  async currentSnapshot(exportId: string): Promise<CurrentSnapshot | undefined> {
    const rows = await this.#db.query(`SELECT * FROM export_snapshots WHERE export_id = $1`, [
      exportId,
    ]);
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      snapshotId: text(row, "snapshot_id"),
      idsId: textOrNull(row, "ids_snapshot_id"),
      entries: Number(row["entries"]),
      bytes: Number(row["bytes"]),
      runId: textOrNull(row, "run_id"),
      listId: textOrNull(row, "list_id"),
    };
  }
}

function toRun(row: SqlRow): RunRecord {
  return {
    id: text(row, "id"),
    exportId: text(row, "export_id"),
    exportName: text(row, "export_name"),
    trigger: text(row, "trigger") as RunTrigger,
    status: text(row, "status") as RunStatus,
    generation: Number(row["generation"]),
    definitionHash: text(row, "definition_hash"),
    stack: textOrNull(row, "stack"),
    updateId: textOrNull(row, "update_id"),
    requestedBy: text(row, "requested_by"),
    counts: row["counts"] as Record<string, number>,
    error: (row["error"] ?? null) as RunRecord["error"],
    queuedAt: iso(row["queued_at"]),
    startedAt: isoOrNull(row["started_at"]),
    finishedAt: isoOrNull(row["finished_at"]),
    cancelRequestedAt: isoOrNull(row["cancel_requested_at"]),
    progress: (row["progress"] ?? null) as RunRecord["progress"],
    rejectedSamples: (row["rejected_samples"] ?? []) as RunRecord["rejectedSamples"],
  };
}

function toCheckpoint(row: SqlRow): ChunkCheckpoint {
  return {
    phase: row["phase"] as ChunkCheckpoint["phase"],
    chunkIndex: Number(row["chunk_index"]),
    chunkHash: text(row, "chunk_hash"),
    itemCount: Number(row["item_count"]),
    activityId: textOrNull(row, "activity_id"),
    state: row["state"] as ChunkCheckpoint["state"],
    result: (row["result"] ?? {}) as Record<string, unknown>,
  };
}
