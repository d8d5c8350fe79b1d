/**
 * The configuration of `ccx serve` and `ccx token`: a YAML file plus environment overrides,
 * parsed once by one zod schema. This is the only module that reads `process.env`.
 *
 * Environment overrides (they win over the file):
 * `CCX_CONFIG` (file path), `CCX_HOST`, `CCX_PORT`, `CCX_BODY_LIMIT_BYTES`, `CCX_DATA_DIR`,
 * `CCX_DATABASE_URL`, `CCX_DB_POOL_SIZE`, `CCX_ENCRYPTION_KEY` (+ `CCX_ENCRYPTION_KEY_ID`),
 * `CCX_BOOTSTRAP_ADMIN_TOKEN`, `CCX_LOG_LEVEL`, `CCX_CTCT_API_BASE_URL`, `CCX_CTCT_TOKEN_URL`,
 * `CCX_SNAPSHOTS_DIR`, `CCX_RUNS_TEMP_DIR`, `CCX_SCHEDULER_ENABLED` (`true`/`false`),
 * `CCX_NOTIFY_WEBHOOK_URL`, `CCX_SMTP_PASSWORD` (keeps the SMTP password out of the file),
 * `CCX_SOURCES_FILES_ROOTS` (the folders files sources may live under, separated by `:`).
 *
 * @example
 * ```yaml
 * server: { host: 0.0.0.0, port: 8080 }
 * store: { dataDir: /var/lib/ccx }            # or databaseUrl: postgres://…
 * secrets: { activeKeyId: k1, keys: { k1: "<openssl rand -base64 32>" } }
 * auth: { bootstrapAdminToken: "ccx_…" }
 * ```
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AppError } from "./core/errors.ts";
import { insecureUrlProblem } from "./core/secure-url.ts";
import { SchedulerConfigSchema } from "./scheduler/scheduler-config.ts";

const base64Key = z
  .string()
  .refine(
    (value) => /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, "base64").length === 32,
    {
      message:
        "must be 32 bytes in base64 (44 characters); generate one with `openssl rand -base64 32`",
    },
  );

/** A URL that credentials are sent to: https, or http on loopback only (`core/secure-url.ts`). */
function secureUrl(setting: string) {
  return z.url().superRefine((value, context) => {
    const problem = insecureUrlProblem(value);
    if (problem !== undefined)
      context.addIssue({ code: "custom", message: `${setting} ${problem}` });
  });
}

