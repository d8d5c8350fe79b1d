/**
 * ccx as a platform team installs it: the packages packed with `npm pack`, the CLI installed from
 * its tarball (which also serves the emulator and the reconciler here), and Pulumi projects in a
 * temporary folder outside the repository that depend on the provider tarball. Three layouts: a
 * TypeScript program as `pulumi new typescript` lays it out (CommonJS, Pulumi's own TypeScript
 * handling), a JavaScript ES module program on Node 22, and a JavaScript CommonJS program. Each
 * previews, applies, runs with the installed `ccx run`, changes, refreshes and destroys; the
 * TypeScript stack then upgrades the provider, reinstalls node_modules, and still refreshes and
 * destroys with the provider code stored in its state.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  newApiToken,
  npmInstall,
  packPackages,
  repackWithVersion,
  runProgram,
  startProcess,
  type PackedPackages,
  type StartedProcess,
} from "../support/consumer-project.ts";
import {
  createPulumiWorkspace,
  previewSteps,
  repoRoot,
  type PulumiWorkspace,
} from "../support/pulumi-cli.ts";

const NODE_22 = "22.23.3";
const NODE_24 = "24.21.0";
const PULUMI_SDK = "3.270.0";
const EXPORT_TYPE = "pulumi-nodejs:dynamic/ccx:SegmentExport";
const CONNECTION_TYPE = "pulumi-nodejs:dynamic/ccx:ConstantContactConnection";
/** Packages of the reconciler that a stack must never install. */
const SERVER_PACKAGES = [
  "@electric-sql/pglite",
  "pg-boss",
  "pg",
  "hono",
  "@hono/node-server",
  "@hono/zod-openapi",
  "@azure/identity",
  "@azure/storage-blob",
  "@azure/keyvault-secrets",
  "pino",
  "nodemailer",
  "prom-client",
  "csv-parse",
];

const highValue = Array.from({ length: 120 }, (_, i) => `customer${i}@example.com`);
const signups = Array.from({ length: 40 }, (_, i) => `customer${100 + i}@example.com`);

/** What `ccx emulator --json` prints. */
interface EmulatorFacts {
  url: string;
  apiBaseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  accessToken: string;
}

let work: string;
let packed: PackedPackages;
let ccxBin: string;
let node22Bin: string;
let node24Bin: string;
let emulator: StartedProcess;
let reconciler: StartedProcess;
let facts: EmulatorFacts;
let endpoint: string;
const adminToken = newApiToken();
/** The machine's PATH without the repository's folders: a platform team's machine has none. */
const machinePath = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((entry) => entry !== "" && !entry.startsWith(repoRoot))
  .join(delimiter);
/** PATH with `nodeBin` first: the Node a command runs on. */
const pathWith = (...dirs: string[]) => [...dirs, machinePath].join(delimiter);

/** Tries of a request the emulator throttled, a window apart. */
const THROTTLED_TRIES = 5;

async function emulatorJson<T>(path: string, auth = true): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(`${facts.url}${path}`, {
      headers: auth ? { authorization: `Bearer ${facts.accessToken}` } : {},
    });
    // The test's reads share the app's 4 requests per second with the run it follows (CONTRACT
    // §2.1): a throttled one is sent again once the 1 s window has passed, as a client must.
    if (response.status === 429 && attempt < THROTTLED_TRIES) {
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      continue;
    }
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return (await response.json()) as T;
  }
}

/** E-mails on the list called `name` in the emulator. */
async function listMembers(name: string): Promise<string[]> {
  const { lists } = await emulatorJson<{ lists: Array<{ list_id: string; name: string }> }>(
    `/v3/contact_lists?name=${encodeURIComponent(name)}`,
  );
  const list = lists.find((entry) => entry.name === name);
  if (list === undefined) return [];
  const members = await emulatorJson<{ result: string[] }>(
    `/_emulator/lists/${list.list_id}/members`,
    false,
  );
  return [...members.result].sort();
}

