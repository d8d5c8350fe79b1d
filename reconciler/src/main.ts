/**
 * Wiring: the only place that builds real adapters (store, secret box, Constant Contact
 * verifier, logger) and serves the API. `ccx serve` and the integration tests start the
 * reconciler through {@link startReconciler}.
 */
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { pino, type DestinationStream, type Logger } from "pino";
import { createCtctConnectionVerifier } from "./adapters/ctct-connection-verifier.ts";
import { createApp } from "./api/app.ts";
import { hashToken } from "./auth/api-token.ts";
import { requireEncryptionKey, type ReconcilerConfig } from "./config.ts";
import type { ConnectionVerifier } from "./core/connection-verifier.ts";
import { SecretBox } from "./secrets/secret-box.ts";
import { openStore, type OpenedStore, type StoreOptions } from "./store/open-store.ts";
import { InProcessRunQueue } from "./scheduler/in-process-run-queue.ts";
import { createFailureNotifier } from "./scheduler/notifiers.ts";
import { PgBossRunQueue } from "./scheduler/pg-boss-run-queue.ts";
import type { ReconcileRun } from "./runs/reconcile-run.ts";
import type { RunQueue } from "./scheduler/run-queue.ts";
import { startIdleRefresh } from "./scheduler/idle-refresh.ts";
import { startScheduler, type RunningScheduler } from "./scheduler/scheduler.ts";
import { createSourceVersionReader } from "./scheduler/source-version.ts";
import type { Store } from "./store/store.ts";
import { planExport, planReuseKey } from "./export/export-planner.ts";
import { PlanGate } from "./export/plan-gate.ts";
import { createExportReconciler } from "./export/run-export.ts";
import { createRunDependencies } from "./runs/run-dependencies.ts";

export interface StartOptions {
  /** Replaces the Constant Contact verifier (tests with their own implementation). */
  verifier?: ConnectionVerifier;
  /** Where logs go. @default stdout */
  logDestination?: DestinationStream;
  /**
   * Builds what does the work of runs, in place of the export pipeline (tests with their own
   * implementation). @default the export pipeline
   */
  createPipeline?: (context: PipelineContext) => ReconcileRun;
}

/** What a pipeline may use: the process's store, secret box and logger. */
export interface PipelineContext {
  store: Store;
  secretBox: SecretBox;
  logger: Logger;
}

export interface RunningReconciler {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  store: Store;
  /** The keys that seal the stored secrets. */
  secretBox: SecretBox;
  logger: Logger;
  /** The scheduler, when this process runs it (tests tick it to hand queued runs over now). */
  scheduler?: RunningScheduler | undefined;
  /** Stops accepting requests, closes the store and releases the data directory. */
  close(): Promise<void>;
}

/** Paths that logs must never show, should an object carrying them ever be logged. */
export const LOG_REDACTIONS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "token",
  "*.token",
  "credentials",
  "*.credentials",
  "clientSecret",
  "*.clientSecret",
  "refreshToken",
  "*.refreshToken",
  "bootstrapAdminToken",
  "*.bootstrapAdminToken",
  "keys",
  "*.keys",
  "password",
  "*.password",
  "*.*.password",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: LOG_REDACTIONS, censor: "[redacted]" } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** The store the config names: PostgreSQL when `databaseUrl` is set, PGlite otherwise. */
export function storeOptionsOf(config: ReconcilerConfig): StoreOptions {
  return config.store.databaseUrl === undefined
    ? { kind: "pglite", dataDir: config.store.dataDir }
    : { kind: "postgres", url: config.store.databaseUrl, poolSize: config.store.poolSize };
}

export function secretBoxOf(config: ReconcilerConfig): SecretBox {
  requireEncryptionKey(config);
  const keys = new Map(
    Object.entries(config.secrets.keys).map(
      ([id, key]) => [id, Buffer.from(key, "base64")] as const,
    ),
  );
  return new SecretBox({ activeKeyId: config.secrets.activeKeyId, keys });
}

/**
 * The queue that hands runs to workers: pg-boss on PostgreSQL (shared by every replica), an
 * in-process queue on the embedded store (one process per data directory).
 */