export const ConfigSchema = z.strictObject({
  /** The HTTP server of the API, the status page and the metrics. */
  server: z
    .strictObject({
      /** Interface to listen on. @default "127.0.0.1" */
      host: z.string().min(1).default("127.0.0.1"),
      /** TCP port; 0 picks a free one. @default 8080 */
      port: z.coerce.number().int().min(0).max(65_535).default(8080),
      /** Largest request body, in bytes. @default 1048576 (1 MiB) */
      bodyLimitBytes: z.coerce
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(1024 * 1024),
    })
    .prefault({}),
  /** Where the reconciler keeps connections, exports, runs, tokens and the audit log: embedded PGlite by default, PostgreSQL in production (several replicas). */
  store: z
    .strictObject({
      /**
       * Directory of the embedded PGlite database (one process at a time), or `memory://` for a
       * throwaway in-memory one. Ignored when `databaseUrl` is set. @default ".ccx/data"
       */
      dataDir: z.string().min(1).default(".ccx/data"),
      /** PostgreSQL connection string; when set, PostgreSQL is used instead of PGlite. @default unset */
      databaseUrl: z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
        .optional(),
      /** Connections in the PostgreSQL pool. @default 10 */
      poolSize: z.coerce.number().int().min(1).max(200).default(10),
    })
    .prefault({}),
  /** Keys that encrypt Constant Contact credentials at rest (AES-256-GCM). On Azure the key comes from Key Vault. */
  secrets: z
    .strictObject({
      /** Id of the key that encrypts new secrets; must be in `keys`. @default "default" */
      activeKeyId: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/)
        .default("default"),
      /**
       * AES-256 keys by id, 32 bytes each in base64. Keep old keys until secrets are re-encrypted.
       * `ccx serve` needs at least one; `ccx token` does not. @default {}
       */
      keys: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), base64Key).default({}),
      /**
       * Reads the active key from Azure Key Vault at start, with an Azure identity, for hosts that
       * cannot resolve Key Vault references into the environment themselves (a VM, Kubernetes
       * without the CSI driver). On Container Apps use a Key Vault reference for
       * `CCX_ENCRYPTION_KEY` instead. @default unset
       */
      keyVault: z
        .strictObject({
          /** The vault's URI. @example "https://ccx-kv.vault.azure.net" */
          vaultUrl: z.url(),
          /** Name of the secret that holds the key (32 bytes in base64). */
          secretName: z.string().regex(/^[0-9A-Za-z-]{1,127}$/),
          /** Client id of a user-assigned managed identity. @default the SDK's choice */
          managedIdentityClientId: z.string().optional(),
        })
        .optional(),
    })
    .prefault({}),
  /** API authentication beyond the stored tokens (`ccx token create`). */
  auth: z
    .strictObject({
      /**
       * An admin token accepted in addition to stored tokens, to create the first connection
       * (and in demos). Held only as a hash in memory. @default unset
       */
      bootstrapAdminToken: z
        .string()
        .regex(/^ccx_[A-Za-z0-9_-]{43}$/, "must be a ccx token: 'ccx_' and 43 base64url characters")
        .optional(),
    })
    .prefault({}),
  /** Structured logs (JSON lines on stdout); secrets are redacted. */
  log: z
    .strictObject({
      /** pino level. @default "info" */
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    })
    .prefault({}),
  /** The Constant Contact endpoints; point them at `ccx emulator` for local runs and preview stacks. */
  ctct: z
    .strictObject({
      /**
       * Constant Contact V3 base URL (the emulator's for local runs); https unless on loopback.
       * @default the real API
       */
      apiBaseUrl: secureUrl("ctct.apiBaseUrl (CCX_CTCT_API_BASE_URL)").optional(),
      /** OAuth token endpoint; https unless on loopback. @default the real one */
      tokenUrl: secureUrl("ctct.tokenUrl (CCX_CTCT_TOKEN_URL)").optional(),
    })
    .prefault({}),
  /** The snapshot store: what each export last synced, as sorted compact files. */
  snapshots: z
    .strictObject({
      /**
       * Local directory of the snapshots of what each export last synced. @default
       * "<store.dataDir>/snapshots" (".ccx/snapshots" when the data directory is `memory://`)
       */
      dir: z.string().min(1).optional(),
      /**
       * Azure Blob container for the snapshots instead of the local directory (shared by
       * replicas): a storage connection string or an account URL used with Azure identity.
       * @default unset
       */
      azureBlob: z
        .strictObject({
          /** Storage connection string (Azurite in development). @default unset */
          connectionString: z.string().min(1).optional(),
          /** Account URL, used with Azure identity (managed identity in production). @default unset */
          accountUrl: z.url().optional(),
          /** Blob container that holds the snapshots. */
          container: z.string().min(3).max(63),
          /** Folder inside the container. @default "snapshots" */
          prefix: z.string().max(1024).optional(),
        })
        .optional(),
    })
    .prefault({}),
  /** What one run may do: limits and temporary files (how many run at once: `scheduler`). */
  runs: z
    .strictObject({
      /** Most distinct profiles one export may hold. @default 1000000 */
      profileLimit: z.coerce.number().int().min(1).default(1_000_000),
      /** Constant Contact activities in flight per run (the account queue holds 1,000). @default 30 */
      maxActivitiesInFlight: z.coerce.number().int().min(1).max(500).default(30),
      /**
       * Parent of the runs' temporary sort files and spools (about 65 MB per 1,000,000 contacts
       * while a run lasts). @default the system temporary directory
       */
      tempDir: z.string().min(1).optional(),
    })
    .prefault({}),
  /** Connections to Constant Contact: keeping idle ones alive. */
  connections: z
    .strictObject({
      /**
       * Refresh a connection whose refresh token has not been used for this many days, so that
       * a connection whose exports do not run outlives Constant Contact's 180-day expiry of
       * unused refresh tokens. @default 30
       */
      idleRefreshDays: z.coerce.number().int().min(1).max(170).default(30),
      /** How often to look for idle connections, in minutes. @default 60 */
      idleCheckMinutes: z.coerce.number().int().min(1).max(1_440).default(60),
    })
    .prefault({}),
  /**
   * Plans (`POST /v1/exports/{name}/plan`, `ccx plan`, `pulumi preview`): each reads the list and
   * its opt-outs from Constant Contact, counted in the application's daily budget like a run.
   */
  plans: z
    .strictObject({
      /**
       * How long a plan is reused, in seconds, while the definition, its segments' versions and
       * the export's snapshot are unchanged; 0 makes every plan afresh. @default 300
       */
      reuseSeconds: z.coerce.number().int().min(0).max(86_400).default(300),
      /** Plans one API token may have made afresh per minute (reused plans are free). @default 6 */
      perTokenPerMinute: z.coerce.number().int().min(1).max(10_000).default(6),
    })
    .prefault({}),
  /**
   * What segment sources may point at. Sources are admin-owned objects in the store; this section
   * bounds them: files folders must lie under `files.roots`, azure-blob accounts and containers
   * must be on `azureBlob.allowed`, and postgres reads are limited.
   */
  sources: z
    .strictObject({
      /**
       * Storage connection string for `azure-blob` sources instead of their `accountUrl` with
       * Azure identity (Azurite in development). @default unset
       */
      azureStorageConnectionString: z.string().min(1).optional(),
      /** Where `files` sources may live. */
      files: z
        .strictObject({
          /**
           * Absolute folders under which `files` sources may live. A source's folder is resolved
           * to its real path (symlinks followed) when saved and on every read, and refused outside
           * every root. @default [] (no files source can be saved)
           */
          roots: z
            .preprocess(
              // The environment gives one string, folders separated by ':'.
              (value) =>
                typeof value === "string" ? value.split(":").filter((part) => part !== "") : value,
              z.array(
                z
                  .string()
                  .min(1)
                  .refine((value) => value.startsWith("/"), "use an absolute path"),
              ),
            )
            .default([]),
        })
        .prefault({}),
      /** Which storage accounts and containers `azure-blob` sources may read. */
      azureBlob: z
        .strictObject({
          /**
           * Storage accounts (`https://<account>.blob.core.windows.net`) and, optionally, the
           * containers in each that `azure-blob` sources may read. The reconciler's Azure
           * identity only ever sends its token to these. @default [] (none)
           */
          allowed: z
            .array(
              z.strictObject({
                accountUrl: z.url({ protocol: /^https$/ }),
                /** Containers of the account that may be read. @default every container */
                containers: z.array(z.string().min(3).max(63)).optional(),
              }),
            )
            .default([]),
        })
        .prefault({}),
      /** Limits of every `postgres` source's reads. */
      postgres: z
        .strictObject({
          /** `statement_timeout` of every query a source runs, in milliseconds. @default 60000 */
          statementTimeoutMs: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
          /** Most rows one segment query may return. @default 2000000 */
          maxRows: z.coerce.number().int().min(1).default(2_000_000),
          /** Most bytes of row text one segment query may return. @default 1073741824 (1 GiB) */
          maxBytes: z.coerce
            .number()
            .int()
            .min(1024)
            .default(1024 * 1024 * 1024),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Triggers, run leases, retries, the daily request budget and failure notices. */
  scheduler: SchedulerConfigSchema,
});

export type ReconcilerConfig = z.output<typeof ConfigSchema>;
export type ReconcilerConfigInput = z.input<typeof ConfigSchema>;

export interface LoadConfigOptions {
  /** YAML file; `CCX_CONFIG` when omitted; no file when neither is set. */
  path?: string | undefined;
  /** The environment to read overrides from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Thrown when the configuration is invalid; `message` is `z.prettifyError` output. */
export class ConfigError extends AppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("CONFIG_INVALID", message, options);
  }
}

type Json = Record<string, unknown>;

function section(target: Json, key: string): Json {
  const current = target[key];
  if (current !== null && typeof current === "object" && !Array.isArray(current))
    return current as Json;
  const created: Json = {};
  target[key] = created;
  return created;
}

/** The overrides the environment carries, as a partial config object. */
export function environmentOverrides(env: NodeJS.ProcessEnv): Json {
  const overrides: Json = {};
  const set = (path: [string, string], value: string | undefined) => {
    if (value !== undefined && value !== "") section(overrides, path[0])[path[1]] = value;
  };
  set(["server", "host"], env["CCX_HOST"]);
  set(["server", "port"], env["CCX_PORT"]);
  set(["server", "bodyLimitBytes"], env["CCX_BODY_LIMIT_BYTES"]);
  set(["store", "dataDir"], env["CCX_DATA_DIR"]);
  set(["store", "databaseUrl"], env["CCX_DATABASE_URL"]);
  set(["store", "poolSize"], env["CCX_DB_POOL_SIZE"]);
  set(["auth", "bootstrapAdminToken"], env["CCX_BOOTSTRAP_ADMIN_TOKEN"]);
  set(["log", "level"], env["CCX_LOG_LEVEL"]);
  set(["ctct", "apiBaseUrl"], env["CCX_CTCT_API_BASE_URL"]);
  set(["ctct", "tokenUrl"], env["CCX_CTCT_TOKEN_URL"]);
  for (const [field, name] of [
    ["vaultUrl", "CCX_KEY_VAULT_URL"],
    ["secretName", "CCX_KEY_VAULT_SECRET_NAME"],
  ] as const) {
    const value = env[name];
    if (value !== undefined && value !== "") {
      section(section(overrides, "secrets"), "keyVault")[field] = value;
    }
  }
  set(["snapshots", "dir"], env["CCX_SNAPSHOTS_DIR"]);
  const roots = env["CCX_SOURCES_FILES_ROOTS"];
  if (roots !== undefined && roots !== "") {
    section(section(overrides, "sources"), "files")["roots"] = roots;
  }
  set(["runs", "tempDir"], env["CCX_RUNS_TEMP_DIR"]);
  const schedulerEnabled = env["CCX_SCHEDULER_ENABLED"];
  if (schedulerEnabled !== undefined && schedulerEnabled !== "") {
    // A boolean in YAML, text in the environment; anything but true/false fails validation.
    section(overrides, "scheduler")["enabled"] =
      schedulerEnabled === "true" ? true : schedulerEnabled === "false" ? false : schedulerEnabled;
  }
  const webhookUrl = env["CCX_NOTIFY_WEBHOOK_URL"];
  if (webhookUrl !== undefined && webhookUrl !== "") {
    section(section(overrides, "scheduler"), "notify")["webhookUrl"] = webhookUrl;
  }
  const smtpPassword = env["CCX_SMTP_PASSWORD"];
  if (smtpPassword !== undefined && smtpPassword !== "") {
    section(section(section(overrides, "scheduler"), "notify"), "smtp")["password"] = smtpPassword;
  }
  const key = env["CCX_ENCRYPTION_KEY"];
  if (key !== undefined && key !== "") {
    const keyId = env["CCX_ENCRYPTION_KEY_ID"] ?? "default";
    const secrets = section(overrides, "secrets");
    secrets["activeKeyId"] = keyId;
    section(secrets, "keys")[keyId] = key;
  }
  return overrides;
}

function merge(base: Json, overrides: Json): Json {
  const result: Json = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = result[key];
    result[key] =
      value !== null && typeof value === "object" && current !== null && typeof current === "object"
        ? merge(current as Json, value as Json)
        : value;
  }
  return result;
}

