/**
 * `ccx secrets`: which encryption key seals each stored secret (`status`), and sealing all of
 * them again under the active key (`reencrypt`), directly in the configured store. Together they
 * finish a key rotation: add the new key, make it active, restart, `reencrypt`, check `status`,
 * then remove the old key.
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import { AppError } from "../core/errors.ts";
import { secretBoxOf, storeOptionsOf } from "../main.ts";
import { withKeyVaultKey } from "../secrets/key-vault-key.ts";
import { countSecretsByKey, reencryptSecrets, type KeyCounts } from "../secrets/reencrypt.ts";
import { openStore } from "../store/open-store.ts";

const USAGE = `Usage: ccx secrets status [--json] [--config <file>]
       ccx secrets reencrypt [--json] [--config <file>]

Reports which encryption key (secrets.keys) seals each stored secret, or seals every secret again
under the active key (secrets.activeKeyId). Rotate a key: add the new key to secrets.keys and make
it active, restart ccx serve, run \`ccx secrets reencrypt\`, check that \`ccx secrets status\` counts
every secret under the new key, then remove the old key. With the embedded store, stop
\`ccx serve\` first: one process at a time may open its data directory.

Options:
  --json               print JSON
  -c, --config <file>  YAML configuration file (default: $CCX_CONFIG)
  -h, --help           show this help

Exit codes: 0 done, 1 a secret could not be re-encrypted (its key is missing), 2 bad usage.
`;

/** Who the audit log names for re-encryptions. */
const CLI_ACTOR = { actorName: "ccx secrets (local CLI)" } as const;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: "boolean" },
        config: { type: "string", short: "c" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    process.stderr.write(`ccx secrets: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [action, ...rest] = positionals;
  if ((action !== "status" && action !== "reencrypt") || rest.length > 0) {
    const problem =
      action === undefined
        ? "name an action: status or reencrypt"
        : rest.length > 0
          ? `unexpected argument '${rest[0] ?? ""}'`
          : `unknown action '${action}'`;
    process.stderr.write(`ccx secrets: ${problem}\n\n${USAGE}`);
    return 2;
  }
  const json = values.json === true;
  try {
    const config = await withKeyVaultKey(loadConfig({ path: values.config }));
    const secretBox = secretBoxOf(config);
    const opened = await openStore(storeOptionsOf(config));
    try {
      if (action === "status") {
        const byKeyId = await countSecretsByKey(opened.store);
        const activeKeyId = secretBox.activeKeyId;
        if (json) {
          process.stdout.write(`${JSON.stringify({ activeKeyId, byKeyId })}\n`);
        } else {
          process.stdout.write(
            `Active key: ${activeKeyId}\nStored secrets by key:\n${formatCounts(byKeyId, activeKeyId)}`,
          );
        }
        return 0;
      }
      const report = await reencryptSecrets(opened.store, secretBox, CLI_ACTOR);
      if (json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        process.stdout.write(
          `Re-encrypted ${report.reencrypted} secret(s) under key '${report.activeKeyId}'.\n` +
            `Before:\n${formatCounts(report.before, report.activeKeyId)}` +
            `After:\n${formatCounts(report.after, report.activeKeyId)}`,
        );
        for (const failure of report.failed) {
          process.stderr.write(
            `ccx secrets: connection '${failure.connection}' stays under key '${failure.keyId}' ` +
              `(${failure.code}); configure that key in secrets.keys and run this again\n`,
          );
        }
      }
      return report.failed.length > 0 ? 1 : 0;
    } finally {
      await opened.close();
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ccx secrets: ${error.message}\n`);
      return 2;
    }
    if (error instanceof AppError) {
      process.stderr.write(`ccx secrets: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function formatCounts(counts: KeyCounts, activeKeyId: string): string {
  const entries = Object.entries(counts);
  if (entries.length === 0) return "  (no stored secrets)\n";
  return entries
    .map(([keyId, count]) => `  ${keyId}\t${count}${keyId === activeKeyId ? "\t(active)" : ""}\n`)
    .join("");
}
