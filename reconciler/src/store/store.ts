/**
 * The reconciler's records — API tokens, connections, exports and the audit log (runs: `store.runs`) — over a
 * {@link SqlDatabase}. Every method is one or a few parameterised statements in the PostgreSQL
 * dialect, the same on PGlite and PostgreSQL. Secrets arrive here already encrypted.
 */
import { randomUUID } from "node:crypto";
import type { ConsentRecord, ConnectionStatus } from "../../../contract/connection.ts";
import type { ExportDefinition } from "../../../contract/export.ts";
import { ConflictError } from "../core/errors.ts";
import type { Role, Sharing } from "../core/permissions.ts";
import { RunStore } from "./run-store.ts";
import {
  FOREIGN_KEY_VIOLATION,
  UNIQUE_VIOLATION,
  withSqlState,
  type SqlDatabase,
  type SqlRow,
} from "./sql-database.ts";
import { iso, text, textOrNull } from "./sql-values.ts";

export interface ApiTokenRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
}

export interface ConnectionRecord {
  id: string;
  name: string;
  displayName: string;
  sharing: Sharing;
  exportUser: string;
  consent: ConsentRecord;
  accountId: string;
  organizationName: string;
  status: ConnectionStatus;
  /** Id of the key that encrypted `credentialsCiphertext`. */
  credentialsKeyId: string;
  credentialsCiphertext: string;
  /** SHA-256 of the credentials as last supplied, to tell an unchanged PUT from a change. */
  credentialsInputHash: string;
  refreshTokenFingerprint: string;
  /**
   * When the refresh token was last used (issued, supplied or refreshed): Constant Contact
   * expires one unused for 180 days (CONTRACT §5).
   */
  refreshTokenRefreshedAt: string;
  generation: number;
  createdAt: string;
  updatedAt: string;
}

/** The columns a PUT writes; the store fills id, generation and timestamps. */
export type ConnectionWrite = Omit<
  ConnectionRecord,
  "id" | "name" | "generation" | "createdAt" | "updatedAt" | "refreshTokenRefreshedAt"
>;

export interface ExportRecord {
  id: string;
  name: string;
  connectionName: string;
  /** Null while detached. */
  attachedConnectionId: string | null;
  definition: ExportDefinition;
  definitionHash: string;
  generation: number;
  createdAt: string;
  updatedAt: string;
}

export interface AuditEntryInput {
  actorName: string;
  /** The token's role, or "system" for what the reconciler does on its own. */
  actorRole: Role | "system";
  action: string;
  targetType: "connection" | "export" | "run" | "token" | "source";
  targetName: string;
  generation?: number;
  stack?: string;
  updateId?: string;
  /** Non-secret facts only. */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<
  Omit<AuditEntryInput, "generation" | "stack" | "updateId">
> {
  id: string;
  at: string;
  generation: number | null;
  stack: string | null;
  updateId: string | null;
}

function toConnection(row: SqlRow): ConnectionRecord {
  return {
    id: text(row, "id"),
    name: text(row, "name"),
    displayName: text(row, "display_name"),
    sharing: text(row, "sharing") as Sharing,
    exportUser: text(row, "export_user"),
    consent: row["consent"] as ConsentRecord,
    accountId: text(row, "account_id"),
    organizationName: text(row, "organization_name"),
    status: text(row, "status") as ConnectionStatus,
    credentialsKeyId: text(row, "credentials_key_id"),
    credentialsCiphertext: text(row, "credentials_ciphertext"),
    credentialsInputHash: text(row, "credentials_input_hash"),
    refreshTokenFingerprint: text(row, "refresh_token_fingerprint"),
    refreshTokenRefreshedAt: iso(row["refresh_token_refreshed_at"]),
    generation: Number(row["generation"]),
    createdAt: iso(row["created_at"]),
    updatedAt: iso(row["updated_at"]),
  };
}

function toExport(row: SqlRow): ExportRecord {
  return {
    id: text(row, "id"),
    name: text(row, "name"),
    connectionName: text(row, "connection_name"),
    attachedConnectionId: textOrNull(row, "attached_connection_id"),
    definition: row["definition"] as ExportDefinition,
    definitionHash: text(row, "definition_hash"),
    generation: Number(row["generation"]),
    createdAt: iso(row["created_at"]),
    updatedAt: iso(row["updated_at"]),
  };
}

export class Store {
  readonly db: SqlDatabase;
  /** The runs: the one writer of the runs table and the snapshot pointers. */
  readonly runs: RunStore;

