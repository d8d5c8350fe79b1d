/**
 * Sends one Constant Contact `/v3` call the way CONTRACT §2–§5 require: paced by the app key's
 * limiter, with a fresh bearer token, one refresh-and-retry after a 401, backoff on 429
 * `throttled`, 5xx and dropped connections, a clean stop on `quota_exceeded`, and no blind
 * re-POST of an activity after an ambiguous failure. Counts every attempt per operation.
 */
import type { Readable } from "node:stream";
import { Agent, request } from "undici";
import type { Dispatcher } from "undici";
import type { z } from "zod";
import { DEFAULT_API_BASE_URL, apiUrl, resolveHref } from "./endpoints.ts";
import { CtctApiError, CtctQuotaExceededError, errorFromResponse } from "./errors.ts";
import { headerValue } from "./oauth.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { backoffDelay, decideRetry, resolveRetryPolicy } from "./retry-policy.ts";
import type { AttemptFailure, RetryPolicy, RetryPolicyOptions } from "./retry-policy.ts";
import type { TokenRefresher } from "./token-refresher.ts";
import { describeTransportError, isTimeoutError, isTransportError } from "./transport-errors.ts";

/** Options of {@link ApiTransport}. */
export interface ApiTransportOptions {
  /** @default DEFAULT_API_BASE_URL (`https://api.cc.email/v3`) */
  apiBaseUrl?: string | undefined;
  tokens: TokenRefresher;
  limiter: RateLimiter;
  /** @default resolveRetryPolicy() */
  retryPolicy?: RetryPolicyOptions | undefined;
  /** Time to wait for response headers, and between body chunks, in ms. @default 60_000 */
  timeoutMs?: number | undefined;
  /** @default an undici `Agent` with keep-alive, closed by {@link ApiTransport.close} */
  dispatcher?: Dispatcher | undefined;
  /** @default a `setTimeout` promise */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** [0, 1) source for jitter. @default Math.random */
  random?: (() => number) | undefined;
}

/** One call. Give either `path` (below the API base) or `href` (a `_links` value). */
export interface ApiRequest {
  /** Name used for counting and in errors, e.g. `"contacts_json_import"`. */
  operation: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  path?: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  href?: string;
  /** JSON body; a string or UTF-8 bytes are sent as they are (import bodies come serialised). */
  body?: string | Uint8Array | object;
  /**
   * For POSTs: after an ambiguous failure (5xx, reset, timeout) the request may have taken
   * effect. This looks for that effect and returns the response body it stands for, or undefined
   * to send again (CONTRACT §2.2 "POSTs are not idempotent"). Without it a POST is not retried
   * after an ambiguous failure.
   */
  recover?: () => Promise<unknown>;
}

/** A successful response with its JSON body. */
export interface ApiResponse {
  status: number;
  json: unknown;
  requestId: string | undefined;
  /** True when the body came from `recover` rather than from this request's response. */
  recovered: boolean;
}

const REQUEST_ID_HEADERS = ["x-request-id", "x-ctct-request-id", "x-correlation-id", "request-id"];

/** The HTTP layer shared by the operation modules. */
export class ApiTransport {
  readonly apiBaseUrl: string;
  readonly limiter: RateLimiter;
  readonly tokens: TokenRefresher;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly counts = new Map<string, number>();
  private clockOffsetMs: number | undefined;

