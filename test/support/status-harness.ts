/**
 * A whole ccx on loopback for the status page and CLI suites: the Constant Contact emulator
 * (realistic activity timing, so a run takes a few seconds and its progress can be watched), the
 * reconciler over real HTTP on PGlite in a temporary directory, a files source with a few hundred
 * synthetic profiles, one connection and one export on it, and tokens for each role.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { generateToken, hashToken } from "../../reconciler/src/auth/api-token.ts";
import { parseConfig } from "../../reconciler/src/config.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import {
  apiCaller,
  connectionBody,
  LogSink,
  newEmulatorCredentials,
} from "./reconciler-fixtures.ts";
import { SYNTHETIC_MAPPINGS, writeSyntheticSegments } from "./segments.ts";

export interface StatusHarness {
  url: string;
  tokens: { admin: string; contributor: string; viewer: string };
  exportName: string;
  connectionName: string;
  /** The emulator account behind the connection, and the export's list in it. */
  accountId: string;
  listId: string;
  /** An export with `maxAdds: 10`, whose first run a guard pauses (with `guardedExport`). */
  guardedExportName: string | undefined;
  /** Every secret the harness made, for scans of output. */
  secrets: string[];
  reconciler: RunningReconciler;
  emulator: Emulator;
  logs: LogSink;
  /** Calls the API as admin. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

/** Starts everything; `profiles` rows go into the export's one segment. */
export async function startStatusHarness(
  options: { profiles?: number; exportName?: string; guardedExport?: boolean } = {},
): Promise<StatusHarness> {
  const root = await mkdtemp(join(tmpdir(), "ccx-status-"));
  const segments = join(root, "segments");
  const profiles = options.profiles ?? 300;
  await writeSyntheticSegments(segments, [
    {
      name: "high-value",
      profiles: Array.from({ length: profiles }, (_, i) => i),
      extraRows: [{ CustomerId: "C-bad", Email: "not-an-email", FirstName: "X" }],
    },
  ]);
  const emulator = await startEmulator({ activityTiming: "realistic" });
  const adminToken = generateToken();
  const logs = new LogSink();
  const config = parseConfig({
    server: { host: "127.0.0.1", port: 0 },
    store: { dataDir: join(root, "data") },
    sources: { files: { roots: [root] } },
    secrets: { activeKeyId: "k1", keys: { k1: randomBytes(32).toString("base64") } },
    auth: { bootstrapAdminToken: adminToken },
    log: { level: "warn" },
    ctct: { apiBaseUrl: emulator.apiBaseUrl, tokenUrl: emulator.tokenUrl },
  });
  const reconciler = await startReconciler(config, { logDestination: logs });
  const tokens = { admin: adminToken, contributor: generateToken(), viewer: generateToken() };
  for (const role of ["contributor", "viewer"] as const) {
    await reconciler.store.createToken({
      name: `${role}-token`,
      role,
      tokenHash: hashToken(tokens[role]),
    });
  }

  const call = apiCaller(reconciler.url, adminToken);
  const api = (method: string, path: string, body?: unknown) => call<unknown>(method, path, body);

  const secrets = [adminToken, tokens.contributor, tokens.viewer];
  const { accountId, credentials } = newEmulatorCredentials(emulator, "Contoso Marketing", secrets);
  // The export adopts this list by name, so tests can edit it "by hand" to cause drift.
  const { listId } = emulator.seedList(accountId, { name: "High value EU" });
  const connectionName = "newsletter";
  const exportName = options.exportName ?? "high-value-eu";
  const connection = await api(
    "PUT",
    `/v1/connections/${connectionName}`,
    connectionBody(credentials),
  );
  if (connection.status !== 201) {
    throw new Error(`connection not created: ${JSON.stringify(connection.json)}`);
  }
  const source = await api("PUT", "/v1/sources/crm", {
    type: "files",
    sharing: "contributors",
    description: "Customer Insights segment files",
    path: segments,
  });
  if (source.status !== 201) throw new Error(`source not created: ${JSON.stringify(source.json)}`);
  const created = await api("PUT", `/v1/exports/${exportName}`, {
    connection: connectionName,
    list: { name: "High value EU", create: true },
    mappings: SYNTHETIC_MAPPINGS,
    segments: ["high-value"],
    source: "crm",
    schedule: { cron: "0 3 * * *", timeZone: "Europe/Berlin" },
  });
  if (created.status !== 201) {
    throw new Error(`export not created: ${JSON.stringify(created.json)}`);
  }
  const guardedExportName = options.guardedExport === true ? "guarded-eu" : undefined;
  if (guardedExportName !== undefined) {
    const guarded = await api("PUT", `/v1/exports/${guardedExportName}`, {
      connection: connectionName,
      list: { name: "Guarded EU", create: true },
      mappings: SYNTHETIC_MAPPINGS,
      segments: ["high-value"],
      source: "crm",
      schedule: { manualOnly: true },
      guards: { maxRemovePercent: 10, maxAdds: 10 },
    });
    if (guarded.status !== 201) {
      throw new Error(`guarded export not created: ${JSON.stringify(guarded.json)}`);
    }
  }

  return {
    url: reconciler.url,
    tokens,
    exportName,
    connectionName,
    accountId,
    listId,
    guardedExportName,
    secrets,
    reconciler,
    emulator,
    logs,
    api,
    async close() {
      await reconciler.close();
      await emulator.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
