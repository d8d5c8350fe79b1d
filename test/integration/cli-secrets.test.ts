/**
 * A key rotation as the README describes it, with the real `ccx secrets` command on a real data
 * directory: a connection sealed under the old key, `status` shows it, `reencrypt` moves it to
 * the new key, and the reconciler then runs with the new key alone.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken } from "../../reconciler/src/auth/api-token.ts";
import { loadConfig } from "../../reconciler/src/config.ts";
import { startReconciler } from "../../reconciler/src/main.ts";
import { repoRoot } from "../support/pulumi-cli.ts";
import {
  apiCaller,
  connectionBody,
  newEmulatorCredentials,
} from "../support/reconciler-fixtures.ts";

const oldKey = randomBytes(32).toString("base64");
const newKey = randomBytes(32).toString("base64");
const admin = generateToken();
let dir: string;
let emulator: Emulator;
const secrets: string[] = [admin, oldKey, newKey];

async function writeConfig(activeKeyId: string, keys: Record<string, string>): Promise<string> {
  const path = join(dir, `ccx-${activeKeyId}-${Object.keys(keys).join("-")}.yaml`);
  await writeFile(
    path,
    JSON.stringify({
      server: { host: "127.0.0.1", port: 0 },
      store: { dataDir: join(dir, "data") },
      secrets: { activeKeyId, keys },
      auth: { bootstrapAdminToken: admin },
      log: { level: "silent" },
      ctct: { apiBaseUrl: emulator.apiBaseUrl, tokenUrl: emulator.tokenUrl },
      scheduler: { enabled: false },
    }),
  );
  return path;
}

function ccxSecrets(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/ccx.js", "secrets", ...args],
      { cwd: repoRoot, env: { ...process.env, CCX_CONFIG: undefined } },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ccx-secrets-"));
  emulator = await startEmulator({ activityTiming: "instant" });
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("ccx secrets: rotating the encryption key", () => {
  it("reports the key of each secret, re-encrypts them all, and the old key can go", async () => {
    // A connection created while k1 was the only key.
    const first = await startReconciler(
      loadConfig({ path: await writeConfig("k1", { k1: oldKey }) }),
    );
    const { credentials } = newEmulatorCredentials(emulator, "Rotation", secrets);
    const created = await apiCaller(first.url, admin)(
      "PUT",
      "/v1/connections/rotating",
      connectionBody(credentials),
    );
    expect(created.status).toBe(201);
    await first.close();

    const both = await writeConfig("k2", { k1: oldKey, k2: newKey });
    const before = await ccxSecrets(["status", "--json", "--config", both]);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toEqual({ activeKeyId: "k2", byKeyId: { k1: 1 } });

    const reencrypt = await ccxSecrets(["reencrypt", "--config", both]);
    expect(reencrypt.code).toBe(0);
    expect(reencrypt.stdout).toContain("Re-encrypted 1 secret(s) under key 'k2'");
    expect(reencrypt.stdout).toMatch(/After:\n {2}k2\t1\t\(active\)\n/);

    // Without the old key: every secret is readable, and the connection still works.
    const newOnly = await writeConfig("k2", { k2: newKey });
    const after = await ccxSecrets(["status", "--json", "--config", newOnly]);
    expect(JSON.parse(after.stdout)).toEqual({ activeKeyId: "k2", byKeyId: { k2: 1 } });
    const second = await startReconciler(loadConfig({ path: newOnly }));
    try {
      const changed = await apiCaller(second.url, admin)(
        "PUT",
        "/v1/connections/rotating",
        connectionBody(credentials, { displayName: "Rotated" }),
      );
      expect(changed.status).toBe(200);
      const budget = await apiCaller(second.url, admin)("GET", "/v1/connections/rotating/budget");
      // Reading the budget opens the credentials (its application key) with the new key.
      expect(budget.status).toBe(200);
    } finally {
      await second.close();
    }
    for (const output of [before, reencrypt, after]) {
      for (const secret of secrets) expect(output.stdout + output.stderr).not.toContain(secret);
    }
  });

  it("exits 2 for an unknown action", async () => {
    const result = await ccxSecrets(["rotate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown action 'rotate'");
  });
});
