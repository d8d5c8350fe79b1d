/**
 * The ccx resource plugin as a platform team installs it: built into its tarball, installed with
 * `pulumi plugin install --file` into a Pulumi home of its own, serving `examples/yaml` (Pulumi
 * YAML) against a real reconciler and the Constant Contact emulator. Preview → up → run → refresh
 * shows the run → a change previews its data plan → up → destroy; then `pulumi import` adopts an
 * export made through the API, and the program the import generated previews with no changes.
 * Last, `pulumi package gen-sdk` turns the installed plugin's schema into a Node.js SDK, which
 * compiles and declares resources, and a Python SDK, which compiles.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getSource } from "../../reconciler/src/store/source-store.ts";
import { buildPluginTarball, packProvider } from "../../scripts/plugin-tarball.ts";
import { startCcxTestStack, type CcxTestStack } from "../support/ccx-stack.ts";
import { runProgram } from "../support/consumer-project.ts";
import {
  codegenPath,
  createPulumiWorkspace,
  repoRoot,
  previewSteps,
  type PreviewStep,
  type PulumiWorkspace,
} from "../support/pulumi-cli.ts";

const example = fileURLToPath(new URL("../../examples/yaml/", import.meta.url));
const CONNECTION_TYPE = "ccx:index:ConstantContactConnection";
const SOURCE_TYPE = "ccx:index:SegmentSource";
const EXPORT_TYPE = "ccx:index:SegmentExport";
const LIST_NAME = "yaml e2e newsletter";
const PULUMI_SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** 300 high-value customers, and 100 newsletter sign-ups of whom 50 are high-value too. */
const highValue = Array.from({ length: 300 }, (_, i) => `customer${i}@example.com`);
const signups = Array.from({ length: 100 }, (_, i) => `customer${250 + i}@example.com`);

async function writeSegments(dir: string): Promise<void> {
  const csv = (emails: string[]) =>
    ["email,first_name,last_name", ...emails.map((e, i) => `${e},First${i},Last${i}`)].join("\n");
  await writeFile(join(dir, "high-value.csv"), `${csv(highValue)}\n`);
  await writeFile(join(dir, "newsletter-signups.csv"), `${csv(signups)}\n`);
}

const stepOf = (steps: PreviewStep[], type: string) =>
  steps.find((step) => step.urn.includes(`::${type}::`));

