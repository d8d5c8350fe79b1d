/**
 * The ccx policy pack with the real Pulumi CLI: `pulumi preview --policy-pack` on a stack that
 * breaks every rule fails with each rule's message as a mandatory violation, and on a stack that
 * follows them passes. The pack runs through its launcher, `policy-pack/ccx-policy-pack`, because
 * the language host these tests build cannot run policy packs itself (docs/adr/0002).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startCcxTestStack, type CcxTestStack } from "../support/ccx-stack.ts";
import { createPulumiWorkspace, repoRoot, type PulumiWorkspace } from "../support/pulumi-cli.ts";

const program = fileURLToPath(new URL("./fixtures/review-stack/", import.meta.url));
const launcher = join(repoRoot, "provider/policy-pack/ccx-policy-pack");

describe("the ccx policy pack in pulumi preview", () => {
  let ccx: CcxTestStack;
  let segmentsDir: string;
  let workDir: string;
  let policyConfig: string;

  /** A stack of the review program with `config`; previews it with the pack and disposes it. */
  async function previewWithPack(stackName: string, config: Array<[string, string]>) {
    const stack: PulumiWorkspace = await createPulumiWorkspace({
      binDir: inject("pulumiBin"),
      programDir: program,
      stack: stackName,
    });
    try {
      const { credentials } = ccx.newCredentials("Contoso policy");
      await stack.setConfig("ccx:endpoint", ccx.reconciler.url);
      await stack.setConfig("ccx:token", ccx.tokens.admin, { secret: true });
      await stack.setConfig("clientId", credentials.clientId);
      await stack.setConfig("clientSecret", credentials.clientSecret, { secret: true });
      await stack.setConfig("refreshToken", credentials.refreshToken, { secret: true });
      await stack.setConfig("segmentsPath", segmentsDir);
      for (const [key, value] of config) await stack.setConfig(key, value);
      const args = ["preview", "--policy-pack", launcher, "--policy-pack-config", policyConfig];
      try {
        const { stdout } = await stack.run(args);
        return { passed: true, output: stdout };
      } catch (error) {
        return { passed: false, output: (error as Error).message };
      }
    } finally {
      await stack.dispose();
    }
  }

  beforeAll(async () => {
    ccx = await startCcxTestStack();
    segmentsDir = await mkdtemp(join(ccx.segmentsRoot, "policy-"));
    workDir = await mkdtemp(join(tmpdir(), "ccx-policy-"));
    await writeFile(join(segmentsDir, "vip.csv"), "email,first_name\nvip0@example.com,Ann\n");
    policyConfig = join(workDir, "policy-config.json");
    await writeFile(
      policyConfig,
      JSON.stringify({
        "ccx-mirror-removal-guard": { maxRemovePercentCeiling: 10 },
        "ccx-delete-keeps-members": { stacks: ["prod", "production"] },
        "ccx-current-consent-statement": { statementVersion: "2026-01" },
        "ccx-schedule-windows": { windows: [{ from: "01:00", to: "05:00" }], timeZone: "UTC" },
        "ccx-allowed-sources": { sources: ["segments"] },
        "ccx-allowed-connections": { connections: ["marketing"] },
      }),
    );
  });

  afterAll(async () => {
    await ccx?.close();
    for (const dir of [segmentsDir, workDir]) {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  });

  it("fails a stack that breaks every rule, with each rule's message", async () => {
    const { passed, output } = await previewWithPack("prod", [
      ["statementVersion", "2025-06"],
      [
        "exports",
        JSON.stringify([
          {
            name: "loose",
            segments: ["vip"],
            maxRemovePercent: 50,
            onDelete: "remove-members",
            cron: "0 12 * * *",
            sourcePath: "/srv/elsewhere",
            connection: "shadow-it",
          },
          { name: "unguarded", segments: ["vip"], connection: "marketing" },
        ]),
      ],
    ]);
    expect(passed).toBe(false);
    const violations: Array<[string, string]> = [
      [
        "ccx-mirror-removal-guard",
        "export 'loose' mirrors its list with guards.maxRemovePercent 50, above the ceiling of 10; set guards: { maxRemovePercent: 10 } or lower",
      ],
      [
        "ccx-mirror-removal-guard",
        "export 'unguarded' mirrors its list without declaring guards.maxRemovePercent",
      ],
      [
        "ccx-delete-keeps-members",
        `export 'loose' declares onDelete: "remove-members" on stack 'prod', where lists are never emptied on delete; use onDelete: "keep-members"`,
      ],
      [
        "ccx-current-consent-statement",
        "connection 'marketing' records consent to statement version '2025-06', but the current statement is '2026-01'",
      ],
      [
        "ccx-schedule-windows",
        "export 'loose' runs at 12:00 on mon (UTC) with cron '0 12 * * *' (UTC), outside the allowed windows (daily 01:00-05:00 UTC)",
      ],
      [
        "ccx-allowed-sources",
        "export 'loose' reads segments from source 'loose-source', which is not allowed; use one of 'segments'",
      ],
      [
        "ccx-allowed-connections",
        "export 'loose' exports through connection 'shadow-it', which is not allowed; set connection to one of 'marketing'",
      ],
    ];
    for (const [policy, message] of violations) {
      expect(output).toMatch(new RegExp(`\\[mandatory\\]\\s+${policy}\\b`));
      expect(output).toContain(message);
    }
  });

  it("passes a stack that follows every rule", async () => {
    const { passed, output } = await previewWithPack("production", [
      [
        "exports",
        JSON.stringify([
          {
            name: "newsletter",
            segments: ["vip"],
            maxRemovePercent: 10,
            cron: "0 3 * * *",
            connection: "marketing",
          },
        ]),
      ],
    ]);
    expect(output).not.toContain("[mandatory]");
    expect(passed).toBe(true);
  });
});
