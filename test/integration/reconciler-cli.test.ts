/**
 * `ccx serve` and `ccx token` as a user runs them: real processes, exit codes and messages.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const cli = join(fileURLToPath(new URL("../../", import.meta.url)), "bin/ccx.js");
const dataDir = mkdtempSync(join(tmpdir(), "ccx-cli-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function ccx(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("ccx serve and ccx token", () => {
  it("print help and refuse bad arguments and bad configuration with exit code 2", async () => {
    expect(await ccx(["serve", "--help"])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("CCX_DATABASE_URL") as string,
    });
    expect((await ccx(["serve", "--nope"])).code).toBe(2);
    const badPort = await ccx(["serve"], { CCX_PORT: "not-a-port", CCX_DATA_DIR: dataDir });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain("✖");
    expect(badPort.stderr).toContain("server.port");
    const noKey = await ccx(["serve"], { CCX_DATA_DIR: dataDir });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("CCX_ENCRYPTION_KEY");
    const noRole = await ccx(["token", "create", "--name", "ci"], { CCX_DATA_DIR: dataDir });
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain("--role must be one of admin, contributor, viewer");
  });

  it("creates a token once, which `ccx serve` then accepts, and stops cleanly on SIGTERM", async () => {
    const created = await ccx(["token", "create", "--role", "viewer", "--name", "dashboards"], {
      CCX_DATA_DIR: dataDir,
    });
    expect(created.code).toBe(0);
    const token = /ccx_[A-Za-z0-9_-]{43}/.exec(created.stdout)?.[0] ?? "";
    expect(token).not.toBe("");
    const listed = await ccx(["token", "list"], { CCX_DATA_DIR: dataDir });
    expect(listed.stdout).toContain("dashboards\tviewer");
    expect(listed.stdout).not.toContain(token);

    const server = spawn(process.execPath, [cli, "serve"], {
      env: {
        ...process.env,
        CCX_DATA_DIR: dataDir,
        CCX_PORT: "0",
        CCX_LOG_LEVEL: "warn",
        CCX_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let output = "";
      server.stdout.setEncoding("utf8");
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout.on("data", (chunk: string) => {
          output += chunk;
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        server.once("exit", (code) =>
          reject(new Error(`ccx serve exited with ${code}: ${output}`)),
        );
      });
      const response = await request(`${url}/v1/exports`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(200);
      expect(await response.body.json()).toEqual({ items: [] });
    } finally {
      const exited = once(server, "exit");
      server.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    }
  });
});
