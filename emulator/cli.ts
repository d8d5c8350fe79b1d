/**
 * `ccx emulator`: runs the Constant Contact V3 emulator until SIGINT/SIGTERM, pre-seeded with an
 * app, an account and ready tokens so scripts can skip the OAuth dance.
 */
import { parseArgs } from "node:util";
import { startEmulator } from "./index.ts";

const usage = `Usage: ccx emulator [options]

Runs a local Constant Contact V3 emulator (API under /v3, OAuth under /oauth2/default/v1) and
prints its base URL and a ready access token. Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.

Options:
  --port <n>                 TCP port (0 = any free port)            [default: 8911]
  --host <addr>              interface to listen on                  [default: 127.0.0.1]
  --client-id <id>           pre-seeded app client id                [default: random UUID]
  --client-secret <secret>   pre-seeded app client secret            [default: random]
  --redirect-uri <uri>       allowed redirect URI (repeatable)       [default: http://localhost/callback]
  --refresh-token-mode <m>   rotating | long-lived                   [default: rotating]
  --account-id <id>          pre-seeded account id                   [default: random]
  --account-name <name>      organization name                       [default: Emulated account]
  --account-email <email>    account contact email                   [default: owner@example.com]
  --access-token <token>     use this value as the ready access token
  --refresh-token <token>    use this value as the ready refresh token
  --scopes <list>            space-separated scopes of the ready tokens
                                                                     [default: contact_data offline_access account_read]
  --activity-timing <t>      realistic | instant                     [default: realistic]
  --no-rate-limits           disable the 4/s and 10,000/day limits
  --daily-budget <n>         calls left today for the seeded client, then quota_exceeded
  --items-per-second <n>     activity processing speed (fault: slow processing)

Faults, the virtual clock and inspection of a running emulator are reachable over HTTP under
/_emulator (see docs/emulator.md), e.g.
  curl -X POST -d '["GET /v3/contacts", {"calls": 2}]' <url>/_emulator/faults/serverErrors
  --json                     print the connection facts as one JSON line
  -h, --help                 show this help
`;

/** Connection facts printed at start-up. */
export interface EmulatorConnection {
  url: string;
  apiBaseUrl: string;
  tokenUrl: string;
  authorizeUrl: string;
  clientId: string;
  clientSecret: string;
  accountId: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Runs `ccx emulator` with `argv` (the arguments after `emulator`) and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowNegative: true,
      options: {
        port: { type: "string", default: "8911" },
        host: { type: "string", default: "127.0.0.1" },
        "client-id": { type: "string" },
        "client-secret": { type: "string" },
        "redirect-uri": { type: "string", multiple: true },
        "refresh-token-mode": { type: "string", default: "rotating" },
        "account-id": { type: "string" },
        "account-name": { type: "string" },
        "account-email": { type: "string" },
        "access-token": { type: "string" },
        "refresh-token": { type: "string" },
        scopes: { type: "string", default: "contact_data offline_access account_read" },
        "activity-timing": { type: "string", default: "realistic" },
        "rate-limits": { type: "boolean", default: true },
        "daily-budget": { type: "string" },
        "items-per-second": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`ccx emulator: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const port = Number(values.port);
  const mode = values["refresh-token-mode"];
  const timing = values["activity-timing"];
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    return fail(`--port must be 0–65535, got ${values.port}`);
  if (mode !== "rotating" && mode !== "long-lived")
    return fail(`--refresh-token-mode must be rotating or long-lived, got ${mode}`);
  const budget = values["daily-budget"] === undefined ? undefined : Number(values["daily-budget"]);
  const speed =
    values["items-per-second"] === undefined ? undefined : Number(values["items-per-second"]);
  if (budget !== undefined && !(Number.isInteger(budget) && budget >= 0))
    return fail("--daily-budget must be a whole number ≥ 0");
  if (speed !== undefined && !(speed > 0))
    return fail("--items-per-second must be a positive number");
  if (timing !== "realistic" && timing !== "instant")
    return fail(`--activity-timing must be realistic or instant, got ${timing}`);

  let emulator;
  try {
    emulator = await startEmulator({
      host: values.host,
      port,
      activityTiming: timing,
      rateLimits: values["rate-limits"],
    });
  } catch (error) {
    return fail(`could not listen on ${values.host}:${port}: ${(error as Error).message}`);
  }
  const app = emulator.createApp({
    refreshTokenMode: mode,
    ...(values["client-id"] === undefined ? {} : { clientId: values["client-id"] }),
    ...(values["client-secret"] === undefined ? {} : { clientSecret: values["client-secret"] }),
    ...(values["redirect-uri"] === undefined ? {} : { redirectUris: values["redirect-uri"] }),
  });
  const { accountId } = emulator.createAccount({
    ...(values["account-id"] === undefined ? {} : { accountId: values["account-id"] }),
    ...(values["account-name"] === undefined ? {} : { organizationName: values["account-name"] }),
    ...(values["account-email"] === undefined ? {} : { contactEmail: values["account-email"] }),
  });
  const tokens = emulator.issueTokens(app.clientId, accountId, {
    scopes: values.scopes.split(/\s+/).filter((scope) => scope !== ""),
    ...(values["access-token"] === undefined ? {} : { accessToken: values["access-token"] }),
    ...(values["refresh-token"] === undefined ? {} : { refreshToken: values["refresh-token"] }),
  });
  if (budget !== undefined) emulator.faults.setDailyBudget(app.clientId, budget);
  if (speed !== undefined) emulator.faults.processingSpeed(speed);
  const connection: EmulatorConnection = {
    url: emulator.url,
    apiBaseUrl: emulator.apiBaseUrl,
    tokenUrl: emulator.tokenUrl,
    authorizeUrl: emulator.authorizeUrl,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    accountId,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: tokens.expiresIn,
  };
  process.stdout.write(values.json ? `${JSON.stringify(connection)}\n` : describe(connection));

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await emulator.close();
  if (!values.json) process.stdout.write("emulator stopped\n");
  return 0;
}

function describe(connection: EmulatorConnection): string {
  return [
    `Constant Contact emulator listening on ${connection.url}`,
    `  API base URL   ${connection.apiBaseUrl}`,
    `  token URL      ${connection.tokenUrl}`,
    `  authorize URL  ${connection.authorizeUrl}`,
    `  client id      ${connection.clientId}`,
    `  client secret  ${connection.clientSecret}`,
    `  account id     ${connection.accountId}`,
    `  access token   ${connection.accessToken}`,
    `  refresh token  ${connection.refreshToken}`,
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}

function fail(message: string): number {
  process.stderr.write(`ccx emulator: ${message}\n`);
  return 2;
}
