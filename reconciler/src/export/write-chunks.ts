/**
 * The write chunks of a run, built from its diff in key order: `contacts_json_import` bodies at
 * the largest size the limits allow (CONTRACT §1, §2.3), and `remove_list_memberships` bodies of
 * 500 contact ids. Each chunk carries a content hash, so a resumed run can tell a chunk it
 * already sent from one that changed (ADR 0005). The same input always yields the same chunks.
 */
import { createHash } from "node:crypto";
import type { DiffChange } from "../core/diff.ts";
import { toImportItem } from "../ctct/import-chunker.ts";
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
  /** The request body (pre-serialised JSON for imports). */
  body: string | object;
  /** The e-mail keys in body order, newline-joined (to name rows the service rejects). */
  keys: string;
  /** Per item in body order, `a` (new to the list) or `u` (fields changed); imports only. */
  kinds: string;
  /** Items that are new to the list (imports only). */
  adds: number;
  /** Items whose fields changed (imports only). */
  updates: number;
}

/** Most contact ids per removal activity (CONTRACT §1). */
export const REMOVE_CHUNK_IDS = 500;

/** Import chunks for the `add` and `update` changes of a diff. */
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
  let items: string[] = [];
  let keys: string[] = [];
  let kinds = "";
  let itemBytes = 0;
  let adds = 0;
  let updates = 0;
  let index = 0;
  const flush = (): WriteChunk => {
    const body = prefix + items.join(",") + suffix;
    const chunk: WriteChunk = {
      phase: "import",
      index,
      hash: createHash("sha256").update(body).digest("hex"),
      itemCount: items.length,
      body,
      keys: keys.join("\n"),
      kinds,
      adds,
      updates,
    };
    index += 1;
    items = [];
    keys = [];
    kinds = "";
    itemBytes = 0;
    adds = 0;
    updates = 0;
    return chunk;
  };
  for await (const change of changes) {
    if (change.kind !== "add" && change.kind !== "update") continue;
    const json = JSON.stringify(toImportItem(contactOf(change.desired)));
    const bytes = Buffer.byteLength(json);
    // Body bytes: the frame, the items and one comma between each two.
    if (
      items.length >= maxItems ||
      (items.length > 0 && frameBytes + itemBytes + items.length + bytes > maxBytes)
    ) {
      yield flush();
    }
    items.push(json);
    keys.push(change.desired.key);
    itemBytes += bytes;
    if (change.kind === "add") adds += 1;
    else updates += 1;
    kinds += change.kind === "add" ? "a" : "u";
  }
  if (items.length > 0) yield flush();
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
      keys: part.map((leaver) => leaver.key).join("\n"),
      kinds: "",
      adds: 0,
      updates: 0,
    };
  }
}