  constructor(db: SqlDatabase) {
    this.db = db;
    this.runs = new RunStore(db);
  }

  /** Runs `work` with a store bound to one transaction. */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new Store(tx)));
  }

  /** True when the database answers; for `/readyz`. */
  async ping(): Promise<boolean> {
    const rows = await this.db.query<{ ok: number }>("SELECT 1 AS ok");
    return rows[0]?.ok === 1;
  }

  // --- API tokens -------------------------------------------------------------------------

  async createToken(input: {
    name: string;
    role: Role;
    tokenHash: string;
  }): Promise<ApiTokenRecord> {
    const rows = await withSqlState(
      UNIQUE_VIOLATION,
      (cause) =>
        new ConflictError(
          "TOKEN_EXISTS",
          `a token named '${input.name}' exists; pick another name or revoke it`,
          { cause },
        ),
      () =>
        this.db.query(
          `INSERT INTO api_tokens (id, name, role, token_hash) VALUES ($1, $2, $3, $4)
           RETURNING id, name, role, created_at`,
          [randomUUID(), input.name, input.role, input.tokenHash],
        ),
    );
    return toToken(rows[0]);
  }

  async findTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    const rows = await this.db.query(
      `SELECT id, name, role, created_at FROM api_tokens
       WHERE token_hash = $1 AND revoked_at IS NULL`,
      [tokenHash],
    );
    return rows[0] === undefined ? undefined : toToken(rows[0]);
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    const rows = await this.db.query(
      `SELECT id, name, role, created_at FROM api_tokens WHERE revoked_at IS NULL ORDER BY name`,
    );
    return rows.map(toToken);
  }

  /** Revokes the token with this name; true when there was one. */
  async revokeToken(name: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING id`,
      [name],
    );
    return rows.length > 0;
  }

  // --- connections ------------------------------------------------------------------------

  async getConnection(name: string, options: { forUpdate?: boolean } = {}) {
    const rows = await this.db.query(
      `SELECT * FROM connections WHERE name = $1${options.forUpdate === true ? " FOR UPDATE" : ""}`,
      [name],
    );
    return rows[0] === undefined ? undefined : toConnection(rows[0]);
  }

  async getConnectionById(id: string): Promise<ConnectionRecord | undefined> {
    const rows = await this.db.query(`SELECT * FROM connections WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : toConnection(rows[0]);
  }

  async listConnections(): Promise<ConnectionRecord[]> {
    const rows = await this.db.query(`SELECT * FROM connections ORDER BY name`);
    return rows.map(toConnection);
  }

  async insertConnection(name: string, write: ConnectionWrite): Promise<ConnectionRecord> {
    const rows = await withSqlState(UNIQUE_VIOLATION, createdMeanwhile("connection", name), () =>
      this.db.query(
        `INSERT INTO connections (id, name, display_name, sharing, export_user, consent,
           account_id, organization_name, status, credentials_key_id, credentials_ciphertext,
           credentials_input_hash, refresh_token_fingerprint, generation)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, 1)
         RETURNING *`,
        [randomUUID(), name, ...connectionValues(write)],
      ),
    );
    return toConnection(one(rows, "connection"));
  }

  /**
   * Replaces the connection's columns and bumps its generation. With `keepCredentials`, the
   * stored ciphertext and status stay as they are in the row: the reconciler may have rotated
   * the refresh token since the caller read it, and that write must not be undone.
   */
  async updateConnection(
    id: string,
    write: ConnectionWrite,
    options: { keepCredentials?: boolean } = {},
  ): Promise<ConnectionRecord> {
    const rows = await this.db.query(
      `UPDATE connections SET display_name = $2, sharing = $3, export_user = $4,
         consent = $5::jsonb, account_id = $6, organization_name = $7,
         status = CASE WHEN $13 THEN status ELSE $8 END,
         credentials_key_id = CASE WHEN $13 THEN credentials_key_id ELSE $9 END,
         credentials_ciphertext = CASE WHEN $13 THEN credentials_ciphertext ELSE $10 END,
         credentials_input_hash = $11, refresh_token_fingerprint = $12,
         refresh_token_refreshed_at =
           CASE WHEN $13 THEN refresh_token_refreshed_at ELSE now() END,
         generation = generation + 1, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, ...connectionValues(write), options.keepCredentials === true],
    );
    return toConnection(one(rows, "connection"));
  }

  /**
   * Replaces the encrypted credentials (a rotated refresh token, a re-encryption under a new
   * key) without a definition change: the generation stays. `refreshTokenUsedAt` records a use
   * of the refresh token (a refresh); a re-encryption leaves that time as it is.
   */
  async replaceConnectionCredentials(
    name: string,
    sealed: { keyId: string; ciphertext: string },
    status: ConnectionStatus,
    options: { refreshTokenUsedAt?: Date } = {},
  ): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE connections SET credentials_key_id = $2, credentials_ciphertext = $3, status = $4,
         refresh_token_refreshed_at = COALESCE($5::timestamptz, refresh_token_refreshed_at),
         updated_at = now()
       WHERE name = $1 RETURNING id`,
      [name, sealed.keyId, sealed.ciphertext, status, options.refreshTokenUsedAt ?? null],
    );
    return rows.length > 0;
  }

  /** Marks a connection whose refresh token Constant Contact rejected. */
  async setConnectionStatus(name: string, status: ConnectionStatus): Promise<void> {
    await this.db.query(`UPDATE connections SET status = $2, updated_at = now() WHERE name = $1`, [
      name,
      status,
    ]);
  }

  /**
   * @throws ConflictError `CONNECTION_IN_USE` when an export is still attached (the foreign key
   *   refuses the delete).
   */
  async deleteConnection(id: string): Promise<void> {
    await withSqlState(
      FOREIGN_KEY_VIOLATION,
      (cause) =>
        new ConflictError(
          "CONNECTION_IN_USE",
          "the connection is used by exports; delete or detach each of them first",
          { cause },
        ),
      () => this.db.query(`DELETE FROM connections WHERE id = $1`, [id]),
    );
  }

  // --- exports ----------------------------------------------------------------------------

  async getExport(name: string, options: { forUpdate?: boolean } = {}) {
    const rows = await this.db.query(
      `SELECT * FROM exports WHERE name = $1${options.forUpdate === true ? " FOR UPDATE" : ""}`,
      [name],
    );
    return rows[0] === undefined ? undefined : toExport(rows[0]);
  }

  async listExports(): Promise<ExportRecord[]> {
    const rows = await this.db.query(`SELECT * FROM exports ORDER BY name`);
    return rows.map(toExport);
  }

  /** Names of the exports attached to a connection. */
  async listAttachedExportNames(connectionId: string): Promise<string[]> {
    const rows = await this.db.query<{ name: string }>(
      `SELECT name FROM exports WHERE attached_connection_id = $1 ORDER BY name`,
      [connectionId],
    );
    return rows.map((row) => row.name);
  }

  async insertExport(input: {
    name: string;
    connectionId: string;
    definition: ExportDefinition;
    definitionHash: string;
  }): Promise<ExportRecord> {
    const rows = await withSqlState(UNIQUE_VIOLATION, createdMeanwhile("export", input.name), () =>
      this.db.query(
        `INSERT INTO exports (id, name, connection_name, attached_connection_id, definition,
           definition_hash, generation, source_name)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, 1, $7) RETURNING *`,
        [
          randomUUID(),
          input.name,
          input.definition.connection,
          input.connectionId,
          JSON.stringify(input.definition),
          input.definitionHash,
          input.definition.source,
        ],
      ),
    );
    return toExport(one(rows, "export"));
  }

  /** Stores a changed definition and bumps the generation. */
  async updateExportDefinition(input: {
    id: string;
    definition: ExportDefinition;
    definitionHash: string;
    attachedConnectionId: string | null;
  }): Promise<ExportRecord> {
    const rows = await this.db.query(
      `UPDATE exports SET connection_name = $2, attached_connection_id = $3, definition = $4::jsonb,
         definition_hash = $5, generation = generation + 1, updated_at = now(), source_name = $6
       WHERE id = $1 RETURNING *`,
      [
        input.id,
        input.definition.connection,
        input.attachedConnectionId,
        JSON.stringify(input.definition),
        input.definitionHash,
        input.definition.source,
      ],
    );
    return toExport(one(rows, "export"));
  }

  /** Detaches (null) or attaches an export; the definition and generation stay. */
  async setExportAttachment(id: string, connectionId: string | null): Promise<ExportRecord> {
    const rows = await this.db.query(
      `UPDATE exports SET attached_connection_id = $2, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, connectionId],
    );
    return toExport(one(rows, "export"));
  }

  async deleteExport(id: string): Promise<void> {
    await this.db.query(`DELETE FROM exports WHERE id = $1`, [id]);
  }

  // --- audit log --------------------------------------------------------------------------

  async appendAudit(entry: AuditEntryInput): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_log (actor_name, actor_role, action, target_type, target_name,
         generation, stack, update_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
      [
        entry.actorName,
        entry.actorRole,
        entry.action,
        entry.targetType,
        entry.targetName,
        entry.generation ?? null,
        entry.stack ?? null,
        entry.updateId ?? null,
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }

  async listAudit(
    filter: { targetType?: string; targetName?: string } = {},
  ): Promise<AuditEntry[]> {
    const rows = await this.db.query(
      `SELECT * FROM audit_log
       WHERE ($1::text IS NULL OR target_type = $1) AND ($2::text IS NULL OR target_name = $2)
       ORDER BY id`,
      [filter.targetType ?? null, filter.targetName ?? null],
    );
    return rows.map((row) => ({
      id: text(row, "id"),
      at: iso(row["at"]),
      actorName: text(row, "actor_name"),
      actorRole: text(row, "actor_role") as Role | "system",
      action: text(row, "action"),
      targetType: text(row, "target_type") as AuditEntryInput["targetType"],
      targetName: text(row, "target_name"),
      generation: row["generation"] === null ? null : Number(row["generation"]),
      stack: textOrNull(row, "stack"),
      updateId: textOrNull(row, "update_id"),
      details: row["details"] as Record<string, unknown>,
    }));
  }
}

/** The single row a statement with RETURNING must produce. */
function one(rows: SqlRow[], what: string): SqlRow {
  const row = rows[0];
  if (row === undefined) throw new Error(`expected the ${what} row back, got none`);
  return row;
}

function toToken(row: SqlRow | undefined): ApiTokenRecord {
  if (row === undefined) throw new Error("expected a token row");
  return {
    id: text(row, "id"),
    name: text(row, "name"),
    role: text(row, "role") as Role,
    createdAt: iso(row["created_at"]),
  };
}

function connectionValues(write: ConnectionWrite): unknown[] {
  return [
    write.displayName,
    write.sharing,
    write.exportUser,
    JSON.stringify(write.consent),
    write.accountId,
    write.organizationName,
    write.status,
    write.credentialsKeyId,
    write.credentialsCiphertext,
    write.credentialsInputHash,
    write.refreshTokenFingerprint,
  ];
}

/**
 * The error of an insert that lost a race: another request created `name` between the caller's
 * check and its insert. Retryable: the next attempt sees the record and updates it.
 */
export function createdMeanwhile(kind: string, name: string): (cause: unknown) => ConflictError {
  return (cause) =>
    new ConflictError(
      "CONCURRENT_CHANGE",
      `${kind} '${name}' was created by another request at the same time; try again`,
      { cause, retryable: true },
    );
}