/** `ccx <args>` from the installed CLI, with the reconciler's address and the admin token. */
async function ccx(args: string[]): Promise<string> {
  const { stdout } = await runProgram(ccxBin, args, {
    cwd: work,
    env: {
      ...process.env,
      PATH: pathWith(node24Bin),
      CCX_ENDPOINT: endpoint,
      CCX_TOKEN: adminToken,
    },
  });
  return stdout;
}

/** The reconciler's view of an export, or the status when it has none. */
async function storedExport(name: string): Promise<number | Record<string, unknown>> {
  const response = await fetch(`${endpoint}/v1/exports/${name}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  return response.ok ? ((await response.json()) as Record<string, unknown>) : response.status;
}

const programBody = (prefix: string) => `
const config = new pulumi.Config();
const connection = new ConstantContactConnection("${prefix}-marketing", {
  displayName: "Marketing (${prefix})",
  sharing: "contributors",
  consent: { accepted: true, statementVersion: "2026-01", acceptedBy: "ada@contoso.com" },
  credentials: {
    clientId: config.require("clientId"),
    clientSecret: config.requireSecret("clientSecret"),
    refreshToken: config.requireSecret("refreshToken"),
  },
  exportUser: "ada@contoso.com",
});
const segments = new SegmentSource("${prefix}-segments", {
  type: "files",
  sharing: "contributors",
  path: config.require("segmentsPath"),
});
const newsletter = new SegmentExport("${prefix}-newsletter", {
  connection: connection.name,
  list: { name: config.require("listName"), create: true },
  mappings: { email: "email", firstName: "first_name" },
  segments: config.getObject<string[]>("segments") ?? ["high-value"],
  source: segments.name,
  schedule: { manualOnly: true },
  membership: "mirror",
  guards: { maxRemovePercent: 10 },
});
`;

/** The three consumer layouts: their files, and the Node that runs them. */
const layouts = {
  /** Exactly what `pulumi new typescript` writes, with ccx's resources in index.ts. */
  "typescript-commonjs": (prefix: string) => ({
    "Pulumi.yaml": `name: ${prefix}-stack\nruntime: nodejs\ndescription: A team's stack\n`,
    "package.json": JSON.stringify({
      name: `${prefix}-stack`,
      main: "index.ts",
      devDependencies: { "@types/node": "^22", typescript: "^5.9" },
      dependencies: { "@pulumi/pulumi": PULUMI_SDK, "@ccx/pulumi": `file:${packed.provider}` },
    }),
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        strict: true,
        outDir: "bin",
        target: "es2020",
        module: "commonjs",
        moduleResolution: "node",
        sourceMap: true,
        experimentalDecorators: true,
        pretty: true,
        noFallthroughCasesInSwitch: true,
        noImplicitReturns: true,
        forceConsistentCasingInFileNames: true,
      },
      files: ["index.ts"],
    }),
    "index.ts": `import * as pulumi from "@pulumi/pulumi";
import { ConstantContactConnection, SegmentExport, SegmentSource } from "@ccx/pulumi";
${programBody(prefix)}
export const exportName = newsletter.name;
export const generation = newsletter.generation;
`,
  }),
  "javascript-esm": (prefix: string) => ({
    "Pulumi.yaml": `name: ${prefix}-stack\nruntime: nodejs\nmain: index.js\n`,
    "package.json": JSON.stringify({
      name: `${prefix}-stack`,
      type: "module",
      dependencies: { "@pulumi/pulumi": PULUMI_SDK, "@ccx/pulumi": `file:${packed.provider}` },
    }),
    "index.js": `import * as pulumi from "@pulumi/pulumi";
import { ConstantContactConnection, SegmentExport, SegmentSource } from "@ccx/pulumi";
${programBody(prefix).replace("<string[]>", "")}
export const exportName = newsletter.name;
export const generation = newsletter.generation;
`,
  }),
  "javascript-commonjs": (prefix: string) => ({
    "Pulumi.yaml": `name: ${prefix}-stack\nruntime: nodejs\nmain: index.js\n`,
    "package.json": JSON.stringify({
      name: `${prefix}-stack`,
      dependencies: { "@pulumi/pulumi": PULUMI_SDK, "@ccx/pulumi": `file:${packed.provider}` },
    }),
    "index.js": `const pulumi = require("@pulumi/pulumi");
const { ConstantContactConnection, SegmentExport, SegmentSource } = require("@ccx/pulumi");
${programBody(prefix).replace("<string[]>", "")}
exports.exportName = newsletter.name;
exports.generation = newsletter.generation;
`,
  }),
};

