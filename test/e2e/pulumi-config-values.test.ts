/**
 * Values handed to `pulumi config set` by the demo and by the test harness: random secrets may
 * start with `-` (base64url), which the CLI would read as a flag if the value were an argument
 * (`unknown shorthand flag: 'a' in -axmL…`). They go through standard input, so every value,
 * whatever its first character, arrives unchanged. Deterministic: the values are fixed here.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
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
