/**
 * A running ccx on loopback for provider and end-to-end tests: the Constant Contact emulator, and
 * the reconciler on PGlite pointed at it, with an admin, a contributor and a viewer token.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout } from "node:timers/promises";
import { startEmulator, type Emulator, type StartEmulatorOptions } from "../../emulator/index.ts";
import type { ExportRun } from "../../contract/index.ts";
import { generateToken, hashToken } from "../../reconciler/src/auth/api-token.ts";
import { parseConfig, type ReconcilerConfigInput } from "../../reconciler/src/config.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import { apiCaller, newEmulatorCredentials } from "./reconciler-fixtures.ts";

export interface CcxTestStack {
  emulator: Emulator;
  reconciler: RunningReconciler;
  tokens: { admin: string; contributor: string; viewer: string };
  /** The one folder files sources may live under (`sources.files.roots`). */
  segmentsRoot: string;
  /** Every secret handed out, for scans of outputs, state and logs. */
  secrets: string[];
  /** New Constant Contact app + account + refresh token, as `ccx connect` would produce. */
  newCredentials(organizationName?: string): {
    accountId: string;
    credentials: { clientId: string; clientSecret: string; refreshToken: string };
  };
  /** Calls the reconciler API as `role`; rejects on an error status. */
  api<T>(
    role: keyof CcxTestStack["tokens"],
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T>;
  /** Runs an export now and waits until the run has ended; resolves with the final run. */
  runExport(name: string): Promise<ExportRun>;
  close(): Promise<void>;
}

const FINISHED: ReadonlySet<string> = new Set(["succeeded", "failed", "paused", "cancelled"]);

export async function startCcxTestStack(
  options: {
    emulator?: StartEmulatorOptions;
    /** More reconciler settings (e.g. `plans`, `scheduler`), merged over the stack's own. */
    config?: Partial<ReconcilerConfigInput>;
  } = {},
): Promise<CcxTestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), "ccx-stack-"));
  const emulator = await startEmulator({ activityTiming: "instant", ...options.emulator });
  const admin = generateToken();
  const segmentsRoot = join(dataDir, "segments");
  await mkdir(segmentsRoot, { recursive: true });
  const config = parseConfig({
    server: { host: "127.0.0.1", port: 0 },
    store: { dataDir: join(dataDir, "store") },
    sources: { files: { roots: [segmentsRoot] } },
    secrets: { activeKeyId: "k1", keys: { k1: randomBytes(32).toString("base64") } },
    auth: { bootstrapAdminToken: admin },
    log: { level: "silent" },
    ctct: { apiBaseUrl: emulator.apiBaseUrl, tokenUrl: emulator.tokenUrl },
    ...options.config,
  });
  const reconciler = await startReconciler(config);
  const contributor = generateToken();
  const viewer = generateToken();
  await reconciler.store.createToken({
    name: "team-contributor",
    role: "contributor",
    tokenHash: hashToken(contributor),
  });
  await reconciler.store.createToken({
    name: "team-viewer",
    role: "viewer",
    tokenHash: hashToken(viewer),
  });
  const secrets = [admin, contributor, viewer];
  const tokens = { admin, contributor, viewer };
  const callers = {
    admin: apiCaller(reconciler.url, admin),
    contributor: apiCaller(reconciler.url, contributor),
    viewer: apiCaller(reconciler.url, viewer),
  };
  async function api<T>(
    role: keyof typeof tokens,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const { status, json } = await callers[role]<T>(method, path, body);
    if (status >= 400)
      throw new Error(`${method} ${path} answered ${status}: ${JSON.stringify(json)}`);
    return json;
  }

  return {
    emulator,
    reconciler,
    tokens,
    segmentsRoot,
    secrets,
    newCredentials: (organizationName = "Contoso") =>
      newEmulatorCredentials(emulator, organizationName, secrets),
    api,
    async runExport(name) {
      const path = `/v1/exports/${encodeURIComponent(name)}/runs`;
      let run = await api<ExportRun>("admin", "POST", path, {});
      const deadline = Date.now() + 120_000;
      while (!FINISHED.has(run.status)) {
        if (Date.now() > deadline) throw new Error(`run ${run.id} still ${run.status} after 120 s`);
        await setTimeout(100);
        run = await api<ExportRun>("admin", "GET", `${path}/${run.id}`);
      }
      return run;
    },
    async close() {
      await reconciler.close();
      await emulator.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
