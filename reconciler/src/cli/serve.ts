/**
 * `ccx serve`: runs the reconciler API on the configured store until SIGINT or SIGTERM.
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, requireEncryptionKey } from "../config.ts";
import { AppError } from "../core/errors.ts";
import { startReconciler } from "../main.ts";
import { withKeyVaultKey } from "../secrets/key-vault-key.ts";

const USAGE = `Usage: ccx serve [--config <file>]

Runs the reconciler API (connections, exports, runs) on the configured store.

Options:
  -c, --config <file>  YAML configuration file (default: $CCX_CONFIG; none: defaults and
                       environment only)
  -h, --help           Show this help

Configuration (file keys / environment overrides):
  server.host / CCX_HOST                 interface to listen on (default 127.0.0.1)
  server.port / CCX_PORT                 TCP port (default 8080)
  server.bodyLimitBytes / CCX_BODY_LIMIT_BYTES  largest request body in bytes (default 1048576)
  store.dataDir / CCX_DATA_DIR           embedded PGlite directory (default .ccx/data)
  store.databaseUrl / CCX_DATABASE_URL   PostgreSQL instead of PGlite (default unset)
  store.poolSize / CCX_DB_POOL_SIZE      PostgreSQL connections (default 10)
  secrets.keys / CCX_ENCRYPTION_KEY      AES-256 keys, base64 of 32 bytes (required)
  secrets.activeKeyId / CCX_ENCRYPTION_KEY_ID  key for new secrets (default "default")
  secrets.keyVault / CCX_KEY_VAULT_URL, CCX_KEY_VAULT_SECRET_NAME  read the active key from
                                         Azure Key Vault at start (default unset)
  auth.bootstrapAdminToken / CCX_BOOTSTRAP_ADMIN_TOKEN  extra admin token (default unset)
  log.level / CCX_LOG_LEVEL              pino level (default info)
  ctct.apiBaseUrl / CCX_CTCT_API_BASE_URL, ctct.tokenUrl / CCX_CTCT_TOKEN_URL
                                         Constant Contact endpoints (default: the real API)
  snapshots.dir / CCX_SNAPSHOTS_DIR      snapshot store (default <store.dataDir>/snapshots)
  scheduler.enabled / CCX_SCHEDULER_ENABLED  run triggers and runs here (default true)
  scheduler.notify.webhookUrl / CCX_NOTIFY_WEBHOOK_URL  failure notices (default unset)

Every setting, with its type, default and meaning: docs/configuration.md.
`;

export async function run(argv: string[]): Promise<number> {
  let values: { config?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string", short: "c" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(
      `ccx serve: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`,
    );
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const config = await withKeyVaultKey(loadConfig({ path: values.config }));
    requireEncryptionKey(config);
    const reconciler = await startReconciler(config);
    process.stdout.write(`ccx serve: listening on ${reconciler.url}\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    reconciler.logger.info({ signal }, "stopping");
    await reconciler.close();
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ccx serve: ${error.message}\n`);
      return 2;
    }
    if (error instanceof AppError) {
      process.stderr.write(`ccx serve: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
