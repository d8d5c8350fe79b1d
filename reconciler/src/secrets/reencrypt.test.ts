import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../store/migrations.ts";
import { IN_MEMORY, openPgliteDatabase } from "../store/pglite-database.ts";
import type { SqlDatabase } from "../store/sql-database.ts";
import { Store } from "../store/store.ts";
import { openCredentials, sealCredentials } from "./connection-credentials.ts";
import { countSecretsByKey, reencryptSecrets } from "./reencrypt.ts";
import { SecretBox } from "./secret-box.ts";

const keys = { k0: randomBytes(32), k1: randomBytes(32), k2: randomBytes(32) };
const box = (activeKeyId: "k0" | "k1" | "k2", ...ids: Array<"k0" | "k1" | "k2">) =>
  new SecretBox({ activeKeyId, keys: new Map(ids.map((id) => [id, keys[id]] as const)) });

let db: SqlDatabase;
let store: Store;

async function addConnection(name: string, sealer: SecretBox): Promise<void> {
  const sealed = sealCredentials(sealer, name, {
    clientId: `client-${name}`,
    clientSecret: `secret-${name}`,
    refreshToken: `refresh-${name}`,
  });
  await store.insertConnection(name, {
    displayName: name,
    sharing: "admins",
    exportUser: "ada@example.com",
    consent: {
      accepted: true,
      statementVersion: "2026-01",
      acceptedBy: "ada@example.com",
      acceptedAt: "2026-01-01T00:00:00.000Z",
      accountId: "acc",
    },
    accountId: "acc",
    organizationName: "Contoso",
    status: "connected",
    credentialsKeyId: sealed.keyId,
    credentialsCiphertext: sealed.ciphertext,
    credentialsInputHash: "hash",
    refreshTokenFingerprint: "fp",
  });
}

beforeAll(async () => {
  db = await openPgliteDatabase(IN_MEMORY);
  await migrate(db);
  store = new Store(db);
}, 60_000);
afterAll(async () => {
  await db.close();
});

describe("re-encrypting stored secrets under the active key", () => {
  it("counts secrets per key, moves every one to the active key, and is safe to run again", async () => {
    await addConnection("old-a", box("k1", "k1"));
    await addConnection("old-b", box("k1", "k1"));
    await addConnection("new-c", box("k2", "k2"));
    expect(await countSecretsByKey(store)).toEqual({ k1: 2, k2: 1 });

    const rotated = box("k2", "k1", "k2");
    const report = await reencryptSecrets(store, rotated, { actorName: "test" });
    expect(report).toEqual({
      activeKeyId: "k2",
      before: { k1: 2, k2: 1 },
      after: { k2: 3 },
      reencrypted: 2,
      failed: [],
    });
    // Readable with the new key alone: the old one may now be removed.
    const newOnly = box("k2", "k2");
    for (const name of ["old-a", "old-b", "new-c"]) {
      const record = await store.getConnection(name);
      expect(record?.credentialsKeyId).toBe("k2");
      expect(openCredentials(newOnly, record!)).toMatchObject({ refreshToken: `refresh-${name}` });
    }
    const audit = await store.listAudit({ targetType: "connection", targetName: "old-a" });
    expect(audit.map((entry) => [entry.action, entry.details])).toEqual([
      ["connection.reencrypt", { fromKeyId: "k1", toKeyId: "k2" }],
    ]);

    const again = await reencryptSecrets(store, rotated, { actorName: "test" });
    expect(again).toMatchObject({ reencrypted: 0, before: { k2: 3 }, after: { k2: 3 } });
  });

  it("reports the secrets whose key is not configured and leaves them as they are", async () => {
    await addConnection("lost-key", box("k0", "k0"));
    const report = await reencryptSecrets(store, box("k2", "k1", "k2"), { actorName: "test" });
    expect(report.failed).toEqual([
      { connection: "lost-key", keyId: "k0", code: "SECRET_KEY_UNKNOWN" },
    ]);
    expect(report.after).toEqual({ k0: 1, k2: 3 });
  });
});
