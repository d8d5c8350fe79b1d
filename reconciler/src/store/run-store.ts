/**
 * What the export pipeline records while it executes a run: the claim (queued → running), live
 * progress, per-chunk checkpoints, the final status, and the pointer to each export's current
 * snapshot (ADR 0005). Same SQL on PGlite and PostgreSQL.
 */
import type { RunStatus } from "../../../contract/run.ts";
import type { SqlRow } from "./sql-database.ts";
import type { RunRecord, Store } from "./store.ts";

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
  error?: { code: string; message: string; details?: Record<string, unknown> } | null;
  rejectedSamples?: Array<Record<string, unknown>>;
  progress?: Record<string, unknown> | null;
  /** Made current in the same transaction (succeeded runs only). */
  snapshot?: (CurrentSnapshot & { exportId: string }) | undefined;
}

/**
 * Marks a queued run `running` (or keeps a running one, to resume it) and returns it; undefined
 * when the run is gone or already finished.
 */
export async function claimRun(store: Store, runId: string): Promise<RunRecord | undefined> {
  const rows = await store.db.query(
    `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, now())
     WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
    [runId],
  );
  if (rows.length === 0) return undefined;
  return store.getRun(runId);
}

/** Stores live progress and running counts. */
export async function saveRunProgress(
  store: Store,
  runId: string,
  progress: Record<string, unknown>,
  counts: Record<string, number>,
): Promise<void> {
  await store.db.query(
    `UPDATE runs SET progress = $2::jsonb, counts = $3::jsonb WHERE id = $1 AND status = 'running'`,
    [runId, JSON.stringify(progress), JSON.stringify(counts)],
  );
}

/** True once someone asked the run to stop. */
export async function isCancelRequested(store: Store, runId: string): Promise<boolean> {
  const rows = await store.db.query(`SELECT cancel_requested_at FROM runs WHERE id = $1`, [runId]);
  const row = rows[0];
  return row === undefined || (row["cancel_requested_at"] ?? null) !== null;
}

/** Ends a run and, for a succeeded one, switches the export's current snapshot, atomically. */
export async function finishRun(
  store: Store,
  runId: string,
  outcome: RunOutcome,
): Promise<RunRecord | undefined> {
  await store.transaction(async (tx) => {
    await tx.db.query(
      `UPDATE runs SET status = $2, counts = $3::jsonb, error = $4::jsonb,
         rejected_samples = $5::jsonb, progress = COALESCE($6::jsonb, progress),
         finished_at = now()
       WHERE id = $1 AND status = 'running'`,
      [
        runId,
        outcome.status,
        JSON.stringify(outcome.counts),
        outcome.error === undefined || outcome.error === null
          ? null
          : JSON.stringify(outcome.error),
        JSON.stringify(outcome.rejectedSamples ?? []),
        outcome.progress === undefined || outcome.progress === null
          ? null
          : JSON.stringify(outcome.progress),
      ],
    );
    const snapshot = outcome.snapshot;
    if (snapshot !== undefined) {
      await tx.db.query(
        `INSERT INTO export_snapshots (export_id, snapshot_id, entries, bytes, run_id, list_id)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (export_id) DO UPDATE SET snapshot_id = EXCLUDED.snapshot_id,
           entries = EXCLUDED.entries, bytes = EXCLUDED.bytes, run_id = EXCLUDED.run_id,
           list_id = EXCLUDED.list_id, updated_at = now()`,
        [
          snapshot.exportId,
          snapshot.snapshotId,
          snapshot.entries,
          snapshot.bytes,
          runId,
          snapshot.listId,
        ],
      );
    }
  });
  return store.getRun(runId);
}

/** The export's current snapshot, if it ever completed a run. */
export async function getCurrentSnapshot(
  store: Store,
  exportId: string,
): Promise<CurrentSnapshot | undefined> {
  const rows = await store.db.query(`SELECT * FROM export_snapshots WHERE export_id = $1`, [
    exportId,
  ]);
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    snapshotId: textOf(row, "snapshot_id"),
    entries: Number(row["entries"]),
    bytes: Number(row["bytes"]),
    runId: row["run_id"] === null ? null : textOf(row, "run_id"),
    listId: row["list_id"] === null ? null : textOf(row, "list_id"),
  };
}

/** The checkpoints of a run, by phase and index. */
export async function listCheckpoints(store: Store, runId: string): Promise<ChunkCheckpoint[]> {
  const rows = await store.db.query(
    `SELECT * FROM run_checkpoints WHERE run_id = $1 ORDER BY phase, chunk_index`,
    [runId],
  );
  return rows.map(toCheckpoint);
}

/** Records a chunk whose activity Constant Contact accepted (before waiting for it). */
export async function recordChunkSent(
  store: Store,
  runId: string,
  chunk: Pick<ChunkCheckpoint, "phase" | "chunkIndex" | "chunkHash" | "itemCount" | "activityId">,
): Promise<void> {
  await store.db.query(
    `INSERT INTO run_checkpoints (run_id, phase, chunk_index, chunk_hash, item_count, activity_id,
       state)
     VALUES ($1, $2, $3, $4, $5, $6, 'sent')
     ON CONFLICT (run_id, phase, chunk_index) DO UPDATE SET chunk_hash = EXCLUDED.chunk_hash,
       item_count = EXCLUDED.item_count, activity_id = EXCLUDED.activity_id, state = 'sent',
       result = '{}'::jsonb, updated_at = now()`,
    [runId, chunk.phase, chunk.chunkIndex, chunk.chunkHash, chunk.itemCount, chunk.activityId],
  );
}

/** Records a chunk whose activity completed, with what it reported. */
export async function recordChunkConfirmed(
  store: Store,
  runId: string,
  chunk: Pick<ChunkCheckpoint, "phase" | "chunkIndex" | "result">,
): Promise<void> {
  await store.db.query(
    `UPDATE run_checkpoints SET state = 'confirmed', result = $4::jsonb, updated_at = now()
     WHERE run_id = $1 AND phase = $2 AND chunk_index = $3`,
    [runId, chunk.phase, chunk.chunkIndex, JSON.stringify(chunk.result)],
  );
}

/**
 * Queued runs, oldest first; with `includeRunning`, runs left `running` by a process that died
 * come first (only a process that just started may assume that).
 */
export async function listRunnableRunIds(
  store: Store,
  options: { includeRunning: boolean },
): Promise<string[]> {
  const rows = await store.db.query<{ id: string }>(
    `SELECT id FROM runs WHERE status = 'queued' OR ($1 AND status = 'running')
     ORDER BY CASE WHEN status = 'running' THEN 0 ELSE 1 END, queued_at, id`,
    [options.includeRunning],
  );
  return rows.map((row) => row.id);
}

function toCheckpoint(row: SqlRow): ChunkCheckpoint {
  return {
    phase: row["phase"] as ChunkCheckpoint["phase"],
    chunkIndex: Number(row["chunk_index"]),
    chunkHash: textOf(row, "chunk_hash"),
    itemCount: Number(row["item_count"]),
    activityId: row["activity_id"] === null ? null : textOf(row, "activity_id"),
    state: row["state"] as ChunkCheckpoint["state"],
    result: (row["result"] ?? {}) as Record<string, unknown>,
  };
}

function textOf(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw new Error(`column ${column} is not text`);
  return value;
}
