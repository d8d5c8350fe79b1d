/**
 * `ccx` starts itself again with glibc's mmap threshold fixed (`reconciler/bin/malloc-threshold.js`,
 * ADR 0013): seen from outside, in the environment of the running process, for the repository's
 * command and the installed package's; an operator's own value is kept.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MALLOC_ENVIRONMENT, mallocRestart } from "../../reconciler/bin/malloc-threshold.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The MALLOC_ variables of a running `ccx emulator` started from `bin` with `env`. */
async function mallocVariablesOf(bin: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const child = spawn(process.execPath, [bin, "emulator", "--port", "0", "--json"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    // It prints its connection facts once it listens: the process is the restarted one by then.
    await once(child.stdout, "data");
    const environ = await readFile(`/proc/${child.pid}/environ`, "utf8");
    return environ.split("\0").filter((entry) => entry.startsWith("MALLOC_"));
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}

const withoutMalloc = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MALLOC_")));

describe.runIf(process.platform === "linux")("ccx on Linux", () => {
  it.each([
    ["the repository's bin/ccx.js", "bin/ccx.js"],
    ["the package's bin/ccx.js", "reconciler/bin/ccx.js"],
  ])("%s runs with the mmap threshold fixed", async (_name, bin) => {
    expect(await mallocVariablesOf(bin, withoutMalloc())).toEqual([
      "MALLOC_MMAP_THRESHOLD_=131072",
    ]);
  });

  it("keeps a threshold the operator set", async () => {
    const env = { ...withoutMalloc(), MALLOC_MMAP_THRESHOLD_: "262144" };
    expect(await mallocVariablesOf("bin/ccx.js", env)).toEqual(["MALLOC_MMAP_THRESHOLD_=262144"]);
  });
});

describe("mallocRestart", () => {
  const linux = {
    platform: "linux" as const,
    env: { HOME: "/home/ccx" },
    execPath: "/usr/bin/node",
    execArgv: ["--inspect"],
    argv: ["/usr/bin/node", "/app/bin/ccx.js", "serve", "--config", "ccx.yaml"],
    execve: () => undefined,
  };

  it("starts the same command again, with the node options and the fixed threshold", () => {
    expect(mallocRestart(linux)).toEqual([
      "/usr/bin/node",
      ["/usr/bin/node", "--inspect", "/app/bin/ccx.js", "serve", "--config", "ccx.yaml"],
      { HOME: "/home/ccx", ...MALLOC_ENVIRONMENT },
    ]);
  });

  it.each([
    ["off Linux", { ...linux, platform: "darwin" as const }],
    ["once the variable is set", { ...linux, env: { MALLOC_MMAP_THRESHOLD_: "131072" } }],
    ["on a Node without execve", { ...linux, execve: undefined }],
  ])("does nothing %s", (_name, current) => {
    expect(mallocRestart(current)).toBeUndefined();
  });
});
