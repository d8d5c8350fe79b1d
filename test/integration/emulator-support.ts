/** Helpers for the emulator suites: start an emulator with one app, account and token; call it over HTTP. */
import { fetch } from "undici";
import { startEmulator } from "../../emulator/index.ts";
import type { Emulator, StartEmulatorOptions } from "../../emulator/index.ts";

/** A parsed HTTP response. */
export interface CallResult {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body is JSON, else the text. */
  body: unknown;
}

/** A started emulator with one app, one account and a token for it. */
export interface EmulatorFixture {
  emulator: Emulator;
  clientId: string;
  clientSecret: string;
  accountId: string;
  accessToken: string;
  refreshToken: string;
  /** Calls `/v3` + `path` with the fixture's token (or `options.token`). */
  call(
    method: string,
    path: string,
    body?: unknown,
    options?: { token?: string; contentType?: string },
  ): Promise<CallResult>;
}

/** Starts an emulator and seeds one app, one account and tokens. */
export async function startFixture(
  options: StartEmulatorOptions & {
    scopes?: string[];
    refreshTokenMode?: "rotating" | "long-lived";
  } = {},
): Promise<EmulatorFixture> {
  const emulator = await startEmulator(options);
  const { clientId, clientSecret } = emulator.createApp({
    redirectUris: ["http://localhost/callback"],
    ...(options.refreshTokenMode === undefined
      ? {}
      : { refreshTokenMode: options.refreshTokenMode }),
  });
  const { accountId } = emulator.createAccount({ organizationName: "Fixture Co" });
  const tokens = emulator.issueTokens(
    clientId,
    accountId,
    options.scopes === undefined ? {} : { scopes: options.scopes },
  );
  return {
    emulator,
    clientId,
    clientSecret,
    accountId,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    call: (method, path, body, callOptions = {}) =>
      callApi(
        emulator,
        callOptions.token ?? tokens.accessToken,
        method,
        path,
        body,
        callOptions.contentType,
      ),
  };
}

/** One HTTP call to the emulator's `/v3` API (a path starting `/v3/` is used as is). */
export async function callApi(
  emulator: Emulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<CallResult> {
  const url = path.startsWith("/v3/") ? `${emulator.url}${path}` : `${emulator.apiBaseUrl}${path}`;
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = contentType;
  const response = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return readResult(response);
}

/** Reads a fetch response into a {@link CallResult}. */
export async function readResult(response: {
  status: number;
  headers: Headers;
  text(): Promise<string>;
}): Promise<CallResult> {
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get("content-type") ?? "").includes("json") && text !== "")
    body = JSON.parse(text) as unknown;
  return { status: response.status, headers: response.headers, body };
}

/** A POST to the token endpoint with form parameters and Basic client credentials. */
export async function tokenRequest(
  emulator: Emulator,
  clientId: string,
  clientSecret: string,
  params: Record<string, string>,
): Promise<CallResult> {
  const response = await fetch(emulator.tokenUrl, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(params).toString(),
  });
  return readResult(response);
}

/** Goes through the consent page and returns the authorization code. */
export async function consent(
  emulator: Emulator,
  clientId: string,
  accountId: string,
  scope: string,
  redirectUri = "http://localhost/callback",
  /** More consent parameters, e.g. PKCE's `code_challenge` and `code_challenge_method`. */
  extra: Record<string, string> = {},
): Promise<string> {
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope,
    state: "s1",
    ...extra,
  });
  const page = await fetch(`${emulator.authorizeUrl}?${query.toString()}`);
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  await page.text();
  const form = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope,
    state: "s1",
    ...extra,
    account_id: accountId,
    decision: "allow",
  });
  const decision = await fetch(emulator.authorizeUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
  const location = new URL(decision.headers.get("location") ?? "");
  if (location.searchParams.get("state") !== "s1") throw new Error("state was not echoed");
  const code = location.searchParams.get("code");
  if (code === null) throw new Error(`no code in redirect: ${location.toString()}`);
  return code;
}

/** `n` import items with emails `prefix-<i>@example.com`. */
export function importItems(
  n: number,
  prefix = "c",
  extra: Record<string, string> = {},
): Array<Record<string, string>> {
  return Array.from({ length: n }, (_, i) => ({ email: `${prefix}-${i}@example.com`, ...extra }));
}

/** Narrows an unknown JSON body to a record. */
export function record(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new Error(`not an object: ${JSON.stringify(body)}`);
  return body as Record<string, unknown>;
}

/** The `error_key` of the first entry of an array error body. */
export function arrayErrorKey(body: unknown): string | undefined {
  if (!Array.isArray(body)) return undefined;
  const first: unknown = body[0];
  return typeof first === "object" && first !== null
    ? String((first as Record<string, unknown>).error_key)
    : undefined;
}

/** Creates a list over HTTP and returns its id. */
export async function createList(fixture: EmulatorFixture, name: string): Promise<string> {
  const result = await fixture.call("POST", "/contact_lists", { name });
  if (result.status !== 201) throw new Error(`list creation answered ${result.status}`);
  return String(record(result.body).list_id);
}

/** Imports over HTTP and returns the activity id. */
export async function startImport(
  fixture: EmulatorFixture,
  listIds: string[],
  items: Array<Record<string, unknown>>,
): Promise<string> {
  const result = await fixture.call("POST", "/activities/contacts_json_import", {
    import_data: items,
    list_ids: listIds,
  });
  if (result.status !== 201)
    throw new Error(`import answered ${result.status}: ${JSON.stringify(result.body)}`);
  return String(record(result.body).activity_id);
}

/** Reads an activity over HTTP. */
export async function getActivity(
  fixture: EmulatorFixture,
  activityId: string,
): Promise<Record<string, unknown>> {
  const result = await fixture.call("GET", `/activities/${activityId}`);
  return record(result.body);
}

/**
 * Waits for an activity to end, advancing the virtual clock by `stepMs` between polls, and returns
 * its final representation.
 */
export async function settleActivity(
  fixture: EmulatorFixture,
  activityId: string,
  stepMs = 1000,
): Promise<Record<string, unknown>> {
  for (let i = 0; i < 10_000; i += 1) {
    const activity = await getActivity(fixture, activityId);
    if (!["initialized", "processing"].includes(String(activity.state))) return activity;
    fixture.emulator.clock.advance(stepMs);
  }
  throw new Error("activity never finished");
}
