/**
 * The demo's Pulumi stack: the real CLI (from PATH, or built once by `scripts/pulumi-cli.sh`) on a
 * throwaway local file backend with passphrase secrets, offline, showing its own output.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";

/** Finds or builds the Pulumi CLI; progress of a first build goes to the terminal. */
export async function findPulumiCli(root: string): Promise<string> {
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    const child = spawn("bash", [join(root, "scripts/pulumi-cli.sh")], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve({ stdout: out })
        : reject(
            new Error(
              "the demo needs the Pulumi CLI: put `pulumi` and `pulumi-language-nodejs` on PATH, " +
                "or install Go so that `npm run pulumi:setup` can build them",
            ),
          ),
    );
  });
  const binDir = stdout.trim().split("\n").at(-1);
  if (binDir === undefined || binDir === "")
    throw new Error("scripts/pulumi-cli.sh printed no folder");
  return binDir;
}

/** One stack of one project, run from `programDir` (switchable to the project's next step). */
export class DemoStack {
  readonly #binDir: string;
  readonly #home: string;
  readonly #stack: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #programDirs: string[] = [];
  #programDir: string;

  constructor(options: { binDir: string; home: string; programDir: string; stack: string }) {
    this.#binDir = options.binDir;
    this.#home = options.home;
    this.#stack = options.stack;
    this.#programDir = options.programDir;
    this.#programDirs.push(options.programDir);
    this.#env = {
      ...process.env,
      PATH: [options.binDir, dirname(process.execPath), process.env.PATH].join(delimiter),
      PULUMI_HOME: join(options.home, "home"),
      PULUMI_BACKEND_URL: `file://${join(options.home, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "ccx-demo",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
  }

  get #stackFile(): string {
    return `Pulumi.${this.#stack}.yaml`;
  }

  /** Creates the backend and the stack. */
  async init(): Promise<void> {
    await rm(this.#home, { recursive: true, force: true });
    await mkdir(join(this.#home, "home"), { recursive: true });
    await mkdir(join(this.#home, "state"), { recursive: true });
    await rm(join(this.#programDir, this.#stackFile), { force: true });
    await this.#quiet(["stack", "init"]);
  }

  /**
   * Sets a config value (`secret` ones are encrypted in the stack file). The value goes through
   * standard input, never the command line: there a value starting with `-` would be read as a
   * flag, and a secret would be visible to every user of the machine (`ps`). `--` ends the flags
   * before the key for the same reason.
   */
  async setConfig(key: string, value: string, secret = false): Promise<void> {
    await this.#quiet(["config", "set", ...(secret ? ["--secret"] : []), "--", key], value);
  }

  /** Reads a config value back (secrets decrypted). */
  async getConfig(key: string): Promise<string> {
    return this.#quiet(["config", "get", "--", key]);
  }

  /** Runs a command with its output on the terminal; rejects when it fails. */
  async show(args: string[]): Promise<void> {
    const child = spawn(join(this.#binDir, "pulumi"), [...args, ...this.#common()], {
      cwd: this.#programDir,
      env: this.#env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", resolve);
    });
    if (code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${String(code)})`);
  }

  /** Moves to another program of the same project, with this stack's settings copied over. */
  async switchProgram(programDir: string): Promise<void> {
    await copyFile(join(this.#programDir, this.#stackFile), join(programDir, this.#stackFile));
    this.#programDirs.push(programDir);
    this.#programDir = programDir;
  }

  /** Removes the backend and the stack files written beside the programs. */
  async dispose(): Promise<void> {
    for (const dir of this.#programDirs) await rm(join(dir, this.#stackFile), { force: true });
    await rm(this.#home, { recursive: true, force: true });
  }

  #common(): string[] {
    return ["--non-interactive", "--stack", this.#stack];
  }

  /**
   * Runs a command without showing its output, and resolves with its standard output; `input`
   * is written to its standard input.
   */
  async #quiet(args: string[], input = ""): Promise<string> {
    // Flags first: after `--` every argument is positional.
    const separator = args.indexOf("--");
    const full =
      separator < 0
        ? [...args, ...this.#common()]
        : [...args.slice(0, separator), ...this.#common(), ...args.slice(separator)];
    const child = spawn(join(this.#binDir, "pulumi"), full, {
      cwd: this.#programDir,
      env: this.#env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    if (code !== 0) {
      throw new Error(`pulumi ${args[0] ?? ""} ${args[1] ?? ""} failed: ${stderr}`);
    }
    return stdout;
  }
}
