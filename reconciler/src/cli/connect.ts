/**
 * `ccx connect`: the OAuth authorization-code flow with a local callback. It prints the consent
 * URL, waits for Constant Contact to redirect back with a code, exchanges it, and prints the
 * refresh token to store as a stack secret. The client secret comes from the environment, never
 * from the command line (which other users of the machine can see).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { buildAuthorizeUrl, exchangeAuthorizationCode } from "../ctct/oauth.ts";

const usage = `Usage: ccx connect --client-id <id> [options]

Connects ccx to a Constant Contact account: open the printed address, approve, and ccx prints the
refresh token to store in your stack (pulumi config set --secret …).

Options:
  --client-id <id>         API key of your Constant Contact application (required)
  --port <port>            local callback port; the application must list
                           http://localhost:<port>/callback as a redirect URI (default 5555)
  --authorize-url <url>    consent page (default: Constant Contact's)
  --token-url <url>        token endpoint (default: Constant Contact's)
  --timeout <seconds>      how long to wait for the approval (default 300)
  --json                   print the result as JSON
  -h, --help               show this help

Environment:
  CTCT_CLIENT_SECRET       the application's client secret (required)

Exit codes: 0 connected, 1 refused or failed, 2 bad usage.`;

interface CallbackResult {
  code?: string;
  error?: string;
}

/** Serves `/callback` once and resolves with what Constant Contact sent back. */
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
    const ok = returned.state === state && returned.code !== undefined;
    response
      .writeHead(ok ? 200 : 400, { "content-type": "text/html; charset=utf-8" })
      .end(
        ok
          ? "<!doctype html><p>ccx is connected. You can close this tab.</p>"
          : "<!doctype html><p>ccx was not connected; see the terminal.</p>",
      );
    if (returned.state !== state)
      settle({ error: "the callback's state did not match (possible forgery); try again" });
    else if (returned.error !== undefined)
      settle({ error: `Constant Contact answered '${returned.error}'` });
    else settle({ code: returned.code ?? "" });
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
  ].filter((problem) => problem !== undefined);
  if (problems.length > 0 || clientId === undefined || clientSecret === undefined) {
    process.stderr.write(`ccx connect: ${problems.join("; ")}\n\n${usage}\n`);
    return 2;
  }

  const state = randomBytes(16).toString("base64url");
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
  } else {
    process.stdout.write(
      [
        "Connected. Store the credentials in your stack as secrets (the refresh token is shown once):",
        "",
        `  pulumi config set clientId ${clientId}`,
        '  pulumi config set --secret clientSecret "$CTCT_CLIENT_SECRET"',
        `  pulumi config set --secret refreshToken ${grant.refreshToken}`,
        "",
      ].join("\n"),
    );
  }
  return 0;
}
