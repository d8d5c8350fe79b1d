/**
 * `ccx connect` against the emulator's consent page: the command prints the consent address, a
 * person approves, Constant Contact redirects to the local callback, and the command prints a
 * refresh token that works.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { refreshAccessToken } from "../../reconciler/src/ctct/oauth.ts";
import { repoRoot } from "../support/pulumi-cli.ts";

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** Runs `ccx connect`, plays the person at the consent page, and returns the command's result. */
async function connect(
  emulator: Emulator,
  app: { clientId: string; clientSecret: string },
  port: number,
  decision: "allow" | "deny",
  options: { args?: string[]; beforeApproval?: (consentUrl: URL) => Promise<void> } = {},
) {
  const child = spawn(
    process.execPath,
    [
      "bin/ccx.js",
      "connect",
      "--client-id",
      app.clientId,
      "--port",
      String(port),
      "--authorize-url",
      emulator.authorizeUrl,
      "--token-url",
      emulator.tokenUrl,
      "--timeout",
      "60",
      ...(options.args ?? ["--json"]),
    ],
    { cwd: repoRoot, env: { ...process.env, CTCT_CLIENT_SECRET: app.clientSecret } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const consentUrl = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /(http:\/\/\S+\/authorize\?\S+)/.exec(stderr);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("exit", () => reject(new Error(`ccx connect exited early: ${stderr}`)));
  });

  await options.beforeApproval?.(new URL(consentUrl));
  // The person: open the consent page and press a button.
  const page = await fetch(consentUrl);
  expect(page.status).toBe(200);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(match[1] ?? "", (match[2] ?? "").replaceAll("&amp;", "&"));
  }
  form.set("decision", decision);
  const approval = await fetch(new URL("/oauth2/default/v1/authorize", emulator.url), {
    method: "POST",
    body: form,
    redirect: "manual",
  });
  expect(approval.status).toBe(302);
  // The browser follows the redirect to the local callback.
  await fetch(approval.headers.get("location") ?? "");

  const [exitCode] = (await once(child, "exit")) as [number];
  return { exitCode, stdout, stderr, consentUrl: new URL(consentUrl) };
}

describe("ccx connect", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ activityTiming: "instant" });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it("prints a refresh token that Constant Contact accepts", async () => {
    const port = await freePort();
    const app = emulator.createApp({ redirectUris: [`http://localhost:${port}/callback`] });
    const result = await connect(emulator, app, port, "allow");

    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.stdout) as { clientId: string; refreshToken: string };
    expect(printed.clientId).toBe(app.clientId);
    // PKCE: the consent request carried an S256 challenge, and the emulator, which checks the
    // verifier strictly, issued the token.
    expect(result.consentUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(result.consentUrl.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The printed token is real: the token endpoint grants an access token for it (a second
    // later: the token endpoint allows about one request per second and client).
    emulator.clock.advance(1_100);
    const grant = await refreshAccessToken(
      { ...app, tokenUrl: emulator.tokenUrl },
      printed.refreshToken,
    );
    expect(grant.accessToken).not.toBe("");
    // The client secret never appears in the output.
    expect(result.stdout + result.stderr).not.toContain(app.clientSecret);
  });

  it("writes the refresh token to a private file and prints commands that read it from there", async () => {
    const port = await freePort();
    const app = emulator.createApp({ redirectUris: [`http://localhost:${port}/callback`] });
    const folder = await mkdtemp(join(tmpdir(), "ccx-connect-test-"));
    try {
      const tokenFile = join(folder, "token");
      const result = await connect(emulator, app, port, "allow", {
        args: ["--token-file", tokenFile],
      });
      expect(result.exitCode).toBe(0);
      const token = await readFile(tokenFile, "utf8");
      expect(token.length).toBeGreaterThan(20);
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      // Neither the token nor the client secret is printed: the commands read them from the
      // file and from standard input.
      expect(result.stdout + result.stderr).not.toContain(token);
      expect(result.stdout + result.stderr).not.toContain(app.clientSecret);
      expect(result.stdout).toContain(`pulumi config set --secret -- refreshToken < ${tokenFile}`);
      expect(result.stdout).toContain(
        'printf "%s" "$CTCT_CLIENT_SECRET" | pulumi config set --secret -- clientSecret',
      );
      // Every printed pulumi command ends its flags with `--`: a value starting with `-` stays a
      // value.
      const commands = result.stdout.split("\n").filter((line) => line.includes("pulumi config"));
      expect(commands).toHaveLength(3);
      for (const line of commands) expect(line).toMatch(/pulumi config set (--secret )?-- /);
      emulator.clock.advance(1_100);
      const grant = await refreshAccessToken({ ...app, tokenUrl: emulator.tokenUrl }, token);
      expect(grant.accessToken).not.toBe("");
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("ignores a callback with another state and finishes with the real one", async () => {
    const port = await freePort();
    const app = emulator.createApp({ redirectUris: [`http://localhost:${port}/callback`] });
    const result = await connect(emulator, app, port, "allow", {
      beforeApproval: async (consentUrl) => {
        const state = consentUrl.searchParams.get("state") ?? "";
        for (const query of [
          `code=forged&state=${encodeURIComponent(`${state}x`)}`,
          "error=access_denied&state=other",
          "code=forged",
        ]) {
          const forged = await fetch(`http://localhost:${port}/callback?${query}`);
          expect(forged.status).toBe(400);
          expect(await forged.text()).toContain("ignored");
        }
      },
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ clientId: app.clientId });
  });

  it("refuses plain http consent and token endpoints on other hosts, with exit code 2", async () => {
    const child = spawn(
      process.execPath,
      ["bin/ccx.js", "connect", "--client-id", "x", "--token-url", "http://authz.example.com/t"],
      { cwd: repoRoot, env: { ...process.env, CTCT_CLIENT_SECRET: "s" } },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [exitCode] = (await once(child, "exit")) as [number];
    expect(exitCode).toBe(2);
    expect(stderr).toContain("--token-url must use https://");
  });

  it("fails with exit code 1 and a reason when the person denies access", async () => {
    const port = await freePort();
    const app = emulator.createApp({ redirectUris: [`http://localhost:${port}/callback`] });
    const result = await connect(emulator, app, port, "deny");

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("access_denied");
    expect(result.stdout).toBe("");
  });

  it("refuses to start without the client secret, with exit code 2", async () => {
    const child = spawn(process.execPath, ["bin/ccx.js", "connect", "--client-id", "x"], {
      cwd: repoRoot,
      env: { ...process.env, CTCT_CLIENT_SECRET: "" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [exitCode] = (await once(child, "exit")) as [number];
    expect(exitCode).toBe(2);
    expect(stderr).toContain("CTCT_CLIENT_SECRET");
  });
});
