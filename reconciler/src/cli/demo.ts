/**
 * `ccx demo`: the whole product on this machine, in one command. It starts the Constant Contact
 * emulator and the reconciler on embedded defaults, writes sample segments, runs `pulumi up` on
 * the repository's root stack (the quickstart), runs the export with live progress, previews and
 * applies step 2 of the quickstart with its data plan, then destroys the stack and stops. Nothing
 * it starts outlives it, and nothing leaves loopback.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startEmulator, type Emulator } from "../../../emulator/index.ts";
import { generateToken } from "../auth/api-token.ts";
import { parseConfig } from "../config.ts";
import { startReconciler, type RunningReconciler } from "../main.ts";
import { writeSampleSegments } from "./demo/sample-segments.ts";
import { DemoStack, findPulumiCli } from "./demo/pulumi-stack.ts";
import { ExitCode } from "./exit-codes.ts";
import { run as runExport } from "./run.ts";
import { run as runSources } from "./sources.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const LIST_NAME = "ccx demo newsletter";

const USAGE = `Usage: ccx demo [options]

Runs the whole product on this machine: the Constant Contact emulator, the reconciler (embedded
store), sample segments, \`pulumi up\` of the quickstart stack, a run with live progress, the
preview of a change with its data plan, the change applied and run, then \`pulumi destroy\`.
Re-runnable; everything it creates is removed at the end.

Options:
  --profiles <n>   sample profiles to generate (default 50000, at most 1000000)
  --port <n>       reconciler port (default: any free port)
  -h, --help       show this help`;

interface DemoOptions {
  profiles: number;
  port: number;
}

function parseOptions(argv: string[]): DemoOptions | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        profiles: { type: "string", default: "50000" },
        port: { type: "string", default: "0" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    return (error as Error).message;
  }
  if (values.help === true) return "help";
  const profiles = Number(values.profiles);
  const port = Number(values.port);
  if (!Number.isInteger(profiles) || profiles < 10 || profiles > 1_000_000) {
    return "--profiles must be a whole number from 10 to 1000000";
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    return "--port must be a port number (0 for any free port)";
  }
  return { profiles, port };
}

/** Prints a numbered step heading. */
function stepper(total: number): (title: string) => void {
  let current = 0;
  return (title) => {
    current += 1;
    process.stdout.write(`\n==> [${current}/${total}] ${title}\n`);
  };
}

function describeStartFailure(what: string, port: number, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new Error(
      `port ${port} is busy, so the ${what} cannot start; pass --port 0 or a free port`,
    );
  }
  return new Error(`the ${what} could not start: ${(error as Error).message}`);
}

