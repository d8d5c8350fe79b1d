/**
 * The schema of the reconciler, as versioned migrations. Each migration runs in its own
 * transaction under an advisory lock (so replicas starting together apply it once) and is
 * recorded in `schema_migrations`. Append new migrations; never edit an applied one.
 */
import type { SqlDatabase } from "./sql-database.ts";

export interface Migration {
  /** Strictly increasing, starting at 1. */
  version: number;
  name: string;
  /** One statement per entry: the extended query protocol (used by both drivers) runs one. */
  statements: readonly string[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "tokens, connections, exports, runs, audit log",
    statements: [
      `CREATE TABLE api_tokens (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('admin', 'contributor', 'viewer')),
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`,
      `CREATE TABLE connections (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        display_name text NOT NULL,
        sharing text NOT NULL CHECK (sharing IN ('admins', 'contributors')),
        export_user text NOT NULL,
        consent jsonb NOT NULL,
        account_id text NOT NULL,
        organization_name text NOT NULL,
        status text NOT NULL CHECK (status IN ('connected', 'needs-reauthorisation')),
        credentials_key_id text NOT NULL,
        credentials_ciphertext text NOT NULL,
        credentials_input_hash text NOT NULL,
        refresh_token_fingerprint text NOT NULL,
        generation integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      // attached_connection_id is NULL while the export is detached; the foreign key refuses to
      // delete a connection that attached exports still use.
      `CREATE TABLE exports (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        connection_name text NOT NULL,
        attached_connection_id text REFERENCES connections (id),
        definition jsonb NOT NULL,
        definition_hash text NOT NULL,
        generation integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX exports_attached_connection ON exports (attached_connection_id)`,
      `CREATE TABLE runs (
        id text PRIMARY KEY,
        export_id text NOT NULL REFERENCES exports (id) ON DELETE CASCADE,
        trigger text NOT NULL
          CHECK (trigger IN ('manual', 'schedule', 'source-change', 'stack-change')),
        status text NOT NULL
          CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'paused', 'cancelled')),
        generation integer NOT NULL,
        definition_hash text NOT NULL,
        stack text,
        update_id text,
        requested_by text NOT NULL,
        counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        error jsonb,
        queued_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        cancel_requested_at timestamptz
      )`,
      `CREATE INDEX runs_export_queued ON runs (export_id, queued_at DESC)`,
      // One run per export at a time: at most one queued or running row per export.
      `CREATE UNIQUE INDEX runs_one_active_per_export ON runs (export_id)
        WHERE status IN ('queued', 'running')`,
      `CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_name text NOT NULL,
        actor_role text NOT NULL,
        action text NOT NULL,
        target_type text NOT NULL,
        target_name text NOT NULL,
        generation integer,
        stack text,
        update_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`,
      `CREATE INDEX audit_log_target ON audit_log (target_type, target_name, id)`,
    ],
  },
  {
    version: 2,
    name: "run progress, run checkpoints, current snapshot pointers",
    statements: [
      // Live progress while running, and the rejected-row samples of a finished run.
      `ALTER TABLE runs ADD COLUMN progress jsonb`,
      `ALTER TABLE runs ADD COLUMN rejected_samples jsonb NOT NULL DEFAULT '[]'::jsonb`,
      // One row per write chunk of a run (ADR 0005): 'sent' once Constant Contact accepted the
      // activity, 'confirmed' once it completed. A resumed run waits for 'sent' chunks instead of
      // sending them again and skips 'confirmed' ones whose content hash still matches.
      `CREATE TABLE run_checkpoints (
        run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        phase text NOT NULL CHECK (phase IN ('import', 'remove')),
        chunk_index integer NOT NULL,
        chunk_hash text NOT NULL,
        item_count integer NOT NULL,
        activity_id text,
        state text NOT NULL CHECK (state IN ('sent', 'confirmed')),
        result jsonb NOT NULL DEFAULT '{}'::jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, phase, chunk_index)
      )`,
      // The snapshot each export last synced: switched in the transaction that completes a run.
      `CREATE TABLE export_snapshots (
        export_id text PRIMARY KEY REFERENCES exports (id) ON DELETE CASCADE,
        snapshot_id text NOT NULL,
        entries integer NOT NULL,
        bytes bigint NOT NULL,
        run_id text,
        list_id text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 3,
    name: "scheduler: trigger state, run dispatch, daily request budget",
    statements: [
      // What the triggers of each export last acted on; compare-and-set by every process.
      `CREATE TABLE scheduler_export_state (
        export_id text PRIMARY KEY REFERENCES exports (id) ON DELETE CASCADE,
        cron_spec text,
        cron_next_at timestamptz,
        source_version text,
        stack_generation integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      // The current queue job of each run: `sequence` names it, `attempt` counts failures.
      `CREATE TABLE run_dispatch (
        run_id text PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        sequence integer NOT NULL DEFAULT 1,
        attempt integer NOT NULL DEFAULT 1,
        not_before timestamptz,
        dispatched_at timestamptz NOT NULL DEFAULT now()
      )`,
      // Requests used per Constant Contact application and UTC day (CONTRACT §2.1).
      `CREATE TABLE ctct_request_usage (
        app_key text NOT NULL,
        day date NOT NULL,
        used integer NOT NULL DEFAULT 0,
        PRIMARY KEY (app_key, day)
      )`,
      // Requests set aside by runs that are queued or running.
      `CREATE TABLE run_budget_reservations (
        run_id text PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        app_key text NOT NULL,
        day date NOT NULL,
        requests integer NOT NULL
      )`,
      `CREATE INDEX run_budget_reservations_app_day ON run_budget_reservations (app_key, day)`,
    ],
  },
  {
    version: 4,
    name: "connections: when the refresh token was last used",
    statements: [
      // Constant Contact expires a refresh token unused for 180 days (CONTRACT §5): the time of
      // its last use (issue or refresh) tells when an idle connection must be refreshed.
      `ALTER TABLE connections ADD COLUMN refresh_token_refreshed_at timestamptz`,
      `UPDATE connections SET refresh_token_refreshed_at = updated_at`,
      `ALTER TABLE connections ALTER COLUMN refresh_token_refreshed_at SET DEFAULT now()`,
      `ALTER TABLE connections ALTER COLUMN refresh_token_refreshed_at SET NOT NULL`,
    ],
  },
  {
    version: 5,
    name: "segment sources owned by admins; exports name their source",
    statements: [
      // Where segment data lives (ADR 0011). `settings` holds no secret: the postgres connection
      // string is sealed in `secret_ciphertext` with `source:<name>` as associated data.
      `CREATE TABLE segment_sources (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        type text NOT NULL CHECK (type IN ('files', 'postgres', 'azure-blob')),
        sharing text NOT NULL CHECK (sharing IN ('admins', 'contributors')),
        description text,
        settings jsonb NOT NULL,
        secret_key_id text,
        secret_ciphertext text,
        secret_fingerprint text,
        generation integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      // The foreign key refuses to delete a source that exports still read, even racing.
      `ALTER TABLE exports ADD COLUMN source_name text REFERENCES segment_sources (name)`,
      `CREATE INDEX exports_source_name ON exports (source_name)`,
      // Exports saved before sources existed carried their source inline (a path, URL, SQL and
      // an environment variable name chosen by whoever wrote the export). Each becomes an
      // admin-only source; the postgres variable name is dropped, so such a source has no
      // connection string until an admin sets one (ADR 0011).
      `INSERT INTO segment_sources (id, name, type, sharing, description, settings, generation)
       SELECT 'legacy-' || e.id, CASE WHEN length(e.name) <= 93 THEN 'legacy-' || e.name ELSE 'legacy-' || rtrim(left(e.name, 84), '._-') || '-' || substr(md5(e.name), 1, 8) END, e.definition->'source'->>'type', 'admins',
         'migrated from the inline source of export ' || e.name,
         (e.definition->'source') - 'connectionStringEnv', 1
       FROM exports e WHERE jsonb_typeof(e.definition->'source') = 'object'`,
      `UPDATE exports e SET definition = jsonb_set(e.definition, '{source}', to_jsonb(s.name)),
         source_name = s.name, updated_at = now()
       FROM segment_sources s
       WHERE s.id = 'legacy-' || e.id AND jsonb_typeof(e.definition->'source') = 'object'`,
    ],
  },
  {
    version: 6,
    name: "export snapshots: the contact ids learnt after the snapshot was written",
    statements: [
      // A run learns the ids of the contacts it added once its imports completed; they are
      // written beside its snapshot rather than into a rewrite of it (ADR 0010).
      `ALTER TABLE export_snapshots ADD COLUMN ids_snapshot_id text`,
    ],
  },
];

/** An arbitrary constant that names the migration advisory lock. */
const MIGRATION_LOCK_KEY = 4_242_001;

/**
 * Applies every migration not yet recorded, in order, and returns the versions it applied.
 * Safe to run from several processes at once.
 */
export async function migrate(
  db: SqlDatabase,
  list: readonly Migration[] = migrations,
): Promise<number[]> {
  const applied: number[] = [];
  for (const migration of list) {
    const ran = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
      await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [
        migration.version,
      ]);
      if (done.length > 0) return false;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}
