/**
 * What every remote command (`status`, `runs`, `run`, `plan`, `cancel`) shares: the options
 * `--endpoint`, `--token`, `--json`, `--help`; the environment fallbacks `CCX_ENDPOINT` and
 * `CCX_TOKEN`; and one mapping of failures to messages and exit codes.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import {
  createApiClient,
  exitCodeOf,
  ReconcilerApiError,
  type ReconcilerClient as ApiClient,
} from "./api-client.ts";
import { EXIT_CODES_HELP, ExitCode } from "./exit-codes.ts";
import { insecureUrlProblem } from "../core/secure-url.ts";
import { createStyle, wantsColour, type Style } from "./terminal.ts";

/** The options every remote command accepts, for its `--help`. */
export const REMOTE_OPTIONS_HELP = `  --endpoint <url>     reconciler URL (default: $CCX_ENDPOINT, else http://127.0.0.1:8080)
  --token <token>      API token (default: $CCX_TOKEN; prefer the variable: arguments are
                       visible to other users of the machine)
  --json               print JSON for scripts instead of tables
  -h, --help           show this help`;

/** The address `ccx serve` listens on by default. */
export const DEFAULT_ENDPOINT = "http://127.0.0.1:8080";

/** Streams and environment of a command; tests may pass their own. */
export interface CommandIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  env: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams and environment. */
export function processIo(): CommandIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Option values of a remote command line: the shared ones, and the command's own by name. */
export interface RemoteValues {
  endpoint?: string | undefined;
  token?: string | undefined;
  json?: boolean | undefined;
  help?: boolean | undefined;
  [option: string]: string | boolean | undefined;
}

/** A parsed remote command line, with a client bound to its endpoint and token. */
export interface RemoteContext {
  values: RemoteValues;
  /** The value of a string option of the command, if given. */
  option(name: string): string | undefined;
  positionals: string[];
  api: ApiClient;
  endpoint: string;
  io: CommandIo;
  style: Style;
  /** True when stdout is a terminal (progress bars redraw in place). */
  tty: boolean;
  out(text: string): void;
  err(text: string): void;
}

const COMMON_OPTIONS = {
  endpoint: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/** How one remote command is declared. */
export interface RemoteCommandSpec {
  name: string;
  usage: string;
  /** The command's own options (string or boolean, no repeats). */
  options: ParseArgsOptionsConfig;
  /** Names of the positional arguments, all required (e.g. `["export"]`). */
  positionals: string[];
}

/** The full `--help` text: the command's own part, the shared options and the exit codes. */
export function helpText(usage: string): string {
  return `${usage.trimEnd()}\n${REMOTE_OPTIONS_HELP}\n\n${EXIT_CODES_HELP}\n`;
}

/**
 * Parses the command line, resolves the endpoint and token, runs `action`, and turns failures
 * into a message on stderr and an exit code.
 */
export async function runRemoteCommand(
  spec: RemoteCommandSpec,
  argv: string[],
  action: (context: RemoteContext) => Promise<number>,
  io: CommandIo = processIo(),
): Promise<number> {
  const prefix = `ccx ${spec.name}`;
  const help = helpText(spec.usage);
  const usageError = (message: string) => {
    io.stderr.write(`${prefix}: ${message}\n\n${help}`);
    return ExitCode.usage;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...spec.options, ...COMMON_OPTIONS },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values as RemoteValues;
  if (values.help === true) {
    io.stdout.write(help);
    return ExitCode.ok;
  }
  if (parsed.positionals.length < spec.positionals.length) {
    return usageError(`name the ${spec.positionals[parsed.positionals.length] ?? "argument"}`);
  }
  if (parsed.positionals.length > spec.positionals.length) {
    return usageError(`unexpected argument '${parsed.positionals[spec.positionals.length] ?? ""}'`);
  }
  const endpoint = stringOption(values.endpoint) ?? io.env["CCX_ENDPOINT"] ?? DEFAULT_ENDPOINT;
  const token = stringOption(values.token) ?? io.env["CCX_TOKEN"];
  if (token === undefined || token === "") {
    return usageError(
      "no API token: set CCX_TOKEN (or pass --token); create one with `ccx token create`",
    );
  }
  // The token goes with every request: only over https, or to this machine.
  const endpointProblem = /^https?:\/\/[^\s/]+/.test(endpoint)
    ? insecureUrlProblem(endpoint)
    : `must be an http(s) URL, e.g. ${DEFAULT_ENDPOINT}`;
  if (endpointProblem !== undefined) {
    return usageError(`--endpoint (CCX_ENDPOINT) ${endpointProblem}`);
  }
  const tty = io.stdout.isTTY === true;
  const style = createStyle(values.json !== true && wantsColour(io.stdout, io.env));
  const context: RemoteContext = {
    values,
    option: (name) => stringOption(values[name]),
    positionals: parsed.positionals,
    api: createApiClient({ endpoint, token }),
    endpoint,
    io,
    style,
    tty,
    out: (text) => io.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => io.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  };
  try {
    return await action(context);
  } catch (error) {
    if (error instanceof ReconcilerApiError) {
      // Never echo the token: messages come from the API or name the endpoint only.
      io.stderr.write(`${prefix}: ${error.message}${hint(error)}\n`);
      return exitCodeOf(error);
    }
    throw error;
  }
}

function stringOption(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function hint(error: ReconcilerApiError): string {
  if (error.status === 401) return " (check CCX_TOKEN, or create a token with `ccx token create`)";
  return "";
}