export async function run(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return ExitCode.ok;
  }
  if (typeof options === "string") {
    process.stderr.write(`ccx demo: ${options}\n\n${USAGE}\n`);
    return ExitCode.usage;
  }
  // The demo deploys the repository's own quickstart stack, which an installed package lacks.
  if (!existsSync(join(root, "examples/quickstart/step2"))) {
    process.stderr.write(
      "ccx demo: the demo deploys the quickstart stack of the ccx repository, so it runs from a " +
        "clone of it (`npm ci`, then `npm run demo`); this installation has no quickstart\n",
    );
    return ExitCode.failed;
  }

  const step = stepper(9);
  const work = await mkdtemp(join(tmpdir(), "ccx-demo-"));
  let emulator: Emulator | undefined;
  let reconciler: RunningReconciler | undefined;
  let stack: DemoStack | undefined;
  let stackCreated = false;
  try {
    step("Pulumi CLI");
    const binDir = await findPulumiCli(root);
    process.stdout.write(`    using ${binDir}\n`);

    step("Constant Contact emulator and the ccx reconciler");
    emulator = await startEmulator({ activityTiming: "instant" }).catch((error: unknown) => {
      throw describeStartFailure("Constant Contact emulator", 0, error);
    });
    const adminToken = generateToken();
    const config = parseConfig({
      server: { host: "127.0.0.1", port: options.port },
      store: { dataDir: join(work, "store") },
      // The quickstart's segment source is a folder under this root, and nowhere else.
      sources: { files: { roots: [join(work, "segments")] } },
      secrets: { activeKeyId: "demo", keys: { demo: randomBytes(32).toString("base64") } },
      auth: { bootstrapAdminToken: adminToken },
      log: { level: "warn" },
      ctct: { apiBaseUrl: emulator.apiBaseUrl, tokenUrl: emulator.tokenUrl },
    });
    reconciler = await startReconciler(config).catch((error: unknown) => {
      throw describeStartFailure("reconciler", options.port, error);
    });
    process.stdout.write(`    emulator    ${emulator.url}\n    reconciler  ${reconciler.url}\n`);

    step("A Constant Contact account, authorised as `ccx connect` would");
    const app = emulator.createApp();
    const { accountId } = emulator.createAccount({ organizationName: "Contoso (demo)" });
    const { refreshToken } = emulator.issueTokens(app.clientId, accountId);
    process.stdout.write(`    account ${accountId}, application ${app.clientId}\n`);

    step(`Sample segments: ${options.profiles.toLocaleString("en-US")} profiles`);
    const segments = await writeSampleSegments(join(work, "segments"), options.profiles);
    process.stdout.write(
      `    high-value ${segments.highValue.toLocaleString("en-US")}, ` +
        `newsletter-signups ${segments.newsletterSignups.toLocaleString("en-US")}\n`,
    );

    step("pulumi up: the quickstart stack (a connection, a segment source, an export)");
    stack = new DemoStack({ binDir, home: join(work, "pulumi"), programDir: root, stack: "demo" });
    await stack.init();
    const settings: Array<[string, string, boolean]> = [
      ["ccx:endpoint", reconciler.url, false],
      ["ccx:token", adminToken, true],
      ["consentBy", "demo@contoso.com", false],
      ["clientId", app.clientId, false],
      ["clientSecret", app.clientSecret, true],
      ["refreshToken", refreshToken, true],
      ["segmentsPath", join(work, "segments"), false],
      ["listName", LIST_NAME, false],
    ];
    for (const [key, value, secret] of settings) await stack.setConfig(key, value, secret);
    stackCreated = true;
    await stack.show(["up", "--yes"]);

    const env = { ...process.env, CCX_ENDPOINT: reconciler.url, CCX_TOKEN: adminToken };
    const io = { stdout: process.stdout, stderr: process.stderr, env };
    step("ccx sources: where segments come from (admins choose; exports name a source)");
    const listed = await runSources([], io);
    if (listed !== ExitCode.ok) throw new Error("ccx sources failed (see above)");

    step("ccx run newsletter: the first export");
    const first = await runExport(["newsletter"], io);
    if (first !== ExitCode.ok) throw new Error("the first run did not succeed (see above)");
    const list = emulator.inspect.lists(accountId).find((l) => l.name === LIST_NAME);
    process.stdout.write(
      `    the list '${LIST_NAME}' in Constant Contact now has ` +
        `${(list?.memberCount ?? 0).toLocaleString("en-US")} members\n`,
    );

    step("pulumi preview of step 2 (map last names, add a segment): the data plan");
    await stack.switchProgram(join(root, "examples/quickstart/step2"));
    await stack.show(["preview", "--diff"]);

    step("pulumi up of step 2, then ccx run: only the change is sent");
    await stack.show(["up", "--yes", "--skip-preview"]);
    const second = await runExport(["newsletter"], io);
    if (second !== ExitCode.ok) throw new Error("the second run did not succeed (see above)");
    const after = emulator.inspect.lists(accountId).find((l) => l.name === LIST_NAME);
    process.stdout.write(
      `    the list now has ${(after?.memberCount ?? 0).toLocaleString("en-US")} members\n`,
    );

    step("pulumi destroy, and stop everything");
    await stack.show(["destroy", "--yes", "--skip-preview"]);
    stackCreated = false;
    process.stdout.write("\nThe demo is done. Everything it started has stopped.\n");
    return ExitCode.ok;
  } catch (error) {
    process.stderr.write(`\nccx demo: ${(error as Error).message}\n`);
    return ExitCode.failed;
  } finally {
    if (stackCreated) {
      await stack?.show(["destroy", "--yes", "--skip-preview"]).catch(() => undefined);
    }
    await stack?.dispose();
    await reconciler?.close();
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  }
}
