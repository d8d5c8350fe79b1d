/**
 * Where snapshots live: immutable, sorted files of what each export last synced. A store only
 * writes new files and reads old ones; which snapshot is current is a pointer the reconciler's
 * database holds and switches when a run completes, so a failed run never changes it.
 */
import { randomBytes } from "node:crypto";
import type { Batched } from "../core/batched.ts";
import { AppError } from "../core/errors.ts";
import type { SnapshotEntry } from "../core/diff.ts";

/** A written snapshot: what the database's pointer holds. */
export interface SnapshotRef {
  /** Store-relative id, `<export>/<timestamp>-<random>.tsv[.gz]`. */
  id: string;
  exportName: string;
  /** Contacts in the snapshot. */
  entries: number;
  /** Size of the stored file. */
  bytes: number;
  /** ISO 8601 time of writing. */
  createdAt: string;
}

/** Store-level options. */
export interface SnapshotCompression {
  /** gzip level 1–9, or 0 to store plain text. @default 1 (see ADR 0003 for the measurements) */
  gzipLevel?: number | undefined;
}

/** A snapshot store. */
export interface SnapshotStore {
  readonly kind: "local" | "azure-blob";
  /**
   * Writes a new snapshot from entries sorted strictly by key; never overwrites one. Fails with
   * `UNSORTED_INPUT` on unsorted input, leaving nothing behind.
   */
  write(
    exportName: string,
    entries: AsyncIterable<SnapshotEntry> | Iterable<SnapshotEntry>,
  ): Promise<SnapshotRef>;
  /**
   * Streams a snapshot's entries in key order (also batch by batch). @throws
   * `SNAPSHOT_NOT_FOUND`, `SNAPSHOT_CORRUPT` (while reading)
   */
  read(id: string): Batched<SnapshotEntry>;
  /** Ids of an export's snapshots, oldest first. */
  list(exportName: string): Promise<string[]>;
  /** Deletes a snapshot that no pointer names any more (garbage collection). */
  delete(id: string): Promise<void>;
}

// A leading "_" marks the store's own sets (e.g. a connection's opt-outs): no export name can
// start with it, so they never mix with an export's snapshots.
const EXPORT_NAME = /^_?[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$/;
const SNAPSHOT_ID =
  /^(_?[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?)\/(\d{8}T\d{9}Z-[0-9a-f]{8})\.tsv(\.gz)?$/;

/** A fresh id for a snapshot of `exportName`; ids sort by creation time. */
export function newSnapshotId(exportName: string, gzip: boolean, now = new Date()): string {
  if (!EXPORT_NAME.test(exportName)) {
    throw new AppError(
      "VALIDATION_FAILED",
      `'${exportName}' is not a valid export name for a snapshot`,
    );
  }
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(".", "");
  return `${exportName}/${stamp}-${randomBytes(4).toString("hex")}.tsv${gzip ? ".gz" : ""}`;
}

/** Checks an id and tells whether it is compressed. @throws `SNAPSHOT_NOT_FOUND` for a bad id. */
export function parseSnapshotId(id: string): { exportName: string; gzip: boolean } {
  const match = SNAPSHOT_ID.exec(id);
  if (match === null) {
    throw new AppError("SNAPSHOT_NOT_FOUND", `'${id}' is not a snapshot id of this store`);
  }
  return { exportName: match[1] as string, gzip: match[3] !== undefined };
}

/** Checks an export name used as a folder. */
export function checkExportName(exportName: string): void {
  if (!EXPORT_NAME.test(exportName)) {
    throw new AppError(
      "VALIDATION_FAILED",
      `'${exportName}' is not a valid export name for a snapshot`,
    );
  }
}
