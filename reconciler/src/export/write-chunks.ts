/**
 * The write chunks of a run, built from its diff in key order: `contacts_json_import` bodies at
 * the largest size the limits allow (CONTRACT §1, §2.3), and `remove_list_memberships` bodies of
 * 500 contact ids. Each chunk carries a content hash, so a resumed run can tell a chunk it
 * already sent from one that changed (ADR 0005). The same input always yields the same chunks.
 */
import { createHash } from "node:crypto";
import { batchesOf } from "../core/batched.ts";
import type { DiffChange } from "../core/diff.ts";
import { writeUtf8 } from "../core/utf8-write.ts";
import { toImportItem } from "../ctct/import-chunker.ts";
import { importItemRoom, writeImportItem } from "../ctct/import-item-json.ts";
import type { ImportChunkLimits } from "../ctct/import-chunker.ts";
import { contactOf } from "./desired-contacts.ts";
import type { DesiredRow } from "./desired-contacts.ts";

/** One activity's worth of work. */
export interface WriteChunk {
  /** `import` (a `contacts_json_import`) or `remove` (a `remove_list_memberships`). */
  phase: "import" | "remove";
  /** Position among the chunks of its phase, from 0. */
  index: number;
  /** SHA-256 (hex) of the body. */
  hash: string;
  itemCount: number;
  /** The request body: UTF-8 JSON bytes for imports, an object for removals. */
  body: Buffer | object;
  /**
   * The e-mail keys in body order, newline-joined UTF-8 (to name rows the service rejects).
   * Bytes, not a string: a chunk in flight holds them until its activity completes, and 30
   * chunks' keys as strings (~850 KB each) sat in V8's large-object space, where they count as
   * survivors of young-generation collections, which V8 grows that generation by (ADR 0010).
   */
  keys: Buffer;
  /** Per item in body order, `a` (new to the list) or `u` (fields changed), as bytes; imports only. */
  kinds: Buffer;
  /** Items that are new to the list (imports only). */
  adds: number;
  /** Items whose fields changed (imports only). */
  updates: number;
}

/** Most contact ids per removal activity (CONTRACT §1). */
export const REMOVE_CHUNK_IDS = 500;

/**
 * Import chunks for the `add` and `update` changes of a diff. A chunk's body, keys and kinds are
 * gathered as bytes in buffers reused from chunk to chunk and copied out once the chunk is
 * complete: 40,000 item strings held until then would survive V8's young-generation
 * collections, grow it, and fill the old generation with garbage (ADR 0010). The body stays
 * bytes, outside V8's heap, and is sent as they are.
 */