/** A consumer project written and installed under `work`. */
async function createProject(layout: keyof typeof layouts, prefix: string): Promise<string> {
  const dir = join(work, prefix);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(layouts[layout](prefix))) {
    await writeFile(join(dir, file), text);
  }
  await npmInstall(dir);
  return dir;
}

/** A stack of the project in `dir`, configured for the running reconciler. */
async function stackFor(dir: string, prefix: string, nodeBin: string): Promise<PulumiWorkspace> {
  const stack = await createPulumiWorkspace({
    binDir: inject("pulumiBin"),
    programDir: dir,
    stack: "dev",
    // The CLI and its plugins, then the Node this layout runs on; never the repository's tools.
    env: { PATH: pathWith(inject("pulumiBin"), nodeBin) },
  });
  const settings: Array<[string, string, boolean]> = [
    ["ccx:endpoint", endpoint, false],
    ["ccx:token", adminToken, true],
    ["clientId", facts.clientId, false],
    ["clientSecret", facts.clientSecret, true],
    ["refreshToken", facts.refreshToken, true],
    ["segmentsPath", join(work, "segments"), false],
    ["listName", `${prefix} newsletter`, false],
  ];
  // One `key=value` argument each, so a value starting with "-" is never read as a flag.
  await stack.run([
    "config",
    "set-all",
    ...settings.map(
      ([key, value, secret]) => `--${secret ? "secret" : "plaintext"}=${key}=${value}`,
    ),
  ]);
  return stack;
}

const stepOf = (steps: Awaited<ReturnType<typeof previewSteps>>, type: string) =>
  steps.find((step) => step.urn.includes(`::${type}::`));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ccx-consumer-"));
  packed = await packPackages(join(work, "tarballs"));
  // The CLI as `npm install -g <tarball>` would install it, into a prefix of its own.
  await npmInstall(work, ["--prefix", join(work, "cli"), packed.reconciler]);
  ccxBin = join(work, "cli", "node_modules", ".bin", "ccx");
  // The Node versions the stacks run on, installed here like any other tool of theirs.
  await npmInstall(work, ["--prefix", join(work, "node22"), `node@${NODE_22}`]);
  await npmInstall(work, ["--prefix", join(work, "node24"), `node@${NODE_24}`]);
  node22Bin = join(work, "node22", "node_modules", "node", "bin");
  node24Bin = join(work, "node24", "node_modules", "node", "bin");

  await mkdir(join(work, "segments"));
  const csv = (emails: string[]) =>
    ["email,first_name", ...emails.map((email, i) => `${email},First${i}`)].join("\n");
  await writeFile(join(work, "segments", "high-value.csv"), `${csv(highValue)}\n`);
  await writeFile(join(work, "segments", "newsletter-signups.csv"), `${csv(signups)}\n`);

  const env = { ...process.env, PATH: pathWith(node24Bin) };
  // Long-lived refresh tokens, so the three stacks' connections can share the one seeded app.
  emulator = await startProcess(
    ccxBin,
    [
      "emulator",
      "--port",
      "0",
      "--json",
      "--activity-timing",
      "instant",
      "--refresh-token-mode",
      "long-lived",
    ],
    { cwd: work, env },
  );
  facts = JSON.parse(emulator.firstLine) as EmulatorFacts;
  await writeFile(
    join(work, "ccx.yaml"),
    [
      "server: { host: 127.0.0.1, port: 0 }",
      `store: { dataDir: ${JSON.stringify(join(work, "data"))} }`,
      `secrets: { activeKeyId: k1, keys: { k1: ${randomBytes(32).toString("base64")} } }`,
      `auth: { bootstrapAdminToken: ${adminToken} }`,
      "log: { level: warn }",
      // The folder every stack's files source names must lie under an allowed root.
      `sources: { files: { roots: [${JSON.stringify(work)}] } }`,
      `ctct: { apiBaseUrl: ${JSON.stringify(facts.apiBaseUrl)}, tokenUrl: ${JSON.stringify(facts.tokenUrl)} }`,
      "",
    ].join("\n"),
  );
  reconciler = await startProcess(ccxBin, ["serve", "--config", join(work, "ccx.yaml")], {
    cwd: work,
    env,
  });
  endpoint = /listening on (\S+)/.exec(reconciler.firstLine)?.[1] ?? "";
  expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

