/**
 * `ccx connect`: the OAuth authorization-code flow with PKCE (S256) and a local callback. It
 * prints the consent URL, waits for Constant Contact to redirect back with a code, exchanges it
 * with the PKCE verifier, and writes the refresh token to a file that only the user may read,
 * printing the `pulumi config set` commands that read it from there. Secrets never go on a
 * command line (other users of the machine see those in `ps`, and the shell keeps them in its
 * history): the client secret comes from the environment, the refresh token from the file.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { insecureUrlProblem } from "../core/secure-url.ts";
import { buildAuthorizeUrl, createPkcePair, exchangeAuthorizationCode } from "../ctct/oauth.ts";

const usage = `Usage: ccx connect --client-id <id> [options]

Connects ccx to a Constant Contact account: open the printed address, approve, and ccx writes
the refresh token to a file only you can read, and prints the commands that store it in your
stack (pulumi config set --secret reads it from standard input).

Options:
  --client-id <id>         API key of your Constant Contact application (required)
  --port <port>            local callback port; the application must list
                           http://localhost:<port>/callback as a redirect URI (default 5555)
  --authorize-url <url>    consent page (default: Constant Contact's)
  --token-url <url>        token endpoint (default: Constant Contact's)
  --timeout <seconds>      how long to wait for the approval (default 300)
  --token-file <path>      where to write the refresh token (mode 0600; default: a new
                           private folder in the system temporary directory)
  --json                   print the result, refresh token included, as JSON on stdout
                           (for scripts; no file is written)
  -h, --help               show this help

Environment:
  CTCT_CLIENT_SECRET       the application's client secret (required)

Exit codes: 0 connected, 1 refused or failed, 2 bad usage.`;

interface CallbackResult {
  code?: string;
  error?: string;
}

/**
 * Serves `/callback` until a redirect carries our `state`, and resolves with what it brought. A
 * request with another `state` (a stale tab, a forgery) is answered and ignored: it must not end
 * the flow, or anyone who can reach the port could cancel it.
 */
function waitForCallback(
  port: number,
  state: string,
  timeoutMs: number,
): Promise<{ listening: Promise<number>; result: Promise<CallbackResult> }> {
  let settle: (result: CallbackResult) => void = () => {};
  const result = new Promise<CallbackResult>((resolve) => (settle = resolve));
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== "/callback") {
      response.writeHead(404).end();
      return;
    }
    const returned = Object.fromEntries(url.searchParams);
    if (returned.state !== state) {
      response
        .writeHead(400, { "content-type": "text/html; charset=utf-8" })
        .end("<!doctype html><p>This answer is not for the waiting ccx connect; ignored.</p>");
      return;
    }
    const ok = returned.error === undefined && returned.code !== undefined;
    response
      .writeHead(ok ? 200 : 400, { "content-type": "text/html; charset=utf-8" })
      .end(
        ok
          ? "<!doctype html><p>ccx is connected. You can close this tab.</p>"
          : "<!doctype html><p>ccx was not connected; see the terminal.</p>",
      );
    if (returned.error !== undefined)
      settle({ error: `Constant Contact answered '${returned.error}'` });
    else if (returned.code === undefined) settle({ error: "the redirect carried no code" });
    else settle({ code: returned.code });
  });
  const timer = setTimeout(
    () => settle({ error: `no approval within ${timeoutMs / 1000} s` }),
    timeoutMs,
  );
  void result.finally(() => {
    clearTimeout(timer);
    server.close();
  });
  const listening = new Promise<number>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === "EADDRINUSE"
            ? `port ${port} is busy; pass another with --port (and register it as a redirect URI)`
            : error.message,
        ),
      ),
    );
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  return Promise.resolve({ listening, result });
}

