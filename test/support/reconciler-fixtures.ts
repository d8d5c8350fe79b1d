/**
 * Shared pieces of the reconciler tests: a small in-process {@link ConnectionVerifier} that
 * behaves like Constant Contact's refresh grant (rotating refresh tokens, rejected unknown
 * tokens), request bodies, and a log sink.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { request } from "undici";
import type { Emulator } from "../../emulator/index.ts";
import type {
  ConnectionVerifier,
  ConstantContactCredentials,
  VerifiedAccount,
} from "../../reconciler/src/core/connection-verifier.ts";
import { AppError } from "../../reconciler/src/core/errors.ts";

interface Grant {
  clientId: string;
  clientSecret: string;
  accountId: string;
  organizationName: string;
}

/**
 * Accounts behind refresh tokens. Each successful verification spends the token and issues a
 * new one, as Constant Contact's rotating refresh tokens do.
 */
export class RotatingTokenVerifier implements ConnectionVerifier {
  readonly #grants = new Map<string, Grant>();
  /** Every refresh token issued, so tests can scan for them. */
  readonly issued: string[] = [];
  verifications = 0;

  /** Issues a refresh token for an account. */
  issue(grant: Grant): string {
    const token = `rt_${randomBytes(24).toString("hex")}`;
    this.#grants.set(token, grant);
    this.issued.push(token);
    return token;
  }

  verify(credentials: ConstantContactCredentials): Promise<VerifiedAccount> {
    this.verifications += 1;
    const grant = this.#grants.get(credentials.refreshToken);
    if (
      grant === undefined ||
      grant.clientId !== credentials.clientId ||
      grant.clientSecret !== credentials.clientSecret
    ) {
      return Promise.reject(
        new AppError("CTCT_OAUTH_FAILED", "the token endpoint answered HTTP 400 invalid_grant"),
      );
    }
    this.#grants.delete(credentials.refreshToken);
    const rotatedRefreshToken = this.issue(grant);
    return Promise.resolve({
      accountId: grant.accountId,
      organizationName: grant.organizationName,
      rotatedRefreshToken,
    });
  }
}

/** Collects every log line written to it. */
export class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(chunk.toString("utf8"));
    callback();
  }
  text(): string {
    return this.lines.join("");
  }
}

/** A valid connection body. */
export function connectionBody(
  credentials: { clientId: string; clientSecret: string; refreshToken: string },
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    displayName: "Newsletter EU",
    sharing: "contributors",
    consent: { accepted: true, statementVersion: "2026-01", acceptedBy: "ada@example.com" },
    credentials,
    exportUser: "ada@example.com",
    ...overrides,
  };
}

/** A valid body of a files source at `path`. */
export function filesSourceBody(
  path: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return { type: "files", sharing: "contributors", path, ...overrides };
}

/** A valid export body (on the source `segments`, unless overridden). */
export function exportBody(
  connection: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    connection,
    listId: "6f1c5b7e-3c2a-4e0b-9a55-0a3c2b1d4e5f",
    mappings: { email: "email", firstName: "first_name" },
    segments: ["high-value"],
    source: "segments",
    schedule: { cron: "0 3 * * *", timeZone: "Europe/Berlin" },
    ...overrides,
  };
}

/**
 * A parsed API response body as tests read it. Only the fields of the response at hand are
 * present at run time; the others are undefined.
 */
export interface ApiJson {
  [key: string]: unknown;
  error: {
    code: string;
    message: string;
    details: Record<string, unknown> & {
      issues: Array<{ path: string; message: string }>;
      exports: string[];
    };
  };
  items: Array<
    Record<string, unknown> & { name: string; id: string; consent: { statementVersion: string } }
  >;
  id: string;
  name: string;
  generation: number;
  attached: boolean;
  definitionHash: string;
  refreshTokenFingerprint: string;
  consent: { acceptedAt: string };
  finishedAt: string | null;
  openapi: string;
  paths: Record<string, Record<string, { responses?: object }>>;
}

/** Parses a response body for {@link ApiJson} access (undefined when empty or not JSON). */
export function parseApiJson(text: string): ApiJson {
  return (text.startsWith("{") ? JSON.parse(text) : undefined) as ApiJson;
}

/** Options of {@link apiCaller}. */
export interface ApiCallerOptions {
  /** Sees every response body (e.g. to scan them all for secrets). */
  observe?: (text: string) => void;
}

/**
 * Calls the reconciler at `baseUrl` with `token` (either may be a function, for a reconciler that
 * restarts on another port or a token created later), answering the status and the parsed body.
 */
export function apiCaller(
  baseUrl: string | (() => string),
  token: string | (() => string),
  options: ApiCallerOptions = {},
) {
  return async function call<T = ApiJson>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: T }> {
    const base = typeof baseUrl === "string" ? baseUrl : baseUrl();
    const bearer = typeof token === "string" ? token : token();
    const response = await request(`${base}${path}`, {
      method: method as "GET",
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.body.text();
    options.observe?.(text);
    return { status: response.statusCode, json: parseApiJson(text) as unknown as T };
  };
}

export type ApiCall = ReturnType<typeof apiCaller>;

/** Credentials as `ccx connect` hands them over: the OAuth app's and a fresh refresh token. */
export interface EmulatorCredentials {
  accountId: string;
  credentials: { clientId: string; clientSecret: string; refreshToken: string };
}

/**
 * A new Constant Contact app and account in the emulator, with a refresh token issued for them;
 * the app's secret and the token are added to `secrets` for the suites' leak scans.
 */
export function newEmulatorCredentials(
  emulator: Pick<Emulator, "createApp" | "createAccount" | "issueTokens">,
  organizationName: string,
  secrets: string[] = [],
): EmulatorCredentials {
  const app = emulator.createApp();
  const { accountId } = emulator.createAccount({ organizationName });
  const { refreshToken } = emulator.issueTokens(app.clientId, accountId);
  secrets.push(app.clientSecret, refreshToken);
  return {
    accountId,
    credentials: { clientId: app.clientId, clientSecret: app.clientSecret, refreshToken },
  };
}