export function runQueueOf(config: ReconcilerConfig, logger: Logger): RunQueue {
  const { databaseUrl } = config.store;
  return databaseUrl === undefined
    ? new InProcessRunQueue({ concurrency: config.scheduler.concurrency, logger })
    : new PgBossRunQueue({
        connectionString: databaseUrl,
        leaseSeconds: config.scheduler.leaseSeconds,
        concurrency: config.scheduler.concurrency,
        logger,
      });
}

export async function startReconciler(
  config: ReconcilerConfig,
  options: StartOptions = {},
): Promise<RunningReconciler> {
  const logger = createLogger(config.log.level, options.logDestination);
  const secretBox = secretBoxOf(config);
  const bootstrapAdminTokenHash =
    config.auth.bootstrapAdminToken === undefined
      ? undefined
      : hashToken(config.auth.bootstrapAdminToken);
  const storeOptions = storeOptionsOf(config);
  const started = performance.now();
  const opened: OpenedStore = await openStore(storeOptions);
  logger.info(
    { store: storeOptions.kind, openMs: Math.round(performance.now() - started) },
    "store open and migrated",
  );
  const verifier =
    options.verifier ??
    createCtctConnectionVerifier({
      apiBaseUrl: config.ctct.apiBaseUrl,
      tokenUrl: config.ctct.tokenUrl,
    });
  const runDependencies = await createRunDependencies({
    config,
    store: opened.store,
    secretBox,
    logger,
  });
  const planGate = new PlanGate({
    reuseMs: config.plans.reuseSeconds * 1000,
    perTokenPerMinute: config.plans.perTokenPerMinute,
  });
  const { app } = createApp({
    sourcePolicy: runDependencies.sources.policy,
    exportPlanner: async (name, proposed, options) =>
      planGate.plan(
        options.tokenName,
        await planReuseKey(runDependencies, name, proposed, options),
        () => planExport(runDependencies, name, proposed, options),
      ),
    store: opened.store,
    verifier,
    secretBox,
    logger,
    bootstrapAdminTokenHash,
    bodyLimitBytes: config.server.bodyLimitBytes,
    dailyRequestBudget: config.scheduler.budget.dailyRequests,
  });

  let scheduler: RunningScheduler | undefined;
  // The scheduler's workers run exports through the pipeline (`runs/reconcile-run.ts`).
  const reconcile: ReconcileRun =
    options.createPipeline?.({ store: opened.store, secretBox, logger }) ??
    createExportReconciler(runDependencies);
  if (config.scheduler.enabled) {
    try {
      scheduler = await startScheduler({
        store: opened.store,
        secretBox,
        queue: runQueueOf(config, logger),
        reconcile,
        notifier: createFailureNotifier(config.scheduler.notify, logger),
        readSourceVersion: createSourceVersionReader({
          store: opened.store,
          secretBox,
          environment: runDependencies.sources,
        }),
        config: config.scheduler,
        logger,
      });
    } catch (error) {
      await opened.close();
      throw error;
    }
  }

  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const created = serve(
        { fetch: app.fetch, hostname: config.server.host, port: config.server.port },
        () => resolve(created),
      );
      created.once("error", reject);
    });
  } catch (error) {
    await scheduler?.close();
    await opened.close();
    throw error;
  }
  // Idle connections are refreshed before Constant Contact expires their refresh tokens.
  const idleRefresh = startIdleRefresh(
    {
      store: opened.store,
      secretBox,
      ctct: { tokenUrl: config.ctct.tokenUrl },
      notifier: createFailureNotifier(config.scheduler.notify, logger),
      logger,
      idleRefreshDays: config.connections.idleRefreshDays,
    },
    config.connections.idleCheckMinutes * 60_000,
  );
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, store: storeOptions.kind }, "reconciler listening");

  let closing: Promise<void> | undefined;
  return {
    url,
    store: opened.store,
    secretBox,
    logger,
    scheduler,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ("closeAllConnections" in server) server.closeAllConnections();
        });
        await idleRefresh.close();
        await scheduler?.close();
        await opened.close();
        logger.info("reconciler stopped");
      })();
      return closing;
    },
  };
}