export async function run(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseArgs({
      args: argv,
      options: {
        "client-id": { type: "string" },
        port: { type: "string", default: "5555" },
        "authorize-url": { type: "string" },
        "token-url": { type: "string" },
        timeout: { type: "string", default: "300" },
        "token-file": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`ccx connect: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const clientId = options["client-id"];
  const clientSecret = process.env.CTCT_CLIENT_SECRET;
  const port = Number(options.port);
  const timeoutSeconds = Number(options.timeout);
  const problems = [
    clientId === undefined ? "--client-id is required" : undefined,
    clientSecret === undefined || clientSecret === ""
      ? "set CTCT_CLIENT_SECRET to the client secret"
      : undefined,
    Number.isInteger(port) && port > 0 && port < 65_536 ? undefined : "--port must be a TCP port",
    timeoutSeconds > 0 ? undefined : "--timeout must be a positive number of seconds",
    // The code and the client secret travel to these: https, or this machine.
    ...(["authorize-url", "token-url"] as const).map((name) => {
      const url = options[name];
      const problem = url === undefined ? undefined : insecureUrlProblem(url);
      return problem === undefined ? undefined : `--${name} ${problem}`;
    }),
  ].filter((problem) => problem !== undefined);
  if (problems.length > 0 || clientId === undefined || clientSecret === undefined) {
    process.stderr.write(`ccx connect: ${problems.join("; ")}\n\n${usage}\n`);
    return 2;
  }

  const state = randomBytes(16).toString("base64url");
  const pkce = createPkcePair();
  const redirectUri = `http://localhost:${port}/callback`;
  const { listening, result } = await waitForCallback(port, state, timeoutSeconds * 1000);
  try {
    await listening;
  } catch (error) {
    process.stderr.write(`ccx connect: ${(error as Error).message}\n`);
    return 1;
  }
  const authorizeUrl = buildAuthorizeUrl({
    clientId,
    redirectUri,
    state,
    codeChallenge: pkce.challenge,
    ...(options["authorize-url"] === undefined ? {} : { authorizeUrl: options["authorize-url"] }),
  });
  process.stderr.write(
    `Open this address in a browser and approve ccx:\n\n  ${authorizeUrl}\n\nWaiting for the redirect to ${redirectUri} …\n`,
  );

  const callback = await result;
  if (callback.error !== undefined || callback.code === undefined) {
    process.stderr.write(`ccx connect: ${callback.error ?? "no code"}\n`);
    return 1;
  }
  let grant;
  try {
    grant = await exchangeAuthorizationCode(
      {
        clientId,
        clientSecret,
        ...(options["token-url"] === undefined ? {} : { tokenUrl: options["token-url"] }),
      },
      callback.code,
      redirectUri,
      Date.now,
      pkce.verifier,
    );
  } catch (error) {
    process.stderr.write(`ccx connect: ${(error as Error).message}\n`);
    return 1;
  }
  if (grant.refreshToken === undefined) {
    process.stderr.write(
      "ccx connect: no refresh token was issued; the application must be allowed the offline_access scope\n",
    );
    return 1;
  }
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ clientId, refreshToken: grant.refreshToken, scope: grant.scope ?? null })}\n`,
    );
    return 0;
  }
  let tokenFile: string;
  try {
    tokenFile = await writeTokenFile(options["token-file"], grant.refreshToken);
  } catch (error) {
    process.stderr.write(
      `ccx connect: could not write the refresh token file: ${(error as Error).message}\n`,
    );
    return 1;
  }
  process.stdout.write(
    [
      `Connected. The refresh token is in ${tokenFile} (readable only by you).`,
      "Store the credentials in your stack as secrets; the values go through standard input,",
      "never a command line:",
      "",
      ...configCommands(clientId, tokenFile).map((command) => `  ${command}`),
      "",
      "The refresh token works once: the reconciler takes it over when the stack is applied.",
      "",
    ].join("\n"),
  );
  return 0;
}

/**
 * The shell commands that store the credentials in a stack: values on standard input (the
 * client secret from the environment, the refresh token from its file), never as arguments, and
 * `--` before each key so that nothing after it is read as a flag.
 */
export function configCommands(clientId: string, tokenFile: string): string[] {
  return [
    `pulumi config set -- clientId ${shellQuote(clientId)}`,
    'printf "%s" "$CTCT_CLIENT_SECRET" | pulumi config set --secret -- clientSecret',
    `pulumi config set --secret -- refreshToken < ${shellQuote(tokenFile)}`,
    `rm ${shellQuote(tokenFile)}`,
  ];
}

/** Writes the token to `path` (or a new private folder), readable by the user only. */
async function writeTokenFile(path: string | undefined, token: string): Promise<string> {
  const target =
    path === undefined
      ? join(await mkdtemp(join(tmpdir(), "ccx-connect-")), "refresh-token")
      : resolve(path);
  // `wx`: never overwrite (or follow a link planted at) an existing file.
  await writeFile(target, token, { mode: 0o600, flag: "wx" });
  return target;
}

/** Quotes a value for a POSIX shell, so a value with spaces, `$` or a leading `-` stays one word. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) && !value.startsWith("-")
    ? value
    : `'${value.replaceAll("'", "'\\''")}'`;
}
