/**
 * Segment sources in the store (ADR 0011): admin-owned places segment data lives. Settings are
 * plain JSON without secrets; the postgres connection string arrives here already sealed.
 * Same SQL on PGlite and PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import type { SourceSettings, SourceType } from "../../../contract/source.ts";
import type { Sharing } from "../core/permissions.ts";
import { ConflictError } from "../core/errors.ts";
import {
  FOREIGN_KEY_VIOLATION,
  UNIQUE_VIOLATION,
  withSqlState,
  type SqlRow,
} from "./sql-database.ts";
import { iso } from "./sql-values.ts";
import { createdMeanwhile, type Store } from "./store.ts";

/** A stored segment source. */
export interface SourceRecord {
  id: string;
  name: string;
  type: SourceType;
  sharing: Sharing;
  description: string | null;
  settings: SourceSettings;
  /** The sealed connection string of a postgres source; null for the other types (and legacy). */
  secret: { keyId: string; ciphertext: string; fingerprint: string } | null;
  generation: number;
  createdAt: string;
  updatedAt: string;
}

/** What a PUT writes; the store fills id, generation and timestamps. */
export type SourceWrite = Pick<SourceRecord, "type" | "sharing" | "description" | "settings"> & {
  secret: SourceRecord["secret"];
};

function toSource(row: SqlRow): SourceRecord {
  const keyId = row["secret_key_id"];
  const ciphertext = row["secret_ciphertext"];
  const fingerprint = row["secret_fingerprint"];
  return {
    id: String(row["id"]),
    name: String(row["name"]),
    type: String(row["type"]) as SourceType,
    sharing: String(row["sharing"]) as Sharing,
    description: typeof row["description"] === "string" ? row["description"] : null,
    settings: row["settings"] as SourceSettings,
    secret:
      typeof keyId === "string" && typeof ciphertext === "string"
        ? { keyId, ciphertext, fingerprint: typeof fingerprint === "string" ? fingerprint : "" }
        : null,
    generation: Number(row["generation"]),
    createdAt: iso(row["created_at"]),
    updatedAt: iso(row["updated_at"]),
  };
}

/** The source of that name, if any. */
export async function getSource(
  store: Store,
  name: string,
  options: { forUpdate?: boolean } = {},
): Promise<SourceRecord | undefined> {
  const rows = await store.db.query(
    `SELECT * FROM segment_sources WHERE name = $1${options.forUpdate === true ? " FOR UPDATE" : ""}`,
    [name],
  );
  return rows[0] === undefined ? undefined : toSource(rows[0]);
}

export async function listSources(store: Store): Promise<SourceRecord[]> {
  const rows = await store.db.query(`SELECT * FROM segment_sources ORDER BY name`);
  return rows.map(toSource);
}

/** Names of the exports (attached or detached) that read a source. */
export async function listExportNamesUsingSource(store: Store, name: string): Promise<string[]> {
  const rows = await store.db.query<{ name: string }>(
    `SELECT name FROM exports WHERE source_name = $1 ORDER BY name`,
    [name],
  );
  return rows.map((row) => row.name);
}

function values(write: SourceWrite): unknown[] {
  return [
    write.type,
    write.sharing,
    write.description,
    JSON.stringify(write.settings),
    write.secret?.keyId ?? null,
    write.secret?.ciphertext ?? null,
    write.secret?.fingerprint ?? null,
  ];
}

export async function insertSource(
  store: Store,
  name: string,
  write: SourceWrite,
): Promise<SourceRecord> {
  const rows = await withSqlState(UNIQUE_VIOLATION, createdMeanwhile("source", name), () =>
    store.db.query(
      `INSERT INTO segment_sources (id, name, type, sharing, description, settings,
         secret_key_id, secret_ciphertext, secret_fingerprint, generation)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, 1) RETURNING *`,
      [randomUUID(), name, ...values(write)],
    ),
  );
  return toSource(rows[0] as SqlRow);
}

/** Replaces the source's columns and bumps its generation. */
export async function updateSource(
  store: Store,
  id: string,
  write: SourceWrite,
): Promise<SourceRecord> {
  const rows = await store.db.query(
    `UPDATE segment_sources SET type = $2, sharing = $3, description = $4, settings = $5::jsonb,
       secret_key_id = $6, secret_ciphertext = $7, secret_fingerprint = $8,
       generation = generation + 1, updated_at = now()
     WHERE id = $1 RETURNING *`,
    [id, ...values(write)],
  );
  return toSource(rows[0] as SqlRow);
}

/**
 * @throws ConflictError `SOURCE_IN_USE` when an export still reads the source (the foreign key
 *   refuses the delete).
 */
export async function deleteSource(store: Store, id: string): Promise<void> {
  await withSqlState(
    FOREIGN_KEY_VIOLATION,
    (cause) =>
      new ConflictError(
        "SOURCE_IN_USE",
        "the source is read by exports; change each to another source or delete it first",
        { cause },
      ),
    () => store.db.query(`DELETE FROM segment_sources WHERE id = $1`, [id]),
  );
}
