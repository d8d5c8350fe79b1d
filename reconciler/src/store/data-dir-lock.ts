/**
 * An exclusive, cross-process lock on a data directory. PGlite allows one process per data
 * directory, and two processes opening the same one silently lose commits (measured), so the
 * second process must be refused with a clear message instead.
 *
 * The lock is a file created with O_EXCL that holds the owner's pid. A lock left behind by a
 * process that no longer exists (a crash, `kill -9`) is taken over; a live owner is never
 * displaced.
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../core/errors.ts";

/** The name of the lock file inside the data directory. */
export const LOCK_FILE_NAME = "ccx.lock";

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if this process still owns it. Safe to call twice. */
  release(): void;
}

/** Takes the lock on `dataDir` (created if missing) or throws `DATA_DIR_IN_USE`. */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE_NAME);
  // Two attempts: the second one follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, "wx", 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return lockHandle(path);
    } catch (error) {
      if (!isCode(error, "EEXIST")) throw error;
      const owner = readOwner(path);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
        throw new AppError(
          "DATA_DIR_IN_USE",
          `data directory ${dataDir} is in use by process ${owner}; stop it or use PostgreSQL ` +
            "(set store.databaseUrl) to run several reconcilers",
          { details: { dataDir, pid: owner } },
        );
      }
      if (owner === process.pid) {
        throw new AppError(
          "DATA_DIR_IN_USE",
          `data directory ${dataDir} is already open in this process (pid ${owner}); close the ` +
            "other store first",
          { details: { dataDir, pid: owner } },
        );
      }
      // The owner is gone (or the file is unreadable garbage): the lock is stale.
      rmSync(path, { force: true });
    }
  }
  throw new AppError(
    "DATA_DIR_IN_USE",
    `data directory ${dataDir} is being locked by another process at the same time; try again`,
    { retryable: true, details: { dataDir } },
  );
}

function lockHandle(path: string): DataDirLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      if (readOwner(path) === process.pid) rmSync(path, { force: true });
    },
  };
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return isCode(error, "EPERM");
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