afterAll(async () => {
  await reconciler?.stop();
  await emulator?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe("the packed packages", () => {
  it("install the provider without a single server dependency", async () => {
    const dir = join(work, "provider-only");
    await mkdir(dir);
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "provider-only" }));
    await npmInstall(dir, [`@pulumi/pulumi@${PULUMI_SDK}`, packed.provider]);
    const { stdout } = await runProgram("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
      cwd: dir,
    });
    const installed = stdout
      .split("\n")
      .map((line) => /node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    expect(installed).toContain("@ccx/pulumi");
    expect(installed).toContain("zod");
    // What the provider itself brings: the contract's two libraries, nothing else.
    const { stdout: tree } = await runProgram("npm", ["ls", "--omit=dev", "--all", "--json"], {
      cwd: dir,
    });
    const own = (JSON.parse(tree) as { dependencies: Record<string, { dependencies?: object }> })
      .dependencies["@ccx/pulumi"];
    // `npm ls` lists its peers under it too: the stack's own @pulumi/pulumi, and @pulumi/policy,
    // an optional peer for the policy pack that a plain install leaves out.
    const ownDependencies = Object.keys(own?.dependencies ?? {}).filter(
      (name) => name !== "@pulumi/pulumi" && name !== "@pulumi/policy",
    );
    expect(ownDependencies.sort()).toEqual(["croner", "zod"]);
    expect(installed).not.toContain("@pulumi/policy");
    for (const name of SERVER_PACKAGES) expect(installed, name).not.toContain(name);
    // Only JavaScript and declarations: Node runs nothing under node_modules with type stripping.
    const { stdout: files } = await runProgram("tar", ["-tzf", packed.provider], { cwd: work });
    expect(files).toMatch(/package\/dist\/provider\/index\.js/);
    expect(files).toMatch(/package\/dist\/provider\/index\.d\.ts/);
    expect(files.split("\n").filter((f) => /\.ts$/.test(f) && !/\.d\.ts$/.test(f))).toEqual([]);
  });

  it("give a working ccx from the installed CLI", async () => {
    expect(await ccx(["--help"])).toContain("Usage: ccx <command>");
    const status = JSON.parse(await ccx(["status", "--json"])) as { exports: unknown[] };
    expect(status.exports).toEqual([]);
  });
});