/** Parses a config object (file contents merged with overrides) or throws {@link ConfigError}. */
export function parseConfig(raw: unknown): ReconcilerConfig {
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n${z.prettifyError(result.error)}`, {
      cause: result.error,
    });
  }
  const { keys, activeKeyId } = result.data.secrets;
  if (Object.keys(keys).length > 0 && !(activeKeyId in keys)) {
    throw new ConfigError(
      `invalid configuration:\n✖ secrets.activeKeyId '${activeKeyId}' is not in secrets.keys\n  → at secrets.activeKeyId`,
    );
  }
  return result.data;
}

/** Throws {@link ConfigError} unless an encryption key is configured (needed to serve). */
export function requireEncryptionKey(config: ReconcilerConfig): void {
  if (Object.keys(config.secrets.keys).length === 0) {
    throw new ConfigError(
      "invalid configuration:\n✖ no encryption key: set secrets.keys in the file or " +
        "CCX_ENCRYPTION_KEY (generate one with `openssl rand -base64 32`)\n  → at secrets.keys",
    );
  }
}

/** Reads the YAML file (if any), applies the environment, and parses. */
export function loadConfig(options: LoadConfigOptions = {}): ReconcilerConfig {
  const env = options.env ?? process.env;
  const path = options.path ?? env["CCX_CONFIG"];
  let fromFile: Json = {};
  if (path !== undefined && path !== "") {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new ConfigError(`cannot read the configuration file ${path}: ${String(error)}`, {
        cause: error,
      });
    }
    const parsed: unknown = parseYaml(text);
    if (
      parsed !== null &&
      parsed !== undefined &&
      (typeof parsed !== "object" || Array.isArray(parsed))
    ) {
      throw new ConfigError(`the configuration file ${path} must hold a YAML mapping`);
    }
    fromFile = (parsed ?? {}) as Json;
  }
  return parseConfig(merge(fromFile, environmentOverrides(env)));
}
