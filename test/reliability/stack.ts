/**
 * The system under test for the in-process scenarios: the emulator, the reconciler on loopback
 * (PGlite by default, PostgreSQL when given a URL) with its logs captured at debug level, a
 * relay that records every OAuth token issued, API tokens for the three roles, and a folder for
 * segment files. Everything secret handed out is kept in `secrets` for the hygiene scans.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type Emulator, type StartEmulatorOptions } from "../../emulator/index.ts";
import { generateToken, hashToken } from "../../reconciler/src/auth/api-token.ts";
import { parseConfig, type ReconcilerConfigInput } from "../../reconciler/src/config.ts";
import { startReconciler, type RunningReconciler } from "../../reconciler/src/main.ts";
import { apiCaller, type ApiCall } from "../integration/pipeline-run-support.ts";
import { connectionBody, LogSink } from "../support/reconciler-fixtures.ts";
import { startStormProxy, type StormProxy } from "./storm-proxy.ts";
import { startTokenRecorder, type TokenRecorder } from "./token-recorder.ts";

export type Role = "admin" | "contributor" | "viewer";

export interface ReliabilityStack {
  emulator: Emulator;
  reconciler: RunningReconciler;
  tokenRecorder: TokenRecorder;
  /** The 429 relay in front of `/v3`, when `throttleProbability` was given. */
  storm: StormProxy | undefined;
  /** Every line the reconciler logged (pino JSON, debug level). */
  logs: LogSink;
  /** Scratch directory; segment folders go under `segmentsDir`. */
  dir: string;
  segmentsDir: string;
  tokens: Record<Role, string>;
  /** Calls the reconciler API as `role` (default admin); never throws on an error status. */
  call: ApiCall;
  callAs(role: Role): ApiCall;
  /**
   * Creates an emulator app and account and the reconciler connection `name` that uses them.
   * @returns the emulator account id, client id and the credentials handed to the reconciler
   */
  connect(name: string): Promise<{
    accountId: string;
    clientId: string;
    credentials: { clientId: string; clientSecret: string; refreshToken: string };
  }>;
  /** Remembers a secret the scenario made up itself (a probe token), for the scans. */
  addSecret(secret: string): void;
  /** The reconciler's store settings, to open the database again after `close()`. */
  store: { dataDir: string; databaseUrl: string | undefined };
  /** Every secret handed out so far, including tokens issued through the relay. */
  secrets(): string[];
  /** Stops the reconciler only (its store can then be opened and dumped). */
  stopReconciler(): Promise<void>;
  /** Stops everything and removes the scratch directory. */
  close(): Promise<void>;
}

export interface ReliabilityStackOptions {
  emulator?: StartEmulatorOptions;
  /** PostgreSQL URL for the store; PGlite in the scratch directory when unset. */
  databaseUrl?: string;
  /** Extra `runs` settings of the reconciler config. */
  runs?: NonNullable<ReconcilerConfigInput["runs"]>;
  /** Extra `scheduler` settings (e.g. how many runs one process works at once). */
  scheduler?: NonNullable<ReconcilerConfigInput["scheduler"]>;
  /** Extra `sources` settings (allow-lists, limits); the scratch directory is the files root. */
  sources?: Omit<NonNullable<ReconcilerConfigInput["sources"]>, "files">;
  /** Plan settings (e.g. a per-token rate high enough for a scenario that plans on purpose). */
  plans?: ReconcilerConfigInput["plans"];
  /** Share of `/v3` calls answered with an injected 429 by a relay (see storm-proxy.ts). */
  throttleProbability?: number;
}

export async function startReliabilityStack(
  options: ReliabilityStackOptions = {},
): Promise<ReliabilityStack> {
  const dir = await mkdtemp(join(tmpdir(), "ccx-reliability-"));
  const segmentsDir = join(dir, "segments");
  await mkdir(segmentsDir);
  const emulator = await startEmulator({ activityTiming: "instant", ...options.emulator });
  const tokenRecorder = await startTokenRecorder(emulator.tokenUrl);
  const storm =
    options.throttleProbability === undefined
      ? undefined
      : await startStormProxy(emulator.apiBaseUrl, options.throttleProbability);
  const encryptionKey = randomBytes(32).toString("base64");
  const tokens: Record<Role, string> = {
    admin: generateToken(),
    contributor: generateToken(),
    viewer: generateToken(),
  };
  const handedOut: string[] = [encryptionKey, ...Object.values(tokens)];
  const logs = new LogSink();
  const config = parseConfig({
    server: { host: "127.0.0.1", port: 0 },
    store:
      options.databaseUrl === undefined
        ? { dataDir: join(dir, "store") }
        : { dataDir: join(dir, "store"), databaseUrl: options.databaseUrl },
    snapshots: { dir: join(dir, "snapshots") },
    sources: { ...options.sources, files: { roots: [dir] } },
    ...(options.plans === undefined ? {} : { plans: options.plans }),
    secrets: { activeKeyId: "k1", keys: { k1: encryptionKey } },
    auth: { bootstrapAdminToken: tokens.admin },
    log: { level: "debug" },
    ctct: { apiBaseUrl: storm?.apiBaseUrl ?? emulator.apiBaseUrl, tokenUrl: tokenRecorder.url },
    runs: { tempDir: dir, ...options.runs },
    ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
  });
  const reconciler = await startReconciler(config, { logDestination: logs });
  for (const role of ["contributor", "viewer"] as const) {
    await reconciler.store.createToken({
      name: `reliability-${role}`,
      role,
      tokenHash: hashToken(tokens[role]),
    });
  }
  const callAs = (role: Role): ApiCall => apiCaller(() => reconciler.url, tokens[role]);
  const call = callAs("admin");
  return {
    emulator,
    reconciler,
    tokenRecorder,
    storm,
    logs,
    dir,
    segmentsDir,
    tokens,
    call,
    callAs,
    async connect(name) {
      const app = emulator.createApp();
      const { accountId } = emulator.createAccount({ organizationName: `Org ${name}` });
      const { accessToken, refreshToken } = emulator.issueTokens(app.clientId, accountId);
      handedOut.push(app.clientSecret, accessToken, refreshToken);
      const credentials = { clientId: app.clientId, clientSecret: app.clientSecret, refreshToken };
      const created = await call("PUT", `/v1/connections/${name}`, connectionBody(credentials));
      if (created.status !== 201 && created.status !== 200) {
        throw new Error(
          `connection ${name}: HTTP ${created.status} ${JSON.stringify(created.json)}`,
        );
      }
      return { accountId, clientId: app.clientId, credentials };
    },
    addSecret(secret) {
      handedOut.push(secret);
    },
    store: { dataDir: join(dir, "store"), databaseUrl: options.databaseUrl },
    secrets: () => [...handedOut, ...tokenRecorder.issued],
    stopReconciler: () => reconciler.close(),
    async close() {
      await reconciler.close();
      await tokenRecorder.close();
      await storm?.close();
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
