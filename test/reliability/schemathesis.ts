/**
 * Runs schemathesis (installed by `scripts/schemathesis.sh` into `.cache/venv`) and reads its
 * JSON report. Two checks matter to ccx: `not_a_server_error` (no 5xx, whatever the input) and
 * `response_schema_conformance` (every answer matches the documented schema).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** Where `scripts/schemathesis.sh` installs the CLI. */
export const schemathesisBin = join(root, ".cache/venv/bin/schemathesis");

export const FUZZ_CHECKS = ["not_a_server_error", "response_schema_conformance"] as const;

export interface FuzzOptions {
  /** OpenAPI document: a URL or a file path. */
  schema: string;
  /** API base URL, when the document's own servers/host must be replaced. */
  baseUrl?: string;
  headers: Record<string, string>;
  /** Test cases per operation and phase. */
  maxExamples: number;
  /** Fixed seed, so a failure can be replayed. @default 1 */
  seed?: number;
  /** Path parameters drawn from known values part of the time, so fuzzing reaches past 404. */
  knownPathValues?: Record<string, string[]>;
}

export interface FuzzOutcome {
  operationsTested: number;
  testCases: number;
  /** Distinct failures of the checks (5xx, schema violations), one line each. */
  failures: string[];
  /** Errors of the fuzzer itself (unreachable server, bad schema). */
  errors: string[];
  exitCode: number;
}

/** Throws with the install command when schemathesis is missing. */
export function requireSchemathesis(): void {
  if (!existsSync(schemathesisBin)) {
    throw new Error(
      `schemathesis is not installed at ${schemathesisBin}; run \`bash scripts/schemathesis.sh\``,
    );
  }
}

/**
 * The session's schemathesis.toml. Header values (API tokens) are not in it: each is a `${…}`
 * placeholder that schemathesis fills from the environment ({@link headerEnvironment}), so a
 * token is neither on a command line (which `ps` shows to every user) nor in a file.
 */
function configToml(
  knownPathValues: Record<string, string[]>,
  headers: Record<string, string>,
): string {
  const lines: string[] = [];
  const placeholders = Object.keys(headers).map(
    (name, index) => `${JSON.stringify(name)} = "\${${headerVariable(index)}}"`,
  );
  if (placeholders.length > 0) lines.push(`headers = { ${placeholders.join(", ")} }`, "");
  for (const [name, values] of Object.entries(knownPathValues)) {
    lines.push(`[dictionaries.${name}]`, `values = ${JSON.stringify(values)}`, "");
  }
  lines.push("[parameters]");
  for (const name of Object.keys(knownPathValues)) {
    lines.push(`"path.${name}" = { dictionary = "${name}", probability = 0.7 }`);
  }
  return `${lines.join("\n")}\n`;
}

function headerVariable(index: number): string {
  return `CCX_FUZZ_HEADER_${index}`;
}

/** The environment that carries the header values of {@link configToml}. */
function headerEnvironment(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.values(headers).map((value, index) => [headerVariable(index), value]),
  );
}

interface JsonReport {
  operations?: { tested?: number };
  test_cases?: { generated?: number };
  failures?: unknown[];
  errors?: unknown[];
}

function describeEntry(entry: unknown): string {
  return JSON.stringify(entry).slice(0, 400);
}

/** Runs one fuzzing session and summarises its report. */
export async function runSchemathesis(options: FuzzOptions): Promise<FuzzOutcome> {
  requireSchemathesis();
  const work = await mkdtemp(join(tmpdir(), "ccx-fuzz-"));
  try {
    const configPath = join(work, "schemathesis.toml");
    await writeFile(configPath, configToml(options.knownPathValues ?? {}, options.headers));
    const args = [
      "--config-file",
      configPath,
      "run",
      options.schema,
      ...(options.baseUrl === undefined ? [] : ["--url", options.baseUrl]),
      "--checks",
      FUZZ_CHECKS.join(","),
      "--max-examples",
      String(options.maxExamples),
      "--seed",
      String(options.seed ?? 1),
      "--workers",
      "1",
      // Report every distinct failure of an operation, not only the first.
      "--continue-on-failure",
      "--no-color",
      "--report",
      "json",
      "--report-dir",
      work,
    ];
    const { exitCode, output } = await new Promise<{ exitCode: number; output: string }>(
      (resolve, reject) => {
        const child = spawn(schemathesisBin, args, {
          cwd: work,
          env: { ...process.env, ...headerEnvironment(options.headers) },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let text = "";
        child.stdout.on("data", (data: Buffer) => (text += data.toString()));
        child.stderr.on("data", (data: Buffer) => (text += data.toString()));
        child.once("error", reject);
        child.once("exit", (code) => resolve({ exitCode: code ?? -1, output: text }));
      },
    );
    const reportFile = (await readdir(work)).find((file) => /^json-.*\.json$/.test(file));
    if (reportFile === undefined) {
      throw new Error(`schemathesis wrote no report (exit ${exitCode}): ${output.slice(-2000)}`);
    }
    const report = JSON.parse(await readFile(join(work, reportFile), "utf8")) as JsonReport;
    return {
      operationsTested: report.operations?.tested ?? 0,
      testCases: report.test_cases?.generated ?? 0,
      failures: (report.failures ?? []).map(describeEntry),
      errors: (report.errors ?? []).map(describeEntry),
      exitCode,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
