/**
 * A throwaway PostgreSQL server of the scenario's own (initdb into a temporary directory, a free
 * loopback port), so the scenario can restart it mid-run without disturbing the shared test
 * server other suites use at the same time. Uses the Debian binaries that
 * `scripts/postgres-test-server.sh` installs; as root, the server runs as the `postgres` user.
 */
import { execFile } from "node:child_process";
import { chown, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PrivatePostgres {
  /** `postgres://ccx@127.0.0.1:<port>/ccx` (trust authentication on loopback). */
  url: string;
  /** `pg_ctl restart -m fast`: every connection is cut, the server is back when it resolves. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function binDir(): Promise<string> {
  const versions = (await readdir("/usr/lib/postgresql")).sort((a, b) => Number(b) - Number(a));
  const newest = versions[0];
  if (newest === undefined)
    throw new Error("no PostgreSQL in /usr/lib/postgresql; run scripts/postgres-test-server.sh");
  return join("/usr/lib/postgresql", newest, "bin");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Creates, starts and returns a private server; `stop()` removes it again. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = await binDir();
  const dir = await mkdtemp(join(tmpdir(), "ccx-private-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const as = (command: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", command, ...args]) : run(command, args);
  await as(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "ccx",
    "-A",
    "trust",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const pgCtl = (...args: string[]) =>
    as(join(bin, "pg_ctl"), [
      "-D",
      data,
      "-o",
      options,
      "-l",
      join(dir, "server.log"),
      "-w",
      ...args,
    ]);
  await pgCtl("start");
  await as(join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "ccx", "ccx"]);
  return {
    url: `postgres://ccx@127.0.0.1:${port}/ccx`,
    restart: async () => {
      await pgCtl("-m", "fast", "restart");
    },
    stop: async () => {
      await pgCtl("-m", "immediate", "stop").catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
