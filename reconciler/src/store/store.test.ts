import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeBackends } from "../../../test/support/store-backends.ts";
import type { ExportDefinition } from "../../../contract/export.ts";
import { migrate, migrations } from "./migrations.ts";
import {
  FOREIGN_KEY_VIOLATION,
  sqlState,
  UNIQUE_VIOLATION,
  type SqlDatabase,
} from "./sql-database.ts";
import { Store, type ConnectionWrite } from "./store.ts";
import { RUN_ALREADY_ACTIVE } from "./run-store.ts";
import { AppError } from "../core/errors.ts";
import {
  deleteSource,
  getSource,
  insertSource,
  listExportNamesUsingSource,
} from "./source-store.ts";

/** A refusal of the database arrives as an AppError of ours, the SQL error kept as its cause. */
function expectStoreError(error: unknown, code: string, state: string): void {
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  expect(sqlState((error as AppError).cause)).toBe(state);
}

function connectionWrite(overrides: Partial<ConnectionWrite> = {}): ConnectionWrite {
  return {
    displayName: "Newsletter",
    sharing: "contributors",
    exportUser: "ada@example.com",
    consent: {
      accepted: true,
      statementVersion: "2026-01",
      acceptedBy: "ada@example.com",
      acceptedAt: "2026-11-23T10:00:00.000Z",
      accountId: "acc-1",
    },
    accountId: "acc-1",
    organizationName: "Contoso",
    status: "connected",
    credentialsKeyId: "k1",
    credentialsCiphertext: "v1.k1.ciphertext",
    credentialsInputHash: "hash",
    refreshTokenFingerprint: "sha256:0011223344556677",
    ...overrides,
  };
}

function definition(connection: string): ExportDefinition {
  return {
    connection,
    listId: "6f1c5b7e-3c2a-4e0b-9a55-0a3c2b1d4e5f",
    mappings: { email: "email" },
    segments: ["vip"],
    source: "segments",
    schedule: {},
    membership: "mirror",
    guards: { maxRemovePercent: 10 },
    onDelete: "keep-members",
    enabled: true,
  };
}

