/**
 * Snapshots in a local directory (the embedded default): `<root>/<export>/<id>.tsv.gz`, written
 * to a temporary name and renamed into place when complete, so a crash leaves no half file under
 * a snapshot id.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { batched } from "../core/batched.ts";
import type { Batched } from "../core/batched.ts";
import { AppError } from "../core/errors.ts";
import type { SnapshotEntry } from "../core/diff.ts";
import { decodeSnapshotBatches, encodeSnapshot } from "./snapshot-format.ts";
import { snapshotGunzip, snapshotGzip } from "./snapshot-compression.ts";
import type { EncodeStats } from "./snapshot-format.ts";
import { checkExportName, newSnapshotId, parseSnapshotId } from "./snapshot-store.ts";
import type { SnapshotCompression, SnapshotRef, SnapshotStore } from "./snapshot-store.ts";

/** Options of {@link createLocalSnapshotStore}. */
export interface LocalSnapshotStoreOptions extends SnapshotCompression {
  /** The directory; created when missing. */
  root: string;
}

/** Creates a local-directory snapshot store. */
export function createLocalSnapshotStore(options: LocalSnapshotStoreOptions): SnapshotStore {
  const gzipLevel = options.gzipLevel ?? 1;
  const pathOf = (id: string): string => {
    parseSnapshotId(id);
    return join(options.root, id);
  };
  return {
    kind: "local",
    async write(exportName, entries): Promise<SnapshotRef> {
      const id = newSnapshotId(exportName, gzipLevel > 0);
      const path = pathOf(id);
      const temporary = join(dirname(path), `.${id.slice(exportName.length + 1)}.partial`);
      await mkdir(dirname(path), { recursive: true });
      const stats: EncodeStats = { entries: 0 };
      const text = Readable.from(encodeSnapshot(entries, stats));
      try {
        if (gzipLevel > 0)
          await pipeline(text, snapshotGzip(gzipLevel), createWriteStream(temporary));
        else await pipeline(text, createWriteStream(temporary));
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      const { size } = await stat(path);
      return {
        id,
        exportName,
        entries: stats.entries,
        bytes: size,
        createdAt: new Date().toISOString(),
      };
    },
    read(id): Batched<SnapshotEntry> {
      // A bad id fails while reading, as a missing snapshot does.
      return batched(async function* () {
        yield* readLocal(pathOf(id), id, parseSnapshotId(id).gzip);
      });
    },
    async list(exportName): Promise<string[]> {
      checkExportName(exportName);
      let names: string[];
      try {
        names = await readdir(join(options.root, exportName));
      } catch {
        return [];
      }
      return names
        .map((name) => `${exportName}/${name}`)
        .filter((id) => {
          try {
            parseSnapshotId(id);
            return true;
          } catch {
            return false;
          }
        })
        .sort();
    },
    async delete(id): Promise<void> {
      await rm(pathOf(id), { force: true });
    },
  };
}

async function* readLocal(
  path: string,
  id: string,
  gzip: boolean,
): AsyncGenerator<SnapshotEntry[]> {
  try {
    await stat(path);
  } catch (error) {
    throw new AppError(
      "SNAPSHOT_NOT_FOUND",
      `snapshot ${id} does not exist in the local snapshot store`,
      {
        cause: error,
      },
    );
  }
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  if (!gzip) {
    yield* decodeSnapshotBatches(file, id);
    return;
  }
  const gunzip = snapshotGunzip();
  file.on("error", (error) => gunzip.destroy(error));
  yield* decodeSnapshotBatches(file.pipe(gunzip), id);
}
