/**
 * Builds the tarball of the ccx resource plugin, for
 * `pulumi plugin install resource ccx <version> --file <tarball>`:
 *
 *   node scripts/plugin-tarball.ts [--out <folder>] [--from <@ccx/pulumi tarball>]
 *
 * It packs @ccx/pulumi as npm would publish it (or takes a packed one), installs it with its
 * production dependencies and the Pulumi SDK it runs on into a folder of its own, puts the
 * `pulumi-resource-ccx` launcher at the top, and tars that folder. What it holds is JavaScript
 * only, so one tarball serves every OS and architecture that has Node.js >= 22. Prints the
 * tarball's path (the only stdout line). Why this shape: docs/adr/0012.
 */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../", import.meta.url));

async function run(file: string, args: string[], cwd: string): Promise<string> {
  const { stdout } = await execFileAsync(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Packs @ccx/pulumi (its prepack builds it) into `destination`; returns the tarball's path. */
export async function packProvider(destination: string): Promise<string> {
  const stdout = await run(
    "npm",
    ["pack", "--workspace", "@ccx/pulumi", "--pack-destination", destination, "--json"],
    repoRoot,
  );
  // The JSON array starts on a line of its own, after anything the build printed.
  const packed = JSON.parse(stdout.slice(Math.max(0, stdout.search(/^\[/m)))) as Array<{
    filename: string;
  }>;
  const filename = packed[0]?.filename;
  if (filename === undefined) throw new Error("npm pack made no tarball of @ccx/pulumi");
  return join(destination, filename);
}

/** The version of `name` this repository builds and tests with (its lockfile's). */
async function lockedVersion(name: string): Promise<string> {
  const lock = JSON.parse(await readFile(join(repoRoot, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`package-lock.json has no ${name}`);
  return version;
}

/** Builds the plugin tarball into `out` from `providerTarball`; returns its path. */
export async function buildPluginTarball(out: string, providerTarball: string): Promise<string> {
  const manifest = JSON.parse(
    await run("tar", ["-xOzf", providerTarball, "package/package.json"], repoRoot),
  ) as { version: string };
  const stage = await mkdtemp(join(tmpdir(), "ccx-plugin-"));
  try {
    const bundled = join(stage, basename(providerTarball));
    await copyFile(providerTarball, bundled);
    await writeFile(
      join(stage, "package.json"),
      `${JSON.stringify(
        {
          name: "pulumi-resource-ccx",
          version: manifest.version,
          private: true,
          description: "The ccx resource plugin, as `pulumi plugin install` unpacks it.",
          license: "Apache-2.0",
          dependencies: {
            "@ccx/pulumi": `file:./${basename(providerTarball)}`,
            // The SDK whose gRPC server the plugin runs on (a peer dependency of @ccx/pulumi).
            "@pulumi/pulumi": await lockedVersion("@pulumi/pulumi"),
          },
        },
        null,
        2,
      )}\n`,
    );
    // No install scripts: the plugin needs none, and the tarball must not depend on what they do.
    await run(
      "npm",
      ["install", "--omit=dev", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund"],
      stage,
    );
    await rm(bundled);
    const launcher = join(stage, "pulumi-resource-ccx");
    await copyFile(join(stage, "node_modules/@ccx/pulumi/plugin/pulumi-resource-ccx"), launcher);
    await chmod(launcher, 0o755);

    await mkdir(out, { recursive: true });
    const tarball = join(out, `pulumi-resource-ccx-v${manifest.version}.tar.gz`);
    await run("tar", ["-czf", tarball, "-C", stage, "."], repoRoot);
    return tarball;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { out: { type: "string" }, from: { type: "string" } },
  });
  const out = resolve(values.out ?? join(repoRoot, ".cache/plugin"));
  const scratch = await mkdtemp(join(tmpdir(), "ccx-pack-"));
  try {
    const provider = values.from === undefined ? await packProvider(scratch) : resolve(values.from);
    console.log(await buildPluginTarball(out, provider));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