describe.each(storeBackends)("store on $name", (backend) => {
  let db: SqlDatabase;
  let store: Store;
  let dispose: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const opened = await backend.open("store");
    db = opened.db;
    dispose = () => opened.dispose();
    store = new Store(db);
    await insertSource(store, "segments", {
      type: "files",
      sharing: "contributors",
      description: null,
      settings: { type: "files", path: "/data/segments" },
      secret: null,
    });
  }, 60_000);

  afterAll(async () => {
    await dispose?.();
  });

  /** An export `e-<name>` on its own connection, and what inserting one of its runs takes. */
  async function exportWithRuns(name: string) {
    const connection = await store.insertConnection(`c-${name}`, connectionWrite());
    const exported = await store.insertExport({
      name: `e-${name}`,
      connectionId: connection.id,
      definition: definition(`c-${name}`),
      definitionHash: "d1",
    });
    const runInput = {
      exportId: exported.id,
      trigger: "manual" as const,
      generation: 1,
      definitionHash: "d1",
      stack: "org/proj/dev",
      updateId: "u-1",
      requestedBy: "ci",
    };
    return { exported, runInput };
  }

  it("applies migrations once and records them", async () => {
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ version: number }>("SELECT version FROM schema_migrations");
    expect(rows.map((row) => row.version)).toEqual(migrations.map((item) => item.version));
  });

  it("stores tokens by hash, refuses a second token with the same name, and revokes", async () => {
    const token = await store.createToken({ name: "ci", role: "contributor", tokenHash: "h-ci" });
    expect(token).toMatchObject({ name: "ci", role: "contributor" });
    expect(await store.findTokenByHash("h-ci")).toMatchObject({ name: "ci" });
    const duplicate = await store
      .createToken({ name: "ci", role: "viewer", tokenHash: "h-other" })
      .catch((error: unknown) => error);
    expectStoreError(duplicate, "TOKEN_EXISTS", UNIQUE_VIOLATION);
    expect(await store.revokeToken("ci")).toBe(true);
    expect(await store.findTokenByHash("h-ci")).toBeUndefined();
  });

  it("bumps a connection's generation on update and keeps JSON and timestamps intact", async () => {
    const created = await store.insertConnection("c-gen", connectionWrite());
    expect(created.generation).toBe(1);
    expect(created.consent.statementVersion).toBe("2026-01");
    const updated = await store.updateConnection(
      created.id,
      connectionWrite({ sharing: "admins" }),
    );
    expect(updated).toMatchObject({ generation: 2, sharing: "admins" });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.createdAt));
  });

  it("keeps credentials rotated meanwhile when an update says so, and replaces them without a new generation", async () => {
    const created = await store.insertConnection("c-rotate", connectionWrite());
    expect(
      await store.replaceConnectionCredentials(
        "c-rotate",
        { keyId: "k2", ciphertext: "rotated" },
        "connected",
      ),
    ).toBe(true);
    const rotated = await store.getConnection("c-rotate");
    expect(rotated).toMatchObject({
      generation: 1,
      credentialsCiphertext: "rotated",
      credentialsKeyId: "k2",
    });
    const renamed = await store.updateConnection(
      created.id,
      connectionWrite({ displayName: "Renamed", status: "connected" }),
      { keepCredentials: true },
    );
    expect(renamed).toMatchObject({
      generation: 2,
      displayName: "Renamed",
      credentialsCiphertext: "rotated",
    });
    await store.setConnectionStatus("c-rotate", "needs-reauthorisation");
    expect((await store.getConnection("c-rotate"))?.status).toBe("needs-reauthorisation");
  });

  it("rolls a transaction back when its work throws", async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.insertConnection("c-rollback", connectionWrite());
        throw new Error("verification failed");
      }),
    ).rejects.toThrow("verification failed");
    expect(await store.getConnection("c-rollback")).toBeUndefined();
  });

  it("refuses to delete a connection while an export is attached, and allows it once detached", async () => {
    const connection = await store.insertConnection("c-used", connectionWrite());
    const exported = await store.insertExport({
      name: "e-used",
      connectionId: connection.id,
      definition: definition("c-used"),
      definitionHash: "d1",
    });
    expect(await store.listAttachedExportNames(connection.id)).toEqual(["e-used"]);
    const refused = await store.deleteConnection(connection.id).catch((error: unknown) => error);
    expectStoreError(refused, "CONNECTION_IN_USE", FOREIGN_KEY_VIOLATION);
    const detached = await store.setExportAttachment(exported.id, null);
    expect(detached).toMatchObject({ attachedConnectionId: null, generation: 1 });
    await store.deleteConnection(connection.id);
    expect(await store.getConnection("c-used")).toBeUndefined();
    expect((await store.getExport("e-used"))?.definition.connection).toBe("c-used");
  });

  it("keeps one active run per export, cancels queued runs and lists newest first", async () => {
    const { exported, runInput } = await exportWithRuns("runs");
    const first = await store.runs.insert(runInput);
    expect(first).toMatchObject({
      status: "queued",
      exportName: "e-runs",
      counts: {},
      error: null,
    });
    const second = await store.runs.insert(runInput).catch((error: unknown) => error);
    // One active run per export: the index's violation arrives as an AppError with its cause.
    expectStoreError(second, RUN_ALREADY_ACTIVE, UNIQUE_VIOLATION);
    const cancelled = await store.runs.requestCancel(first.id);
    expect(cancelled?.status).toBe("cancelled");
    expect(cancelled?.finishedAt).not.toBeNull();
    const next = await store.runs.insert({ ...runInput, updateId: "u-2" });
    const runs = await store.runs.list(exported.id, 10);
    expect(runs.map((run) => run.id)).toEqual([next.id, first.id]);
    await store.deleteExport(exported.id);
    expect(await store.runs.get(next.id)).toBeUndefined();
  });

  it("makes a succeeded run's snapshot current, with the contact ids stored beside it", async () => {
    const { exported, runInput } = await exportWithRuns("snap");
    const finishWith = async (snapshotId: string, idsId: string | null): Promise<void> => {
      const run = await store.runs.insert(runInput);
      await store.runs.finish(run.id, {
        status: "succeeded",
        counts: {},
        snapshot: {
          exportId: exported.id,
          snapshotId,
          idsId,
          entries: 3,
          bytes: 30,
          runId: run.id,
          listId: "list-1",
        },
      });
    };
    expect(await store.runs.currentSnapshot(exported.id)).toBeUndefined();
    await finishWith("e-snap/a.tsv.gz", "e-snap/a-ids.tsv.gz");
    expect(await store.runs.currentSnapshot(exported.id)).toMatchObject({
      snapshotId: "e-snap/a.tsv.gz",
      idsId: "e-snap/a-ids.tsv.gz",
      listId: "list-1",
    });
    // The next run's snapshot carries the ids: the pointer no longer names a file of them.
    await finishWith("e-snap/b.tsv.gz", null);
    expect(await store.runs.currentSnapshot(exported.id)).toMatchObject({
      snapshotId: "e-snap/b.tsv.gz",
      idsId: null,
    });
  });
  it("appends audit entries with the stack and update that caused them", async () => {
    await store.appendAudit({
      actorName: "ci",
      actorRole: "admin",
      action: "connection.create",
      targetType: "connection",
      targetName: "c-audit",
      generation: 1,
      stack: "org/proj/dev",
      updateId: "u-9",
      details: { sharing: "admins" },
    });
    const entries = await store.listAudit({ targetType: "connection", targetName: "c-audit" });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorName: "ci",
      actorRole: "admin",
      stack: "org/proj/dev",
      updateId: "u-9",
      generation: 1,
      details: { sharing: "admins" },
    });
  });
  it("refuses to delete a source while an export reads it", async () => {
    const connection = await store.insertConnection("c-source", connectionWrite());
    const source = await insertSource(store, "reads-it", {
      type: "files",
      sharing: "admins",
      description: null,
      settings: { type: "files", path: "/data/other" },
      secret: null,
    });
    await store.insertExport({
      name: "x-source",
      connectionId: connection.id,
      definition: { ...definition(connection.name), source: "reads-it" },
      definitionHash: "h",
    });
    expect(await listExportNamesUsingSource(store, "reads-it")).toEqual(["x-source"]);
    const refused = await deleteSource(store, source.id).catch((error: unknown) => error);
    expectStoreError(refused, "SOURCE_IN_USE", FOREIGN_KEY_VIOLATION);
    expect(await getSource(store, "reads-it")).toMatchObject({ type: "files", secret: null });
  });

  it("moves inline sources of exports saved before sources existed into admin-only sources", async () => {
    const opened = await backend.open("store-legacy", {
      migrations: migrations.filter((migration) => migration.version < 5),
    });
    try {
      const legacy = new Store(opened.db);
      const connection = await legacy.insertConnection("c-legacy", connectionWrite());
      for (const [name, source] of [
        ["files-export", { type: "files", path: "/srv/segments" }],
        [
          "pg-export",
          {
            type: "postgres",
            connectionStringEnv: "CCX_DATABASE_URL",
            queries: { vip: "SELECT 1" },
          },
        ],
      ] as const) {
        await opened.db.query(
          `INSERT INTO exports (id, name, connection_name, attached_connection_id, definition,
             definition_hash, generation) VALUES ($1, $2, $3, $4, $5::jsonb, 'h', 1)`,
          [
            name,
            name,
            connection.name,
            connection.id,
            JSON.stringify({ ...definition(connection.name), source }),
          ],
        );
      }
      expect(await migrate(opened.db)).toEqual([5, 6]);
      const files = await legacy.getExport("files-export");
      expect(files?.definition.source).toBe("legacy-files-export");
      expect(await getSource(legacy, "legacy-files-export")).toMatchObject({
        sharing: "admins",
        settings: { type: "files", path: "/srv/segments" },
      });
      const pgSource = await getSource(legacy, "legacy-pg-export");
      // The variable name chosen by the export's author is dropped: an admin sets the secret.
      expect(pgSource).toMatchObject({ type: "postgres", sharing: "admins", secret: null });
      expect(JSON.stringify(pgSource?.settings)).not.toContain("CCX_DATABASE_URL");
      expect(await listExportNamesUsingSource(legacy, "legacy-pg-export")).toEqual(["pg-export"]);
    } finally {
      await opened.dispose();
    }
  }, 60_000);
});
