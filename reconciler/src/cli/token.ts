/**
 * `ccx token`: creates, lists and revokes API tokens directly in the configured store (the data
 * directory or the PostgreSQL database of the config). A token is printed once, at creation;
 * only its SHA-256 is stored.
 */
import { parseArgs } from "node:util";
import { generateToken, hashToken } from "../auth/api-token.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { AppError } from "../core/errors.ts";
import { roles, type Role } from "../core/permissions.ts";
import { storeOptionsOf } from "../main.ts";
import { openStore } from "../store/open-store.ts";

const USAGE = `Usage: ccx token create --role <admin|contributor|viewer> --name <name> [--config <file>]
       ccx token list [--json] [--config <file>]
       ccx token revoke --name <name> [--config <file>]

Manages API tokens in the store of the configuration (the same one \`ccx serve\` uses). With the
embedded store, stop \`ccx serve\` first: one process at a time may open its data directory.

Options:
  --role <role>        admin, contributor or viewer (create)
  --name <name>        unique token name, shown in logs and the audit log
  --json               print JSON (list, create)
  -c, --config <file>  YAML configuration file (default: $CCX_CONFIG)
  -h, --help           Show this help
`;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Who the audit log names for token changes made on the store directly. */
const CLI_ACTOR = { actorName: "ccx token (local CLI)", actorRole: "system" } as const;

export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(
      `ccx token: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`,
    );
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [action] = positionals;
  const fail = (message: string) => {
    process.stderr.write(`ccx token: ${message}\n\n${USAGE}`);
    return 2;
  };
  if (action !== "create" && action !== "list" && action !== "revoke") {
    return fail(
      action === undefined
        ? "name an action: create, list or revoke"
        : `unknown action '${action}'`,
    );
  }
  if (action === "create" && !roles.includes(values.role as Role)) {
    return fail(`--role must be one of ${roles.join(", ")}`);
  }
  if (
    (action === "create" || action === "revoke") &&
    (values.name === undefined || !NAME.test(values.name))
  ) {
    return fail("--name must be 1-100 letters, digits, '.', '_' or '-'");
  }

  try {
    const config = loadConfig({ path: values.config });
    const opened = await openStore(storeOptionsOf(config));
    try {
      if (action === "create") {
        const token = generateToken();
        const record = await opened.store.transaction(async (tx) => {
          const created = await tx.createToken({
            name: values.name ?? "",
            role: values.role as Role,
            tokenHash: hashToken(token),
          });
          await tx.appendAudit({
            ...CLI_ACTOR,
            action: "token.create",
            targetType: "token",
            targetName: created.name,
            details: { role: created.role },
          });
          return created;
        });
        if (values.json === true) {
          process.stdout.write(
            `${JSON.stringify({ name: record.name, role: record.role, token })}\n`,
          );
        } else {
          process.stdout.write(
            `Created ${record.role} token '${record.name}'. It is shown only this once:\n\n${token}\n`,
          );
        }
      } else if (action === "list") {
        const tokens = await opened.store.listTokens();
        if (values.json === true) {
          process.stdout.write(`${JSON.stringify(tokens)}\n`);
        } else {
          for (const token of tokens) {
            process.stdout.write(`${token.name}\t${token.role}\t${token.createdAt}\n`);
          }
        }
      } else {
        const name = values.name ?? "";
        const revoked = await opened.store.transaction(async (tx) => {
          if (!(await tx.revokeToken(name))) return false;
          await tx.appendAudit({
            ...CLI_ACTOR,
            action: "token.revoke",
            targetType: "token",
            targetName: name,
          });
          return true;
        });
        if (!revoked) {
          process.stderr.write(`ccx token: no active token is named '${values.name ?? ""}'\n`);
          return 1;
        }
        process.stdout.write(`Revoked token '${values.name ?? ""}'.\n`);
      }
      return 0;
    } finally {
      await opened.close();
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ccx token: ${error.message}\n`);
      return 2;
    }
    if (error instanceof AppError) {
      process.stderr.write(`ccx token: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      role: { type: "string" },
      name: { type: "string" },
      json: { type: "boolean" },
      config: { type: "string", short: "c" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
}
