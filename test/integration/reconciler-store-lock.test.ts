/**
 * The embedded store's data directory lock, across processes: a second process opening the same
 * PGlite directory gets a clear error instead of silently losing commits.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK_FILE_NAME } from "../../reconciler/src/store/data-dir-lock.ts";
import { openPgliteDatabase } from "../../reconciler/src/store/pglite-database.ts";
import type { SqlDatabase } from "../../reconciler/src/store/sql-database.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
const opener = new URL("../../reconciler/src/store/pglite-database.ts", import.meta.url).href;
const cli = join(root, "bin/ccx.js");

/** A tiny script: open the directory, report, close. Exit 3 with the message on failure. */
function openerScript(dataDir: string): string {
  return [
    `import { openPgliteDatabase } from ${JSON.stringify(opener)};`,
    `try {`,
    `  const db = await openPgliteDatabase(${JSON.stringify(dataDir)});`,
    `  await db.query("SELECT 1");`,
    `  await db.close();`,
    `  process.stdout.write("opened\\n");`,
    `} catch (error) {`,
    `  process.stderr.write(String(error.message));`,
    `  process.exit(3);`,
    `}`,
  ].join("\n");
}

async function runOpener(dataDir: string) {
  try {
    const { stdout } = await run(process.execPath, [
      "--input-type=module",
      "-e",
      openerScript(dataDir),
    ]);
    return { code: 0, stdout, stderr: "" };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let dataDir: string;
let db: SqlDatabase | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "ccx-lock-"));
});

afterAll(async () => {
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("PGlite data directory lock", () => {
  it("refuses a second process with the owner's pid, and lets it in once the first closes", async () => {
    db = await openPgliteDatabase(dataDir);
    await db.query("CREATE TABLE marker (id integer)");
    const second = await runOpener(dataDir);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(
      `data directory ${dataDir} is in use by process ${process.pid}; stop it or use PostgreSQL`,
    );

    // `ccx token create` opens the store the same way and says the same.
    const token = await run(
      process.execPath,
      [cli, "token", "create", "--role", "viewer", "--name", "x"],
      {
        env: { ...process.env, CCX_DATA_DIR: dataDir },
      },
    ).catch((error: unknown) => error as { code: number; stderr: string });
    expect("code" in token ? token.code : 0).toBe(1);
    expect("stderr" in token ? token.stderr : "").toContain(`is in use by process ${process.pid}`);

    await db.close();
    db = undefined;
    const third = await runOpener(dataDir);
    expect(third).toMatchObject({ code: 0, stdout: "opened\n" });
  });

  it("takes over a lock left by a process that no longer exists", async () => {
    // pid 2^22 + 1 is above Linux's pid_max default, so no live process has it.
    writeFileSync(join(dataDir, LOCK_FILE_NAME), `${2 ** 22 + 1}\n`);
    expect(await runOpener(dataDir)).toMatchObject({ code: 0, stdout: "opened\n" });
  });
});
