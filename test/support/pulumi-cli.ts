/**
 * Runs the real Pulumi CLI against a throwaway local backend: a file backend and PULUMI_HOME in a
 * temporary folder, passphrase secrets, no update checks and no plugin downloads, so runs stay
 * offline and never touch a developer's own Pulumi setup.
 */
import { execFile } from "node:child_process";
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

export interface PulumiResult {
  stdout: string;
  stderr: string;
}

export interface PulumiWorkspace {
  /** Environment every command runs with (extend it for provider settings). */
  readonly env: NodeJS.ProcessEnv;
  /** Runs `pulumi <args>` in the program folder; rejects with the output when it fails. */
  run(args: string[], options?: { env?: NodeJS.ProcessEnv }): Promise<PulumiResult>;
  /** Reads a stack's outputs (`pulumi stack output --json`, secrets shown). */
  outputs(): Promise<Record<string, unknown>>;
  /** The stack's checkpoint (`pulumi stack export`). */
  exportState(): Promise<{
    deployment: {
      resources?: Array<{
        type: string;
        urn: string;
        id?: string;
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
    extra?: { env?: NodeJS.ProcessEnv },
  ): Promise<PulumiResult> => {
    const full = [...args, "--non-interactive", "--stack", options.stack];
    try {
      return await execFileAsync(join(options.binDir, "pulumi"), full, {
        cwd: programDir,
        env: { ...env, ...extra?.env },
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; code?: number };
      throw new Error(
        `pulumi ${args.join(" ")} exited with ${String(failed.code)}\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}`,
        { cause: error },
      );
    }
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
    async outputs() {
      const { stdout } = await run(["stack", "output", "--json", "--show-secrets"]);
      return JSON.parse(stdout) as Record<string, unknown>;
    },
    async exportState() {
      const { stdout } = await run(["stack", "export"]);
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
