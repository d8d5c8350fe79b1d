/**
 * Key rotation for secrets at rest: which key each stored secret is sealed under, and sealing
 * every one of them again under the active key. Until a secret is re-sealed its old key must stay
 * configured; a connection that never runs is otherwise never moved (only a token refresh
 * re-seals on its own), so rotation ends with `ccx secrets reencrypt`.
 */
import type { Store } from "../store/store.ts";
import { openCredentials, sealCredentials } from "./connection-credentials.ts";
import type { SecretBox } from "./secret-box.ts";

/** Stored secrets per key id. */
export type KeyCounts = Record<string, number>;

/** The key id a `v1.<keyId>.…` ciphertext names. */
export function keyIdOf(ciphertext: string): string {
  return ciphertext.split(".")[1] ?? "unknown";
}

/** How many stored secrets each key id seals (connection credentials: the only secrets kept). */
export async function countSecretsByKey(store: Store): Promise<KeyCounts> {
  const counts: KeyCounts = {};
  for (const connection of await store.listConnections()) {
    const keyId = keyIdOf(connection.credentialsCiphertext);
    counts[keyId] = (counts[keyId] ?? 0) + 1;
  }
  return sorted(counts);
}

/** What {@link reencryptSecrets} did. */
export interface ReencryptReport {
  activeKeyId: string;
  before: KeyCounts;
  after: KeyCounts;
  /** Secrets sealed again under the active key. */
  reencrypted: number;
  /** Secrets that could not be opened (their key is not configured, or they were altered). */
  failed: Array<{ connection: string; keyId: string; code: string }>;
}

/**
 * Seals every stored secret that is not under the active key again under it, one connection per
 * transaction with its row locked, so a token rotation running at the same time is neither lost
 * nor undone. Safe to run again: secrets already under the active key are left as they are.
 */
export async function reencryptSecrets(
  store: Store,
  secretBox: SecretBox,
  actor: { actorName: string },
): Promise<ReencryptReport> {
  const before = await countSecretsByKey(store);
  let reencrypted = 0;
  const failed: ReencryptReport["failed"] = [];
  for (const { name } of await store.listConnections()) {
    try {
      const moved = await store.transaction(async (tx) => {
        const record = await tx.getConnection(name, { forUpdate: true });
        if (record === undefined || !secretBox.needsRotation(record.credentialsCiphertext)) {
          return false;
        }
        const fromKeyId = keyIdOf(record.credentialsCiphertext);
        const sealed = sealCredentials(secretBox, name, openCredentials(secretBox, record));
        await tx.replaceConnectionCredentials(name, sealed, record.status);
        await tx.appendAudit({
          actorName: actor.actorName,
          actorRole: "system",
          action: "connection.reencrypt",
          targetType: "connection",
          targetName: name,
          generation: record.generation,
          details: { fromKeyId, toKeyId: sealed.keyId },
        });
        return true;
      });
      if (moved) reencrypted += 1;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const record = await store.getConnection(name);
      failed.push({
        connection: name,
        keyId: record === undefined ? "unknown" : keyIdOf(record.credentialsCiphertext),
        code: typeof code === "string" ? code : "UNKNOWN",
      });
    }
  }
  return {
    activeKeyId: secretBox.activeKeyId,
    before,
    after: await countSecretsByKey(store),
    reencrypted,
    failed,
  };
}

function sorted(counts: KeyCounts): KeyCounts {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