describe("the ccx resource plugin with Pulumi YAML", () => {
  let ccx: CcxTestStack;
  let stack: PulumiWorkspace;
  let scratch: string;
  let segmentsDir: string;
  let accountId: string;
  let tarball: string;

  const listMembers = (name = LIST_NAME): string[] => {
    const list = ccx.emulator.inspect.lists(accountId).find((l) => l.name === name);
    return list === undefined ? [] : [...ccx.emulator.inspect.listMembers(list.listId)].sort();
  };

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "ccx-yaml-plugin-"));
    const provider = await packProvider(scratch);
    tarball = await buildPluginTarball(join(scratch, "plugin"), provider);

    ccx = await startCcxTestStack();
    segmentsDir = await mkdtemp(join(ccx.segmentsRoot, "yaml-"));
    await writeSegments(segmentsDir);
    const created = ccx.newCredentials("Contoso YAML");
    accountId = created.accountId;
    stack = await createPulumiWorkspace({
      binDir: inject("pulumiBin"),
      programDir: example,
      stack: "e2e",
    });
    const config: Array<[string, string, boolean]> = [
      ["ccx:endpoint", ccx.reconciler.url, false],
      ["ccx:token", ccx.tokens.admin, true],
      ["consentBy", "ada@contoso.com", false],
      ["clientId", created.credentials.clientId, false],
      ["clientSecret", created.credentials.clientSecret, true],
      ["refreshToken", created.credentials.refreshToken, true],
      ["segmentsPath", segmentsDir, false],
      ["listName", LIST_NAME, false],
    ];
    for (const [key, value, secret] of config) await stack.setConfig(key, value, { secret });
  });

  afterAll(async () => {
    await stack?.dispose();
    await ccx?.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    if (segmentsDir !== undefined) await rm(segmentsDir, { recursive: true, force: true });
  });

  it("installs from its tarball: a launcher, JavaScript and production dependencies only", async () => {
    const { stdout: entries } = await promisify(execFile)("tar", ["-tvzf", tarball], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(entries).toMatch(/^-rwxr-xr-x .* \.\/pulumi-resource-ccx$/m);
    expect(entries).toContain("./node_modules/@ccx/pulumi/dist/provider/plugin/main.js");
    expect(entries).toContain("./node_modules/@pulumi/pulumi/provider/server.js");
    for (const devOnly of ["typescript", "vitest", "@ccx/reconciler", "node/bin"]) {
      expect(entries).not.toContain(`./node_modules/${devOnly}/`);
    }

    await runProgram(
      join(inject("pulumiBin"), "pulumi"),
      ["plugin", "install", "resource", "ccx", "0.2.0", "--file", tarball, "--non-interactive"],
      { cwd: example, env: stack.env },
    );
    const { stdout } = await runProgram(
      join(inject("pulumiBin"), "pulumi"),
      ["plugin", "ls", "--json"],
      { cwd: example, env: stack.env },
    );
    expect(JSON.parse(stdout)).toEqual([
      expect.objectContaining({ name: "ccx", kind: "resource", version: "0.2.0" }),
    ]);
  });

  it("previews the connection, the source and the export under ccx:index types", async () => {
    const steps = await previewSteps(stack);
    expect(stepOf(steps, CONNECTION_TYPE)?.op).toBe("create");
    expect(stepOf(steps, SOURCE_TYPE)?.op).toBe("create");
    expect(stepOf(steps, EXPORT_TYPE)?.op).toBe("create");
    expect(await ccx.reconciler.store.getConnection("marketing")).toBeUndefined();
  });

  it("creates all three with `pulumi up`, keeping the credentials only as a secret", async () => {
    await stack.run(["up", "--yes", "--skip-preview"]);
    expect(await stack.outputs()).toMatchObject({
      connectionName: "marketing",
      sourceName: "files",
      exportName: "newsletter",
      organizationName: "Contoso YAML",
      generation: 1,
    });
    expect(listMembers()).toEqual([]);

    const state = await stack.exportState();
    const text = JSON.stringify(state);
    for (const secret of ccx.secrets) expect(text).not.toContain(secret);
    const connection = state.deployment.resources?.find((r) => r.type === CONNECTION_TYPE);
    expect(connection?.inputs?.["credentials"]).toMatchObject({
      [PULUMI_SECRET_SIG]: expect.any(String) as string,
      ciphertext: expect.stringMatching(/^v1:/) as string,
    });
    expect(connection?.outputs?.["credentialsFingerprint"]).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it("runs the export, and `pulumi refresh` shows that run", async () => {
    const run = await ccx.runExport("newsletter");
    expect(run).toMatchObject({ status: "succeeded", generation: 1 });
    expect(listMembers()).toEqual([...highValue].sort());

    await stack.run(["refresh", "--yes", "--skip-preview"]);
    const state = await stack.exportState();
    const exported = state.deployment.resources?.find((r) => r.type === EXPORT_TYPE);
    expect(exported?.outputs).toMatchObject({
      lastRun: { id: run.id, status: "succeeded", counts: { added: 300 } },
      listDrift: 0,
    });
  });

  it("previews a new segment with its data plan, then applies it in place", async () => {
    await stack.run(["config", "set", "--path", "exportSegments[0]", "high-value"]);
    await stack.run(["config", "set", "--path", "exportSegments[1]", "newsletter-signups"]);
    const steps = await previewSteps(stack);
    expect([undefined, "same"]).toContain(stepOf(steps, CONNECTION_TYPE)?.op);
    const exportStep = stepOf(steps, EXPORT_TYPE);
    expect(exportStep?.op).toBe("update");
    // 50 of the sign-ups are new; the other 50 are high-value customers already on the list.
    expect(exportStep?.newState?.inputs?.["plan"]).toMatchObject({
      adds: 50,
      removals: 0,
      summary: expect.stringContaining("+50 adds") as string,
    });

    await stack.run(["up", "--yes", "--skip-preview"]);
    expect(await stack.outputs()).toMatchObject({ generation: 2 });
    expect((await ccx.runExport("newsletter")).counts).toMatchObject({ added: 50 });
    expect(listMembers()).toHaveLength(350);
  });

  it("destroys the stack: the reconciler forgets all three, the list keeps its members", async () => {
    await stack.run(["destroy", "--yes", "--skip-preview"]);
    expect(await ccx.reconciler.store.getConnection("marketing")).toBeUndefined();
    expect(await getSource(ccx.reconciler.store, "files")).toBeUndefined();
    expect(listMembers()).toHaveLength(350);
  });

  it("imports an export made through the API; its generated program previews unchanged", async () => {
    const created = ccx.newCredentials("Contoso adopted");
    await ccx.api("admin", "PUT", "/v1/connections/adopted", {
      displayName: "Adopted",
      consent: { accepted: true, statementVersion: "2026-01", acceptedBy: "ada@contoso.com" },
      credentials: created.credentials,
      exportUser: "ada@contoso.com",
    });
    await ccx.api("admin", "PUT", "/v1/sources/adopted-files", {
      type: "files",
      path: segmentsDir,
    });
    await ccx.api("admin", "PUT", "/v1/exports/signups-eu", {
      connection: "adopted",
      source: "adopted-files",
      list: { name: "adopted signups", create: true },
      mappings: { email: "email", firstName: "first_name" },
      segments: ["newsletter-signups"],
      schedule: { cron: "0 3 * * *", timeZone: "Europe/Berlin" },
      guards: { maxRemovePercent: 5, maxAdds: 1000 },
    });

    const program = join(scratch, "adopted");
    const generated = join(scratch, "imported.yaml");
    await mkdir(program);
    await stack.run([
      "import",
      EXPORT_TYPE,
      "signups",
      "signups-eu",
      "--yes",
      "--protect=false",
      "--out",
      generated,
    ]);
    const state = await stack.exportState();
    expect(state.deployment.resources?.find((r) => r.type === EXPORT_TYPE)).toMatchObject({
      id: "signups-eu",
      outputs: { name: "signups-eu", segments: ["newsletter-signups"], generation: 1 },
    });

    // The program a team would commit: the project header and the code `pulumi import` wrote.
    const code = await readFile(generated, "utf8");
    expect(code).toContain("signups-eu");
    await writeFile(join(program, "Pulumi.yaml"), `name: ccx-yaml\nruntime: yaml\n${code}`);
    await stack.switchProgram(program);
    const { stdout } = await stack.run(["preview", "--json"]);
    const preview = JSON.parse(stdout) as { changeSummary: Record<string, number> };
    expect(preview.changeSummary).toEqual({ same: 2 });
    expect(
      (await ccx.api<{ generation: number }>("admin", "GET", "/v1/exports/signups-eu")).generation,
    ).toBe(1);
  });

  it("generates a Node.js SDK from the plugin's schema that compiles and declares resources", async () => {
    const pulumiCli = join(inject("pulumiBin"), "pulumi");
    // The installed plugin, named by path: a bare `ccx` that is not installed would be looked up
    // in Pulumi's registry.
    const installed = join(stack.env.PULUMI_HOME ?? "", "plugins/resource-ccx-v0.2.0");
    const { stdout: schema } = await runProgram(
      pulumiCli,
      ["package", "get-schema", join(installed, "pulumi-resource-ccx")],
      { cwd: scratch, env: stack.env },
    );
    expect(JSON.parse(schema)).toMatchObject({ name: "ccx", version: "0.2.0" });
    const schemaFile = join(scratch, "schema.json");
    await writeFile(schemaFile, schema);
    const sdks = join(scratch, "sdk");
    const env = { ...stack.env, PATH: codegenPath(inject("pulumiBin"), stack.env.PATH) };
    for (const language of ["nodejs", "python"]) {
      await runProgram(
        pulumiCli,
        ["package", "gen-sdk", schemaFile, "--language", language, "--out", sdks],
        {
          cwd: scratch,
          env,
        },
      );
    }

    // Compiled as a user would (`npm run build` is `tsc`), against this repository's SDK.
    const nodeSdk = join(sdks, "nodejs");
    await symlink(join(repoRoot, "node_modules"), join(nodeSdk, "node_modules"), "dir");
    await runProgram(
      process.execPath,
      [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", nodeSdk],
      {
        cwd: nodeSdk,
      },
    );
    // Pulumi's SDK packaging puts the manifest, its version filled in, beside the output.
    const manifest = await readFile(join(nodeSdk, "package.json"), "utf8");
    await writeFile(join(nodeSdk, "bin/package.json"), manifest.replace("${VERSION}", "0.2.0"));
    const declarations = await readFile(
      join(nodeSdk, "bin/constantContactConnection.d.ts"),
      "utf8",
    );
    expect(declarations).toContain("credentials: pulumi.Input<inputs.CredentialsInputArgs>");

    const registered: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({
            type: args.type,
            name: args.name,
            inputs: args.inputs as Record<string, unknown>,
          });
          return {
            id: args.name,
            state: { ...(args.inputs as Record<string, unknown>), generation: 1 },
          };
        },
        call: () => ({}),
      },
      "ccx-yaml",
      "sdk",
    );
    const sdk = createRequire(import.meta.url)(join(nodeSdk, "bin/index.js")) as {
      SegmentExport: new (
        name: string,
        args: Record<string, unknown>,
      ) => { generation: pulumi.Output<number>; urn: pulumi.Output<string> };
    };
    const newsletter = new sdk.SegmentExport("newsletter", {
      connection: "marketing",
      source: "files",
      list: { name: LIST_NAME, create: true },
      mappings: { email: "email" },
      segments: ["high-value"],
    });
    const generation = await new Promise<number>((resolve) => newsletter.generation.apply(resolve));
    expect(generation).toBe(1);
    expect(registered).toContainEqual({
      type: EXPORT_TYPE,
      name: "newsletter",
      inputs: expect.objectContaining({ segments: ["high-value"], source: "files" }) as unknown,
    });

    // The Python SDK is generated too; Python byte-compiles it (running it needs a Python
    // language host, which this machine cannot build: docs/adr/0012).
    await runProgram("python3", ["-m", "compileall", "-q", join(sdks, "python")], { cwd: scratch });
  });
});
