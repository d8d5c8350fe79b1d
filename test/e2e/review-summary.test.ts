/**
 * The pull-request review of a stack change, end to end: the real Pulumi CLI previews a change to
 * a stack whose exports have run (one export drops most of its segment, one changes its delete
 * semantics, one is new), `ccx plan --preview` turns the JSON into the Markdown comment, and the
 * comment is compared with a golden file. A change that trips a guard fails the preview; its
 * summary says which export and why, and exits 3.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startCcxTestStack, type CcxTestStack } from "../support/ccx-stack.ts";
import { createPulumiWorkspace, repoRoot, type PulumiWorkspace } from "../support/pulumi-cli.ts";

const execFileAsync = promisify(execFile);
const program = fileURLToPath(new URL("./fixtures/review-stack/", import.meta.url));
const golden = new URL("./fixtures/review-summary.golden.txt", import.meta.url);

const emails = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}@example.com`);

async function writeSegment(dir: string, name: string, list: string[]): Promise<void> {
  const rows = list.map((email, i) => `${email},First${i}`);
  await writeFile(join(dir, `${name}.csv`), `email,first_name\n${rows.join("\n")}\n`);
}

/** Runs `ccx plan --preview <file>` as a process, as CI would; resolves with its exit code. */
async function ccxPlanPreview(
  file: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [join(repoRoot, "bin/ccx.js"), "plan", "--preview", file],
      // No CCX_ENDPOINT or CCX_TOKEN: the summary needs neither.
      { env: { PATH: process.env.PATH }, maxBuffer: 16 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** Runs `pulumi preview --json` and keeps its output even when the preview fails. */
async function previewJson(stack: PulumiWorkspace, file: string): Promise<void> {
  let stdout: string;
  try {
    ({ stdout } = await stack.run(["preview", "--json"]));
  } catch (error) {
    // The workspace helper puts the command's stdout after the first line of its message.
    const message = (error as Error).message;
    stdout = message.slice(message.indexOf("\n") + 1, message.lastIndexOf("\n}") + 2);
  }
  await writeFile(file, stdout);
}

describe("a stack change reviewed as one Markdown comment", () => {
  let ccx: CcxTestStack;
  let stack: PulumiWorkspace;
  let segmentsDir: string;
  let workDir: string;

  const setExports = (exports: unknown[]) => stack.setConfig("exports", JSON.stringify(exports));

  beforeAll(async () => {
    ccx = await startCcxTestStack();
    segmentsDir = await mkdtemp(join(ccx.segmentsRoot, "review-"));
    workDir = await mkdtemp(join(tmpdir(), "ccx-review-"));
    const customers = emails("customer", 3400);
    await writeSegment(segmentsDir, "customers", customers);
    await writeSegment(segmentsDir, "customers-active", customers.slice(0, 400));
    await writeSegment(segmentsDir, "vip", emails("vip", 100));
    await writeSegment(segmentsDir, "vip-core", emails("vip", 50));
    const { credentials } = ccx.newCredentials("Contoso review");
    stack = await createPulumiWorkspace({
      binDir: inject("pulumiBin"),
      programDir: program,
      stack: "review",
    });
    const config: Array<[string, string, boolean]> = [
      ["ccx:endpoint", ccx.reconciler.url, false],
      ["ccx:token", ccx.tokens.admin, true],
      ["clientId", credentials.clientId, false],
      ["clientSecret", credentials.clientSecret, true],
      ["refreshToken", credentials.refreshToken, true],
      ["segmentsPath", segmentsDir, false],
    ];
    for (const [key, value, secret] of config) {
      await stack.setConfig(key, value, { secret });
    }
    await setExports([
      { name: "newsletter", segments: ["customers"], maxRemovePercent: 100 },
      { name: "vip", segments: ["vip"] },
    ]);
    await stack.run(["up", "--yes", "--skip-preview"]);
    for (const name of ["newsletter", "vip"]) {
      expect(await ccx.runExport(name)).toMatchObject({ status: "succeeded" });
    }
  });

  afterAll(async () => {
    await stack?.dispose();
    await ccx?.close();
    for (const dir of [segmentsDir, workDir]) {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  });

  it("summarises the change's data plan like the golden file", async () => {
    await setExports([
      { name: "newsletter", segments: ["customers-active"], maxRemovePercent: 100 },
      { name: "vip", segments: ["vip"], onDelete: "remove-members" },
      { name: "welcome", segments: ["vip-core"] },
    ]);
    const file = join(workDir, "change.json");
    await previewJson(stack, file);
    const result = await ccxPlanPreview(file);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    // The segments folder is a new temporary folder each run; it appears escaped in the comment.
    const escapedDir = segmentsDir.replace(/[-.:_]/g, (character) => `\\${character}`);
    const markdown = result.stdout.replaceAll(escapedDir, "<segments>");
    expect(markdown).toBe(await readFile(golden, "utf8"));
  });

  it("names the export a guard would stop, and exits 3", async () => {
    await setExports([
      { name: "newsletter", segments: ["customers-active"], maxRemovePercent: 100 },
      { name: "vip", segments: ["vip-core"] },
    ]);
    const file = join(workDir, "trip.json");
    await previewJson(stack, file);
    const result = await ccxPlanPreview(file);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^## ccx data plan: .*1 blocked by a guard\n/);
    expect(result.stdout).toContain("| vip | blocked | – | – | – | – | – | **blocked** |");
    expect(result.stdout).toContain(
      "> **Guard would trip:** the run would remove 50 of 100 synced contacts \\(50 %\\), over maxRemovePercent 10",
    );
  });
});
