/**
 * Values handed to `pulumi config set` by the demo and by the test harness: random secrets may
 * start with `-` (base64url), which the CLI would read as a flag if the value were an argument
 * (`unknown shorthand flag: 'a' in -axmL…`). They go through standard input, so every value,
 * whatever its first character, arrives unchanged. Deterministic: the values are fixed here.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { configCommands } from "../../reconciler/src/cli/connect.ts";
import { DemoStack } from "../../reconciler/src/cli/demo/pulumi-stack.ts";
import { createPulumiWorkspace, repoRoot, type PulumiWorkspace } from "../support/pulumi-cli.ts";

const VALUES = [
  "-axmL4bJc5J3HdH2KIeAOl8TSeWuftmy",
  "--secret",
  "-",
  "--",
  "-h",
  "value with spaces and 'quotes'",
  "$HOME;`id`",
];

describe("config values that look like flags", () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "ccx-config-values-"));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("the demo's stack sets each value, secret or not, exactly as given", async () => {
    const stack = new DemoStack({
      binDir: inject("pulumiBin"),
      home: join(home, "demo"),
      programDir: join(repoRoot, "test/e2e/fixtures/greeting"),
      stack: "dash-values",
    });
    try {
      await stack.init();
      for (const [index, value] of VALUES.entries()) {
        await stack.setConfig(`plain${index}`, value);
        await stack.setConfig(`secret${index}`, value, true);
      }
      for (const [index, value] of VALUES.entries()) {
        expect(await stack.getConfig(`plain${index}`)).toBe(`${value}\n`);
        expect(await stack.getConfig(`secret${index}`)).toBe(`${value}\n`);
      }
    } finally {
      await stack.dispose();
    }
  });

  it("the commands `ccx connect` prints store values that start with '-'", async () => {
    const workspace = await createPulumiWorkspace({
      binDir: inject("pulumiBin"),
      programDir: join(repoRoot, "test/e2e/fixtures/greeting"),
      stack: "dash-values-connect",
    });
    try {
      const tokenFile = join(home, "refresh-token");
      await writeFile(tokenFile, VALUES[0] ?? "", { mode: 0o600 });
      const script = configCommands("-client-id", tokenFile).join("\n");
      // The commands as a person pastes them: in a shell, in the stack's folder (the stack is
      // selected), with the client secret in the environment.
      await promisify(execFile)("bash", ["-euo", "pipefail", "-c", script], {
        cwd: join(repoRoot, "test/e2e/fixtures/greeting"),
        env: {
          ...workspace.env,
          CTCT_CLIENT_SECRET: "--secret-value",
        },
      });
      const get = async (key: string) => (await workspace.run(["config", "get", "--", key])).stdout;
      expect(await get("clientId")).toBe("-client-id\n");
      expect(await get("clientSecret")).toBe("--secret-value\n");
      expect(await get("refreshToken")).toBe(`${VALUES[0] ?? ""}\n`);
      await expect(stat(tokenFile)).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      await workspace.dispose();
    }
  });

  it("the test harness sets each value, secret or not, exactly as given", async () => {
    const workspace: PulumiWorkspace = await createPulumiWorkspace({
      binDir: inject("pulumiBin"),
      programDir: join(repoRoot, "test/e2e/fixtures/greeting"),
      stack: "dash-values-harness",
    });
    try {
      for (const [index, value] of VALUES.entries()) {
        await workspace.setConfig(`value${index}`, value, { secret: index % 2 === 0 });
      }
      for (const [index, value] of VALUES.entries()) {
        const { stdout } = await workspace.run(["config", "get", "--", `value${index}`]);
        expect(stdout).toBe(`${value}\n`);
      }
    } finally {
      await workspace.dispose();
    }
  });
});