export async function* importChunks(
  changes: AsyncIterable<DiffChange<DesiredRow>>,
  listIds: readonly string[],
  limits: ImportChunkLimits = {},
): AsyncGenerator<WriteChunk> {
  const maxItems = limits.maxItems ?? 40_000;
  const maxBytes = limits.maxBytes ?? 3_500_000;
  const prefix = '{"import_data":[';
  const suffix = `],"list_ids":${JSON.stringify(listIds)}}`;
  const frameBytes = Buffer.byteLength(prefix) + Buffer.byteLength(suffix);
  let body: Buffer = Buffer.allocUnsafe(Math.max(64 * 1024, Math.min(maxBytes, 4 * 1024 * 1024)));
  let keys: Buffer = Buffer.allocUnsafe(64 * 1024);
  let kinds: Buffer = Buffer.allocUnsafe(Math.min(maxItems, 64 * 1024));
  // One item's JSON, written here first: whether it still fits the chunk depends on its size.
  let item: Buffer = Buffer.allocUnsafe(4 * 1024);
  // Bytes of the items and their commas in `body` (written after the prefix).
  let bodyUsed = 0;
  let keysUsed = 0;
  let count = 0;
  let adds = 0;
  let updates = 0;
  let index = 0;
  const prefixBytes = body.write(prefix, 0, "utf8");
  const suffixBytes = Buffer.from(suffix, "utf8");
  const flush = (): WriteChunk => {
    body = roomFor(body, prefixBytes + bodyUsed + suffixBytes.length);
    const end = prefixBytes + bodyUsed + suffixBytes.copy(body, prefixBytes + bodyUsed);
    const chunk: WriteChunk = {
      phase: "import",
      index,
      hash: createHash("sha256").update(body.subarray(0, end)).digest("hex"),
      itemCount: count,
      // Sent as these bytes: a string would be encoded to UTF-8 again on every send.
      body: Buffer.from(body.subarray(0, end)),
      // Copies: `keys` and `kinds` are reused for the next chunk.
      keys: Buffer.from(keys.subarray(0, Math.max(0, keysUsed - 1))),
      kinds: Buffer.from(kinds.subarray(0, count)),
      adds,
      updates,
    };
    index += 1;
    bodyUsed = 0;
    keysUsed = 0;
    count = 0;
    adds = 0;
    updates = 0;
    return chunk;
  };
  for await (const batch of batchesOf(changes)) {
    for (const change of batch) {
      if (change.kind !== "add" && change.kind !== "update") continue;
      const desired = change.desired;
      item = roomFor(item, importItemRoom(desired.key, desired.fields));
      let bytes = writeImportItem(item, 0, desired.key, desired.fields);
      if (bytes === undefined) {
        const json = JSON.stringify(toImportItem(contactOf(desired)));
        item = roomFor(item, 3 * json.length);
        bytes = item.write(json, 0, "utf8");
      }
      // Body bytes: the frame, the items and one comma between each two.
      if (count >= maxItems || (count > 0 && frameBytes + bodyUsed + 1 + bytes > maxBytes)) {
        yield flush();
      }
      const comma = count > 0 ? 1 : 0;
      body = roomFor(body, prefixBytes + bodyUsed + comma + bytes);
      if (comma === 1) body[prefixBytes + bodyUsed] = 0x2c;
      item.copy(body, prefixBytes + bodyUsed + comma, 0, bytes);
      bodyUsed += comma + bytes;
      const key = change.desired.key;
      keys = roomFor(keys, keysUsed + key.length * 3 + 1);
      keysUsed = writeUtf8(keys, keysUsed, key);
      keys[keysUsed] = 0x0a;
      keysUsed += 1;
      kinds = roomFor(kinds, count + 1);
      kinds[count] = change.kind === "add" ? 0x61 : 0x75;
      count += 1;
      if (change.kind === "add") adds += 1;
      else updates += 1;
    }
  }
  if (count > 0) yield flush();
}

/** `buffer`, or a larger copy of it when it has fewer than `bytes` bytes. */
function roomFor(buffer: Buffer, bytes: number): Buffer {
  if (bytes <= buffer.length) return buffer;
  const larger = Buffer.allocUnsafe(Math.max(bytes, buffer.length * 2));
  buffer.copy(larger);
  return larger;
}

/** A contact to take off the list. */
export interface Leaver {
  key: string;
  contactId: string;
}

/** Removal chunks of at most 500 contact ids, in the order given. */
export function* removalChunks(
  leavers: readonly Leaver[],
  listIds: readonly string[],
): Generator<WriteChunk> {
  for (let at = 0, index = 0; at < leavers.length; at += REMOVE_CHUNK_IDS, index += 1) {
    const part = leavers.slice(at, at + REMOVE_CHUNK_IDS);
    const ids = part.map((leaver) => leaver.contactId);
    const body = { source: { contact_ids: ids }, list_ids: listIds };
    yield {
      phase: "remove",
      index,
      hash: createHash("sha256").update(JSON.stringify(body)).digest("hex"),
      itemCount: ids.length,
      body,
      keys: Buffer.from(part.map((leaver) => leaver.key).join("\n")),
      kinds: Buffer.alloc(0),
      adds: 0,
      updates: 0,
    };
  }
}
