/**
 * The snapshot file format (docs/adr/0003-snapshots-and-diff.md): UTF-8 text, gzip-compressed
 * by default, one contact per line, sorted strictly by e-mail key in code-unit order:
 *
 * ```
 * ccx-snapshot\t1                       header: format and version
 * <email key>\t<field hash>\t<contact id or empty>
 * …
 * \tend\t<entry count>                  footer: a truncated file is detected, never half-read
 * ```
 *
 * Keys cannot contain tabs or line breaks (the e-mail rule forbids whitespace) and are never
 * empty, so a line starting with a tab cannot be an entry.
 */
import type { Readable } from "node:stream";
import { AppError } from "../core/errors.ts";
import type { SnapshotEntry } from "../core/diff.ts";
import { batchesOf } from "../core/batched.ts";
import { splitLineBatches } from "../core/text-lines.ts";
import { writeUtf8 } from "../core/utf8-write.ts";

export const SNAPSHOT_HEADER = "ccx-snapshot\t1";
const FOOTER_PREFIX = "\tend\t";
/**
 * Bytes per chunk handed to the compressor: below glibc's mmap threshold, so that the chunks'
 * memory is reused from chunk to chunk; 256 KiB chunks were each mapped afresh and stayed
 * resident until V8 collected them: 126 MB more at the peak of a 1,000,000-entry write (ADR 0013).
 */
const CHUNK_BYTES = 64 * 1024;
const TAB = 9;
const NEWLINE = 10;

/** Counters filled while {@link encodeSnapshot} runs. */
export interface EncodeStats {
  entries: number;
}

/**
 * Encodes entries as chunks of UTF-8 bytes, each ending at a line break. Written straight into a
 * buffer: a chunk built as a string was a rope of some 4,000 small strings, all alive at every
 * young-generation collection until the compressor flattened it, and V8 grows that generation by
 * what survives (ADR 0010). Fails with `UNSORTED_INPUT` when keys are not strictly ascending,
 * and with `SNAPSHOT_INVALID_ENTRY` when a field cannot be stored.
 */
export async function* encodeSnapshot(
  entries: AsyncIterable<SnapshotEntry> | Iterable<SnapshotEntry>,
  stats: EncodeStats = { entries: 0 },
): AsyncGenerator<Buffer> {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = chunk.write(`${SNAPSHOT_HEADER}\n`, 0, "latin1");
  let previous: string | undefined;
  for await (const batch of batchesOf(entries)) {
    for (const entry of batch) {
      if (previous !== undefined && !(previous < entry.key)) {
        throw new AppError(
          "UNSORTED_INPUT",
          `snapshot entries must be strictly sorted by e-mail; entry ${stats.entries + 1} is not`,
        );
      }
      const contactId = entry.contactId ?? "";
      if (entry.key === "" || hasLineOrTab(entry.key, entry.hash, contactId)) {
        throw new AppError(
          "SNAPSHOT_INVALID_ENTRY",
          `snapshot entry ${stats.entries + 1} has an empty key or a tab or line break in a field`,
        );
      }
      previous = entry.key;
      stats.entries += 1;
      // At most 3 bytes per UTF-16 code unit, and the two tabs and the line break.
      const room = 3 * (entry.key.length + entry.hash.length + contactId.length) + 3;
      if (used + room > chunk.length) {
        // The full chunk is handed on as it is; the next one is a new buffer.
        yield chunk.subarray(0, used);
        chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, room));
        used = 0;
      }
      used = writeUtf8(chunk, used, entry.key);
      chunk[used] = TAB;
      used = writeUtf8(chunk, used + 1, entry.hash);
      chunk[used] = TAB;
      used = writeUtf8(chunk, used + 1, contactId);
      chunk[used] = NEWLINE;
      used += 1;
    }
  }
  const footer = `${FOOTER_PREFIX}${stats.entries}\n`;
  if (used + footer.length > chunk.length) {
    yield chunk.subarray(0, used);
    chunk = Buffer.allocUnsafe(footer.length);
    used = 0;
  }
  used += chunk.write(footer, used, "latin1");
  yield chunk.subarray(0, used);
}

/**
 * Decodes a snapshot from its (decompressed) text stream. Fails with `SNAPSHOT_CORRUPT` on a
 * missing header or footer, a count mismatch or an unparseable line.
 */
export async function* decodeSnapshot(
  input: Readable,
  name: string,
): AsyncGenerator<SnapshotEntry> {
  for await (const batch of decodeSnapshotBatches(input, name)) yield* batch;
}

/** {@link decodeSnapshot}, one batch of entries per chunk of text. */
export async function* decodeSnapshotBatches(
  input: Readable,
  name: string,
): AsyncGenerator<SnapshotEntry[]> {
  input.setEncoding("utf8");
  let lineNumber = 0;
  let entries = 0;
  let ended = false;
  try {
    for await (const lines of splitLineBatches(input as AsyncIterable<string>)) {
      const batch: SnapshotEntry[] = [];
      for (const line of lines) {
        lineNumber += 1;
        if (lineNumber === 1) {
          if (line !== SNAPSHOT_HEADER) {
            throw corrupt(name, "it does not start with the ccx snapshot header");
          }
          continue;
        }
        if (ended) throw corrupt(name, "it has lines after its footer");
        if (line.startsWith(FOOTER_PREFIX)) {
          const expected = Number(line.slice(FOOTER_PREFIX.length));
          if (expected !== entries) {
            throw corrupt(name, `its footer says ${expected} entries but it holds ${entries}`);
          }
          ended = true;
          continue;
        }
        const first = line.indexOf("\t");
        const second = line.indexOf("\t", first + 1);
        if (first <= 0 || second === -1 || line.indexOf("\t", second + 1) !== -1) {
          throw corrupt(name, `line ${lineNumber} is not 'email<TAB>hash<TAB>contact id'`);
        }
        entries += 1;
        batch.push(
          second + 1 === line.length
            ? { key: line.slice(0, first), hash: line.slice(first + 1, second) }
            : {
                key: line.slice(0, first),
                hash: line.slice(first + 1, second),
                contactId: line.slice(second + 1),
              },
        );
      }
      if (batch.length > 0) yield batch;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("SNAPSHOT_CORRUPT", `snapshot ${name} could not be read: ${String(error)}`, {
      cause: error,
    });
  } finally {
    input.destroy();
  }
  if (lineNumber === 0) throw corrupt(name, "it is empty");
  if (!ended) throw corrupt(name, "it has no footer (the file is truncated)");
}

/** True when a field holds a tab or a line break (a loop: a regex per entry costs more). */
function hasLineOrTab(key: string, hash: string, contactId: string): boolean {
  return lineOrTabIn(key) || lineOrTabIn(hash) || lineOrTabIn(contactId);
}

function lineOrTabIn(field: string): boolean {
  for (let i = 0; i < field.length; i += 1) {
    const code = field.charCodeAt(i);
    if (code === 9 || code === 10 || code === 13) return true;
  }
  return false;
}

function corrupt(name: string, why: string): AppError {
  return new AppError(
    "SNAPSHOT_CORRUPT",
    `snapshot ${name} is corrupt: ${why}; the next run can rebuild it from the list (or start over with an empty snapshot)`,
  );
}
