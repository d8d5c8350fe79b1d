import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeBackends } from "../../../test/support/store-backends.ts";
import { openCredentials, sealCredentials } from "../secrets/connection-credentials.ts";
import { SecretBox } from "../secrets/secret-box.ts";
import { Store } from "../store/store.ts";
import { ConnectionTokenStore } from "./connection-token-store.ts";

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe.each(storeBackends)("ConnectionTokenStore on $name", (backend) => {
  let store: Store;
  let dispose: (() => Promise<void>) | undefined;
  const oldBox = new SecretBox({ activeKeyId: "k1", keys: new Map([["k1", k1]]) });
  const box = new SecretBox({
    activeKeyId: "k2",
    keys: new Map([
      ["k1", k1],
      ["k2", k2],
    ]),
  });

  beforeAll(async () => {
    const opened = await backend.open("tokens");
    store = new Store(opened.db);
    dispose = () => opened.dispose();
  }, 60_000);

  afterAll(async () => {
    await dispose?.();
  });

  async function createConnection(name: string) {
    const sealed = sealCredentials(oldBox, name, {
      clientId: "client",
      clientSecret: "client-secret",
      refreshToken: "rt-1",
    });
    return store.insertConnection(name, {
      displayName: name,
      sharing: "admins",
      exportUser: "ada@example.com",
      consent: {
        accepted: true,
        statementVersion: "1",
        acceptedBy: "ada@example.com",
        acceptedAt: "2026-11-23T10:00:00.000Z",
        accountId: "acc",
      },
      accountId: "acc",
      organizationName: "Org",
      status: "connected",
      credentialsKeyId: sealed.keyId,
      credentialsCiphertext: sealed.ciphertext,
      credentialsInputHash: "h",
      refreshTokenFingerprint: "f",
    });
  }

  it("loads the stored refresh token with an expired access token, so the client refreshes first", async () => {
    const connection = await createConnection("tokens-load");
    const tokens = await new ConnectionTokenStore(store, box, connection).load();
    expect(tokens).toMatchObject({ refreshToken: "rt-1", accessToken: "" });
    expect(tokens?.accessTokenExpiresAt.getTime()).toBe(0);
  });

  it("persists a rotated pair under the active key without a new generation", async () => {
    const connection = await createConnection("tokens-save");
    const tokenStore = new ConnectionTokenStore(store, box, connection);
    const expiresAt = new Date("2026-11-23T12:00:00.000Z");
    await tokenStore.save({
      accessToken: "at-2",
      refreshToken: "rt-2",
      accessTokenExpiresAt: expiresAt,
    });
    const record = await store.getConnection("tokens-save");
    expect(record).toMatchObject({ generation: 1, credentialsKeyId: "k2", status: "connected" });
    expect(record?.credentialsCiphertext).not.toContain("rt-2");
    expect(openCredentials(box, record ?? { name: "", credentialsCiphertext: "" })).toMatchObject({
      clientId: "client",
      clientSecret: "client-secret",
      refreshToken: "rt-2",
      accessToken: "at-2",
    });
    expect(await tokenStore.load()).toEqual({
      accessToken: "at-2",
      refreshToken: "rt-2",
      accessTokenExpiresAt: expiresAt,
    });
  });

  it("marks the connection for re-authorisation and audits why", async () => {
    const connection = await createConnection("tokens-reauth");
    await new ConnectionTokenStore(store, box, connection).markNeedsReauthorization(
      "invalid_grant",
    );
    expect((await store.getConnection("tokens-reauth"))?.status).toBe("needs-reauthorisation");
    const audit = await store.listAudit({ targetType: "connection", targetName: "tokens-reauth" });
    expect(audit[0]).toMatchObject({
      actorName: "reconciler",
      actorRole: "system",
      action: "connection.needs-reauthorisation",
      details: { reason: "invalid_grant" },
    });
  });

  it("does not write tokens to a connection that was deleted and re-created", async () => {
    const connection = await createConnection("tokens-gone");
    const tokenStore = new ConnectionTokenStore(store, box, connection);
    await store.deleteConnection(connection.id);
    await createConnection("tokens-gone");
    expect(await tokenStore.load()).toBeUndefined();
    await expect(
      tokenStore.save({ accessToken: "a", refreshToken: "r", accessTokenExpiresAt: new Date() }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