/** The whole life of one consumer stack; `upgrade` adds the provider upgrade before destroy. */
function describeConsumer(
  layout: keyof typeof layouts,
  prefix: string,
  options: { node22?: boolean; upgrade?: boolean } = {},
) {
  describe(`a ${layout} stack${options.node22 === true ? " on Node 22" : ""}`, () => {
    let dir: string;
    let stack: PulumiWorkspace;
    const exportName = `${prefix}-newsletter`;
    const listName = `${prefix} newsletter`;

    beforeAll(async () => {
      dir = await createProject(layout, prefix);
      stack = await stackFor(dir, prefix, options.node22 === true ? node22Bin : node24Bin);
    });
    afterAll(async () => {
      await stack?.dispose();
    });

    it("previews the connection and the export", async () => {
      const steps = await previewSteps(stack);
      expect(stepOf(steps, CONNECTION_TYPE)?.op).toBe("create");
      expect(stepOf(steps, EXPORT_TYPE)?.op).toBe("create");
      if (options.node22 === true) {
        const { stdout } = await runProgram("node", ["--version"], {
          cwd: dir,
          env: { ...stack.env, PATH: pathWith(node22Bin) },
        });
        expect(stdout.trim()).toBe(`v${NODE_22}`);
      }
    });

    it("applies, and `ccx run` from the installed CLI fills the list", async () => {
      await stack.run(["up", "--yes", "--skip-preview"]);
      expect(await stack.outputs()).toMatchObject({ exportName, generation: 1 });
      const run = JSON.parse(await ccx(["run", exportName, "--json"])) as {
        status: string;
        counts: Record<string, number>;
      };
      expect(run).toMatchObject({ status: "succeeded", counts: { added: highValue.length } });
      expect(await listMembers(listName)).toEqual([...highValue].sort());
    });

    it("previews a change with its data plan, and applies it in place", async () => {
      await stack.setConfig("segments", '["high-value","newsletter-signups"]');
      const steps = await previewSteps(stack);
      const step = stepOf(steps, EXPORT_TYPE);
      expect(step?.op).toBe("update");
      // 20 sign-ups are new, 20 are high-value customers already on the list.
      expect(step?.newState?.inputs?.plan).toMatchObject({ adds: 20, removals: 0 });
      await stack.run(["up", "--yes", "--skip-preview"]);
      expect(await stack.outputs()).toMatchObject({ generation: 2 });
      const run = JSON.parse(await ccx(["run", exportName, "--json"])) as { status: string };
      expect(run.status).toBe("succeeded");
      expect(await listMembers(listName)).toEqual([...new Set([...highValue, ...signups])].sort());
    });

    it("refreshes the last run into the state", async () => {
      await stack.run(["refresh", "--yes", "--skip-preview"]);
      const state = await stack.exportState();
      const exported = state.deployment.resources?.find((r) => r.type === EXPORT_TYPE);
      expect(exported?.outputs).toMatchObject({ lastRun: { status: "succeeded" }, generation: 2 });
    });

    if (options.upgrade === true) {
      it("upgrades the provider, reinstalls node_modules, and refreshes with the state's provider", async () => {
        const newer = await repackWithVersion(packed.provider, "0.2.1-next.1", join(work, "newer"));
        await npmInstall(dir, [newer]);
        const manifest = JSON.parse(
          await readFile(join(dir, "node_modules", "@ccx", "pulumi", "package.json"), "utf8"),
        ) as { version: string };
        expect(manifest.version).toBe("0.2.1-next.1");
        await stack.run(["refresh", "--yes", "--skip-preview"]);

        await rm(join(dir, "node_modules"), { recursive: true, force: true });
        await npmInstall(dir);
        await stack.run(["refresh", "--yes", "--skip-preview"]);
        const steps = await previewSteps(stack);
        expect([undefined, "same"]).toContain(stepOf(steps, EXPORT_TYPE)?.op);
      });
    }

    it("destroys the stack: the reconciler forgets the export, the list keeps its members", async () => {
      await stack.run(["destroy", "--yes", "--skip-preview"]);
      expect(await storedExport(exportName)).toBe(404);
      expect(await listMembers(listName)).toHaveLength(highValue.length + 20);
      expect((await stack.exportState()).deployment.resources ?? []).toHaveLength(0);
    });
  });
}

describeConsumer("typescript-commonjs", "ts", { upgrade: true });
describeConsumer("javascript-esm", "esm", { node22: true });
describeConsumer("javascript-commonjs", "cjs");
