/**
 * Runs the real Pulumi CLI against a throwaway local backend: a file backend and PULUMI_HOME in a
 * temporary folder, passphrase secrets, no update checks and no plugin downloads, so runs stay
 * offline and never touch a developer's own Pulumi setup.
 */
import { execFile, spawn } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The repository root. */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Finds or builds the CLI (scripts/pulumi-cli.sh) and returns the folder that holds it. */
export async function ensurePulumiCli(): Promise<string> {
  const { stdout } = await execFileAsync("bash", [join(repoRoot, "scripts/pulumi-cli.sh")], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  const binDir = stdout.trim().split("\n").at(-1);
  if (binDir === undefined || binDir === "")
    throw new Error("scripts/pulumi-cli.sh printed no folder");
  return binDir;
}

/**
 * PATH for `pulumi package gen-sdk`: the code-generation hosts that scripts/pulumi-cli.sh builds
 * beside the CLI (`<binDir>/codegen`, docs/adr/0012) first, so they answer for Node.js and Python.
 */
export function codegenPath(binDir: string, path: string | undefined): string {
  return [join(binDir, "codegen"), path].filter(Boolean).join(delimiter);
}

export interface PulumiResult {
  stdout: string;
  stderr: string;
}

export interface PulumiWorkspace {
  /** Environment every command runs with (extend it for provider settings). */
  readonly env: NodeJS.ProcessEnv;
  /**
   * Runs `pulumi <args>` in the program folder; rejects with the output when it fails. `input`
   * goes to its standard input. Arguments after `--` stay last, after the common flags.
   */
  run(args: string[], options?: { env?: NodeJS.ProcessEnv; input?: string }): Promise<PulumiResult>;
  /**
   * `pulumi config set` with the value on standard input: never on a command line, where a value
   * starting with `-` reads as a flag and a secret is visible to other users (`ps`).
   */
  setConfig(key: string, value: string, options?: { secret?: boolean }): Promise<PulumiResult>;
  /** Reads a stack's outputs (`pulumi stack output --json`, secrets shown). */
  outputs(): Promise<Record<string, unknown>>;
  /** The stack's checkpoint (`pulumi stack export`; `--show-secrets` decrypts secret values). */
  exportState(options?: { showSecrets?: boolean }): Promise<{
    deployment: {
      resources?: Array<{
        type: string;
        urn: string;
        id?: string;
        inputs?: Record<string, unknown>;
        outputs?: Record<string, unknown>;
      }>;
    };
  }>;
  /**
   * Runs later commands in `programDir`, another program of the same project (e.g. an example's
   * next step), with this stack's configuration copied beside it.
   */
  switchProgram(programDir: string): Promise<void>;
  /** Removes the temporary backend and Pulumi home. */
  dispose(): Promise<void>;
}

/** Prepares a new stack for the program in `programDir` on a temporary file backend. */
export async function createPulumiWorkspace(options: {
  binDir: string;
  programDir: string;
  stack: string;
  env?: NodeJS.ProcessEnv;
}): Promise<PulumiWorkspace> {
  const home = await mkdtemp(join(tmpdir(), "ccx-pulumi-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The CLI and its language host first, then the Node 24 that npm installed, so programs and
    // the dynamic-provider plugin run on it.
    PATH: [
      options.binDir,
      join(repoRoot, "node_modules/.bin"),
      dirname(process.execPath),
      process.env.PATH,
    ]
      .filter(Boolean)
      .join(delimiter),
    PULUMI_HOME: join(home, "home"),
    PULUMI_BACKEND_URL: `file://${join(home, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "ccx-e2e-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    NO_COLOR: "1",
    ...options.env,
  };
  await execFileAsync("mkdir", ["-p", join(home, "home"), join(home, "state")]);
  const stackFile = `Pulumi.${options.stack}.yaml`;
  const programDirs = [options.programDir];
  let programDir = options.programDir;

  const run = async (
    args: string[],
    extra?: { env?: NodeJS.ProcessEnv; input?: string },
  ): Promise<PulumiResult> => {
    const common = ["--non-interactive", "--stack", options.stack];
    const separator = args.indexOf("--");
    const full =
      separator < 0
        ? [...args, ...common]
        : [...args.slice(0, separator), ...common, ...args.slice(separator)];
    const result = await runWithInput(join(options.binDir, "pulumi"), full, {
      cwd: programDir,
      env: { ...env, ...extra?.env },
      input: extra?.input ?? "",
    });
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited with ${String(result.code)}\n${result.stdout}\n${result.stderr}`,
      );
    }
    return { stdout: result.stdout, stderr: result.stderr };
  };

  await execFileAsync(
    join(options.binDir, "pulumi"),
    ["stack", "init", options.stack, "--non-interactive"],
    {
      cwd: options.programDir,
      env,
    },
  );

  return {
    env,
    run,
    setConfig: (key, value, setOptions) =>
      run(["config", "set", ...(setOptions?.secret === true ? ["--secret"] : []), "--", key], {
        input: value,
      }),
    async outputs() {
      const { stdout } = await run(["stack", "output", "--json", "--show-secrets"]);
      return JSON.parse(stdout) as Record<string, unknown>;
    },
    async exportState(exportOptions) {
      const { stdout } = await run([
        "stack",
        "export",
        ...(exportOptions?.showSecrets === true ? ["--show-secrets"] : []),
      ]);
      return JSON.parse(stdout) as Awaited<ReturnType<PulumiWorkspace["exportState"]>>;
    },
    async switchProgram(next) {
      await copyFile(join(programDir, stackFile), join(next, stackFile));
      programDirs.push(next);
      programDir = next;
    },
    async dispose() {
      await rm(home, { recursive: true, force: true });
      // `pulumi stack init` and `config set` write the stack's settings beside the program.
      for (const dir of programDirs) await rm(join(dir, stackFile), { force: true });
    },
  };
}

/** Runs a program with `input` on its standard input; resolves with its exit code and output. */
function runWithInput(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input);
  });
}

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
  op: string;
  urn: string;
  /** The resource as the step would leave it: checked inputs and (known) outputs. */
  newState?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  diffReasons?: string[];
}

/** Runs `pulumi preview --json` and returns its steps. */
export async function previewSteps(workspace: PulumiWorkspace): Promise<PreviewStep[]> {
  const { stdout } = await workspace.run(["preview", "--json"]);
  return (JSON.parse(stdout) as { steps: PreviewStep[] }).steps;
}
