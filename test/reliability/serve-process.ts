/**
 * The reconciler as a real child process (`node bin/ccx.js serve --config <yaml>`), so a
 * scenario can kill it with SIGKILL and start it again on the same data directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";

const root = fileURLToPath(new URL("../../", import.meta.url));

export interface ServeProcess {
  /** Base URL the process listens on. */
  url: string;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr (JSON log lines). */
  output(): string;
  /** SIGKILL: no shutdown hook runs. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, for the end of a scenario. */
  stop(): Promise<void>;
}

/** Writes `config` as YAML to `path`, for {@link startServe}. */
export async function writeServeConfig(
  path: string,
  config: Record<string, unknown>,
): Promise<void> {
  await writeFile(path, stringify(config));
}

function waitForExit(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** Starts `ccx serve --config <configPath>` and resolves once it listens. */
export async function startServe(configPath: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, ["bin/ccx.js", "serve", "--config", configPath], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr?.on("data", (data: Buffer) => {
    output += data.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (data: Buffer) => {
      output += data.toString();
      const match = /ccx serve: listening on (\S+)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("exit", (code) =>
      reject(new Error(`ccx serve exited with ${code}: ${output.slice(-2000)}`)),
    );
  });
  return {
    url,
    child,
    output: () => output,
    kill: () => waitForExit(child, "SIGKILL"),
    stop: () => waitForExit(child, "SIGTERM"),
  };
}
