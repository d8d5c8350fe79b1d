/**
 * `npm run demo` end to end with a small data set: the real CLI, emulator, reconciler and Pulumi,
 * as a newcomer runs it after `npm ci`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { repoRoot } from "../support/pulumi-cli.ts";

describe("ccx demo", () => {
  it("runs the whole product with 500 profiles and leaves nothing behind", async () => {
    // Exactly the README's command, with a smaller data set.
    const { stdout } = await promisify(execFile)(
      "npm",
      ["run", "--silent", "demo", "--", "--profiles", "500"],
      {
        cwd: repoRoot,
        env: { ...process.env, PATH: [inject("pulumiBin"), process.env.PATH].join(delimiter) },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    // 80 % of the profiles are high-value; step 2 adds the sign-ups, making every profile a member.
    expect(stdout).toContain("now has 400 members");
    expect(stdout).toMatch(/plan\s*:/);
    expect(stdout).toContain("the list now has 500 members");
    expect(stdout).toContain("The demo is done.");
    expect(existsSync(join(repoRoot, "Pulumi.demo.yaml"))).toBe(false);
    expect(existsSync(join(repoRoot, "examples/quickstart/step2/Pulumi.demo.yaml"))).toBe(false);
  });

  it("says what is wrong with a bad option", async () => {
    const failure = await promisify(execFile)(
      process.execPath,
      ["bin/ccx.js", "demo", "--profiles", "many"],
      { cwd: repoRoot },
    ).catch((error: unknown) => error as { code: number; stderr: string });
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/--profiles must be/);
  });

  it("from the installed package, says it runs from a clone of the repository", async () => {
    // The package's bin runs the compiled code, whose folder has no quickstart stack.
    const failure = await promisify(execFile)(
      process.execPath,
      ["reconciler/bin/ccx.js", "demo", "--profiles", "500"],
      { cwd: repoRoot },
    ).catch((error: unknown) => error as { code: number; stderr: string });
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain(
      "it runs from a clone of it (`npm ci`, then `npm run demo`)",
    );
  });
});
