/**
 * What a platform team does outside this repository: pack ccx's packages with `npm pack`, install
 * the CLI from its tarball, start `ccx emulator` and `ccx serve` from that install, and create
 * Pulumi projects in a folder of their own that depend on the provider tarball by file. Nothing
 * here points a project back into the repository or its node_modules.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { repoRoot } from "./pulumi-cli.ts";

const execFileAsync = promisify(execFile);

/** Runs a program and rejects with its output when it fails. */
export async function runProgram(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string },
): Promise<{ stdout: string; stderr: string }> {
  try {
    const child = execFileAsync(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (options.input !== undefined) child.child.stdin?.end(options.input);
    return await child;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    throw new Error(
      `${file} ${args.join(" ")} exited with ${String(failed.code)}\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}`,
      { cause: error },
    );
  }
}

/** The tarballs `npm pack` made of the two packages. */
export interface PackedPackages {
  provider: string;
  reconciler: string;
}

/** Packs @ccx/pulumi and @ccx/reconciler (their prepack builds them) into `destination`. */
export async function packPackages(destination: string): Promise<PackedPackages> {
  await mkdir(destination, { recursive: true });
  const { stdout } = await runProgram(
    "npm",
    [
      "pack",
      "--workspace",
      "@ccx/pulumi",
      "--workspace",
      "@ccx/reconciler",
      "--pack-destination",
      destination,
      "--json",
    ],
    { cwd: repoRoot },
  );
  // The JSON array starts on a line of its own, after anything the build printed.
  const packed = JSON.parse(stdout.slice(Math.max(0, stdout.search(/^\[/m)))) as Array<{
    name: string;
    filename: string;
  }>;
  const file = (name: string) => {
    const entry = packed.find((item) => item.name === name);
    if (entry === undefined) throw new Error(`npm pack made no tarball of ${name}`);
    return join(destination, entry.filename);
  };
  return { provider: file("@ccx/pulumi"), reconciler: file("@ccx/reconciler") };
}

/**
 * A newer release of the provider made from `tarball`: the same files under a higher version, as
 * a consumer's upgrade would bring them.
 */
export async function repackWithVersion(
  tarball: string,
  version: string,
  workDir: string,
): Promise<string> {
  await mkdir(workDir, { recursive: true });
  await runProgram("tar", ["-xzf", tarball, "-C", workDir], { cwd: workDir });
  const manifestPath = join(workDir, "package", "package.json");
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as { version: string };
  manifest.version = version;
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  // The tarball holds the build, not the sources: nothing to run before packing.
  const { stdout } = await runProgram("npm", ["pack", "--ignore-scripts", "--json", "./package"], {
    cwd: workDir,
  });
  const [entry] = JSON.parse(stdout) as Array<{ filename: string }>;
  if (entry === undefined) throw new Error("npm pack made no tarball");
  return join(workDir, entry.filename);
}

/** `npm install` in `dir`, quietly. */
export async function npmInstall(
  dir: string,
  args: string[] = [],
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  await runProgram("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...args], {
    cwd: dir,
    ...(env === undefined ? {} : { env }),
  });
}

/** A long-running program and the first line it printed. */
export interface StartedProcess {
  child: ChildProcess;
  firstLine: string;
  /** Everything it printed to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `file args` and waits for its first stdout line (its address). */
export async function startProcess(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<StartedProcess> {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(
      `${file} ${args.join(" ")} exited with ${String(code)} before starting\n${stderr}`,
    );
  });
  const firstLine = await Promise.race([
    once(lines, "line").then(([line]) => String(line)),
    exited,
  ]);
  exited.catch(() => undefined);
  return {
    child,
    firstLine,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** A token in the format `ccx token create` issues. */
export function newApiToken(): string {
  return `ccx_${randomBytes(32).toString("base64url")}`;
}