  constructor(options: ApiTransportOptions) {
    this.apiBaseUrl = (options.apiBaseUrl ?? DEFAULT_API_BASE_URL).replace(/\/+$/, "");
    this.limiter = options.limiter;
    this.tokens = options.tokens;
    this.policy = resolveRetryPolicy(options.retryPolicy);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000 });
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /** Requests sent per operation, retries included (each one counts against the quota). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Sends `call` and returns its JSON body (undefined for an empty body). */
  async send(call: ApiRequest): Promise<ApiResponse> {
    const outcome = await this.execute(call);
    if ("recovered" in outcome) {
      return { status: 201, json: outcome.recovered, requestId: undefined, recovered: true };
    }
    const text = await outcome.response.body.text();
    let json: unknown;
    try {
      json = text.length === 0 ? undefined : JSON.parse(text);
    } catch (error) {
      throw new CtctApiError(
        "CTCT_UNEXPECTED_RESPONSE",
        `Constant Contact ${call.operation} answered with a body that is not JSON`,
        {
          operation: call.operation,
          status: outcome.response.statusCode,
          requestId: outcome.requestId,
        },
        { cause: error },
      );
    }
    return {
      status: outcome.response.statusCode,
      json,
      requestId: outcome.requestId,
      recovered: false,
    };
  }

  /** Sends a GET and returns the response body as a stream (for exported CSV files). */
  async stream(call: ApiRequest): Promise<Readable> {
    const outcome = await this.execute(call);
    if ("recovered" in outcome) {
      throw new CtctApiError("CTCT_UNEXPECTED_RESPONSE", `cannot stream ${call.operation}`);
    }
    return outcome.response.body;
  }

  /** Validates a response body; a mismatch says which fields, never their values. */
  parse<T>(schema: z.ZodType<T>, response: ApiResponse, operation: string): T {
    const parsed = schema.safeParse(response.json);
    if (parsed.success) return parsed.data;
    throw new CtctApiError(
      "CTCT_UNEXPECTED_RESPONSE",
      `Constant Contact ${operation} answered with an unexpected shape (` +
        parsed.error.issues
          .slice(0, 5)
          .map((issue) => `${issue.path.join(".") || "body"}: ${issue.code}`)
          .join(", ") +
        ")",
      { operation, status: response.status, requestId: response.requestId },
    );
  }

  /**
   * The service's clock minus ours, in ms, from the `Date` header of the latest response
   * (1 s resolution); undefined before the first response.
   */
  serverClockOffsetMs(): number | undefined {
    return this.clockOffsetMs;
  }

  /** Closes the connections this transport opened. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async execute(
    call: ApiRequest,
  ): Promise<
    { response: Dispatcher.ResponseData; requestId: string | undefined } | { recovered: unknown }
  > {
    const url =
      call.href !== undefined
        ? resolveHref(this.apiBaseUrl, call.href)
        : apiUrl(this.apiBaseUrl, call.path ?? "/", call.query);
    const body =
      call.body === undefined
        ? undefined
        : typeof call.body === "string" || call.body instanceof Uint8Array
          ? call.body
          : JSON.stringify(call.body);
    const idempotent = call.method !== "POST";
    let refreshedAfter401 = false;
    let retries = 0;

    for (;;) {
      // Token first: a connection that needs re-authorisation spends no budget.
      const accessToken = await this.tokens.accessToken();
      await this.limiter.acquire();
      this.counts.set(call.operation, (this.counts.get(call.operation) ?? 0) + 1);

      let failure: AttemptFailure;
      let lastError: CtctApiError;
      let timedOut = false;
      try {
        const response = await request(url, {
          dispatcher: this.dispatcher,
          method: call.method,
          headers: {
            authorization: `Bearer ${accessToken}`,
            accept: "application/json",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body }),
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
        const requestId = findRequestId(response.headers);
        const serverDate = Date.parse(headerValue(response.headers, "date") ?? "");
        if (Number.isFinite(serverDate)) this.clockOffsetMs = serverDate - Date.now();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          return { response, requestId };
        }
        const text = await response.body.text().catch(() => "");
        lastError = errorFromResponse(call.operation, response.statusCode, text, requestId);
        failure = { kind: "status", status: response.statusCode, errorKey: lastError.errorKey };
      } catch (error) {
        if (!isTransportError(error)) throw error;
        lastError = new CtctApiError(
          "CTCT_NETWORK_ERROR",
          `Constant Contact ${call.operation} failed: ${describeTransportError(error)} ` +
            "(connection lost or timed out); retries were exhausted, try again later",
          { operation: call.operation },
          { cause: error, retryable: true },
        );
        failure = { kind: "transport" };
        timedOut = isTimeoutError(error);
      }

      const decision = decideRetry(failure, idempotent);
      switch (decision) {
        case "refresh-and-retry":
          // CONTRACT §3: on 401, refresh and retry once.
          if (refreshedAfter401) throw lastError;
          refreshedAfter401 = true;
          await this.tokens.accessTokenAfterUnauthorized(accessToken);
          continue;
        case "quota-exceeded":
          // Someone else may share the key: stop everyone in this process until 00:00 UTC.
          this.limiter.markExhausted();
          throw new CtctQuotaExceededError(
            this.limiter.resetsAt(),
            {
              operation: call.operation,
              status: lastError.status,
              errorKey: lastError.errorKey,
              requestId: lastError.requestId,
            },
            { cause: lastError },
          );
        case "fail":
          throw lastError;
        case "retry":
        case "recover-then-retry": {
          if (decision === "recover-then-retry" && call.recover === undefined) throw lastError;
          if (retries >= this.policy.maxRetries) throw lastError;
          let delay = backoffDelay(this.policy, retries, this.random);
          // A POST that timed out may still be running on the service: give it twice as long
          // again before looking for its effect, or the check can miss it and duplicate it.
          if (decision === "recover-then-retry" && timedOut)
            delay = Math.max(delay, 2 * this.timeoutMs);
          await this.sleep(delay);
          retries += 1;
          if (decision === "recover-then-retry" && call.recover !== undefined) {
            const recovered = await call.recover();
            if (recovered !== undefined) return { recovered };
          }
        }
      }
    }
  }
}

function findRequestId(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headerValue(headers, name);
    if (value !== undefined && value.length > 0) return value.slice(0, 100);
  }
  return undefined;
}
