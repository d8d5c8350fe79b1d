/**
 * Errors of the Constant Contact client. All extend {@link AppError} with a stable `code`. They
 * carry the HTTP status, the Constant Contact `error_key` and the request id when there is one,
 * but never a token, a client secret or anything from a request body (CONTRACT §3).
 */
import { AppError } from "../core/errors.ts";
import type { AppErrorOptions } from "../core/errors.ts";

/** Stable codes of {@link CtctApiError} and its subclasses. */
export type CtctErrorCode =
  | "CTCT_BAD_REQUEST"
  | "CTCT_UNAUTHORIZED"
  | "CTCT_FORBIDDEN"
  | "CTCT_NOT_FOUND"
  | "CTCT_CONFLICT"
  | "CTCT_UNSUPPORTED_MEDIA_TYPE"
  | "CTCT_RATE_LIMITED"
  | "CTCT_QUEUE_FULL"
  | "CTCT_QUOTA_EXCEEDED"
  | "CTCT_SERVER_ERROR"
  | "CTCT_NETWORK_ERROR"
  | "CTCT_UNEXPECTED_RESPONSE"
  | "CTCT_OAUTH_FAILED"
  | "CTCT_REAUTHORIZATION_NEEDED"
  | "CTCT_ACTIVITY_FAILED"
  | "CTCT_ACTIVITY_TIMED_OUT"
  | "CTCT_ACTIVITY_CANCELLED"
  | "CTCT_ACTIVITY_WAIT_TIMEOUT"
  | "CTCT_IMPORT_TRUNCATED"
  | "CTCT_HTTP_ERROR";

/** Facts about the failed call, all safe to log. */
export interface CtctErrorFacts {
  /** The client operation, e.g. `"contacts_json_import"`. */
  operation?: string | undefined;
  /** HTTP status, when a response arrived. */
  status?: number | undefined;
  /** Constant Contact `error_key` (or OAuth `error`), when the body had one. */
  errorKey?: string | undefined;
  /** The `x-request-id` style header of the response, when present. */
  requestId?: string | undefined;
}

/** A failed Constant Contact call. `retryable` says whether the same call may succeed later. */
export class CtctApiError extends AppError {
  readonly operation: string | undefined;
  readonly status: number | undefined;
  readonly errorKey: string | undefined;
  readonly requestId: string | undefined;

  constructor(
    code: CtctErrorCode,
    message: string,
    facts: CtctErrorFacts = {},
    options: AppErrorOptions = {},
  ) {
    super(code, message, {
      ...options,
      details: {
        ...stripUndefined({
          operation: facts.operation,
          status: facts.status,
          errorKey: facts.errorKey,
          requestId: facts.requestId,
        }),
        ...options.details,
      },
    });
    this.operation = facts.operation;
    this.status = facts.status;
    this.errorKey = facts.errorKey;
    this.requestId = facts.requestId;
  }
}

/**
 * The daily request budget of the application key is spent (CONTRACT §2.1), either by our own
 * count or because the service answered 429 `quota_exceeded`. Nothing more can be sent until
 * `resetsAt` (the next 00:00 UTC).
 */
export class CtctQuotaExceededError extends CtctApiError {
  readonly resetsAt: Date;

  constructor(resetsAt: Date, facts: CtctErrorFacts = {}, options: AppErrorOptions = {}) {
    super(
      "CTCT_QUOTA_EXCEEDED",
      `the daily Constant Contact request budget of this application key is spent; ` +
        `work can resume after ${resetsAt.toISOString()} (00:00 UTC)`,
      facts,
      { ...options, retryable: true, details: { resetsAt: resetsAt.toISOString() } },
    );
    this.resetsAt = resetsAt;
  }
}

/** The refresh token was rejected: a person has to connect the account again (CONTRACT §5). */
export class CtctReauthorizationNeededError extends CtctApiError {
  constructor(facts: CtctErrorFacts = {}, options: AppErrorOptions = {}) {
    super(
      "CTCT_REAUTHORIZATION_NEEDED",
      "the refresh token was rejected; run `ccx connect` and update the connection",
      facts,
      { ...options, retryable: false },
    );
  }
}

/** Final activity states other than `completed` (CONTRACT §2.2). */
export type UnsuccessfulActivityState = "failed" | "timed_out" | "cancelled";

/** An activity ended `failed`, `timed_out` or `cancelled`; `activityErrors` says why. */
export class CtctActivityError extends CtctApiError {
  readonly activityId: string;
  readonly state: UnsuccessfulActivityState;
  readonly activityErrors: readonly string[];

  constructor(
    activityId: string,
    state: UnsuccessfulActivityState,
    activityErrors: readonly string[],
    facts: CtctErrorFacts = {},
  ) {
    const code: CtctErrorCode =
      state === "failed"
        ? "CTCT_ACTIVITY_FAILED"
        : state === "timed_out"
          ? "CTCT_ACTIVITY_TIMED_OUT"
          : "CTCT_ACTIVITY_CANCELLED";
    super(
      code,
      `Constant Contact activity ${activityId} ended "${state}"` +
        (activityErrors.length > 0
          ? ` with ${activityErrors.length} error(s): ${activityErrors.slice(0, 3).map(redactPersonalData).join("; ")}`
          : "") +
        "; re-read the affected lists before trying again (CONTRACT §2.2)",
      facts,
      {
        retryable: state !== "failed",
        details: { activityId, state, activityErrors: activityErrors.map(redactPersonalData) },
      },
    );
    this.activityId = activityId;
    this.state = state;
    this.activityErrors = activityErrors.map(redactPersonalData);
  }
}

/** Constant Contact did not finish an activity within the client's wait timeout. */
export class CtctActivityWaitTimeoutError extends CtctApiError {
  readonly activityId: string;

  constructor(activityId: string, lastState: string, timeoutMs: number) {
    super(
      "CTCT_ACTIVITY_WAIT_TIMEOUT",
      `Constant Contact activity ${activityId} was still "${lastState}" after ${timeoutMs} ms; ` +
        "wait longer or check it later with its activity id",
      {},
      { retryable: true, details: { activityId, lastState, timeoutMs } },
    );
    this.activityId = activityId;
  }
}

/**
 * The service kept fewer contacts than were sent: the body crossed the silent truncation limit
 * (CONTRACT §2.3). The chunker should prevent this; if it happens the byte limit is too high.
 */
export class CtctImportTruncatedError extends CtctApiError {
  constructor(activityId: string, sent: number, kept: number) {
    super(
      "CTCT_IMPORT_TRUNCATED",
      `Constant Contact kept ${kept} of ${sent} contacts of import activity ${activityId}; ` +
        "the request body was probably truncated: lower the import byte limit and run again",
      {},
      { retryable: false, details: { activityId, sent, kept } },
    );
  }
}

/** One `{error_key, error_message}` pair of an error body. */
export interface CtctErrorEntry {
  errorKey: string | undefined;
  errorMessage: string | undefined;
}

/**
 * Reads a Constant Contact error body. Most errors are arrays of `{error_key, error_message}`,
 * 401 and 429 are single objects, the token endpoint answers `{error, error_description}`
 * (CONTRACT §3, §7.12), and a failing proxy may answer HTML or nothing: every shape yields a
 * (possibly empty) list and never throws.
 */
export function parseErrorBody(text: string): CtctErrorEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const entries: CtctErrorEntry[] = [];
  for (const item of items) {
    if (typeof item !== "object" || item === null) continue;
    const record = item as Record<string, unknown>;
    const errorKey = stringField(record, "error_key") ?? stringField(record, "error");
    const errorMessage =
      stringField(record, "error_message") ?? stringField(record, "error_description");
    if (errorKey !== undefined || errorMessage !== undefined)
      entries.push({ errorKey, errorMessage });
  }
  return entries;
}

/** Replaces anything that looks like an e-mail address, so server messages stay shareable. */
export function redactPersonalData(message: string): string {
  return message.replace(/[^\s,;:<>()[\]"']+@[^\s,;:<>()[\]"']+/g, "<email>");
}

/** The stable code for an HTTP error status and error key (CONTRACT §3: branch on status). */
export function codeForStatus(status: number, errorKey: string | undefined): CtctErrorCode {
  if (status === 429) {
    if (errorKey === "quota_exceeded") return "CTCT_QUOTA_EXCEEDED";
    if (errorKey === "too_many_queued_activities") return "CTCT_QUEUE_FULL";
    return "CTCT_RATE_LIMITED";
  }
  if (status >= 500) return "CTCT_SERVER_ERROR";
  switch (status) {
    case 400:
      return "CTCT_BAD_REQUEST";
    case 401:
      return "CTCT_UNAUTHORIZED";
    case 403:
      return "CTCT_FORBIDDEN";
    case 404:
      return "CTCT_NOT_FOUND";
    case 409:
      return "CTCT_CONFLICT";
    case 415:
      return "CTCT_UNSUPPORTED_MEDIA_TYPE";
    default:
      return "CTCT_HTTP_ERROR";
  }
}

const NEXT_STEP: Partial<Record<CtctErrorCode, string>> = {
  CTCT_BAD_REQUEST: "the request was rejected as invalid; fix the input, retrying will not help",
  CTCT_UNAUTHORIZED: "the access token was refused even after a refresh; reconnect the account",
  CTCT_FORBIDDEN:
    "missing scope or user privilege, or the application is deactivated; check the app and run `ccx connect` again",
  CTCT_NOT_FOUND: "the object does not exist in this Constant Contact account",
  CTCT_CONFLICT: "the object already exists (names must be unique)",
  CTCT_RATE_LIMITED: "too many requests per second; retries were exhausted, try again later",
  CTCT_QUEUE_FULL: "the account has too many queued activities; try again when they finish",
  CTCT_SERVER_ERROR: "Constant Contact failed; retries were exhausted, try again later",
};

/**
 * Builds the error for a non-2xx response. The message holds the status, the error keys and the
 * server's messages with e-mail addresses redacted; never the request body.
 */
export function errorFromResponse(
  operation: string,
  status: number,
  bodyText: string,
  requestId: string | undefined,
): CtctApiError {
  const entries = parseErrorBody(bodyText);
  const errorKey = entries[0]?.errorKey;
  const code = codeForStatus(status, errorKey);
  const serverSays = entries
    .map((entry) => [entry.errorKey, entry.errorMessage].filter(Boolean).join(": "))
    .filter((text) => text.length > 0)
    .slice(0, 5)
    .map((text) => redactPersonalData(text.slice(0, 300)))
    .join("; ");
  const message =
    `Constant Contact ${operation} failed with HTTP ${status}` +
    (serverSays ? ` (${serverSays})` : "") +
    `; ${NEXT_STEP[code] ?? "see the status and error key"}` +
    (requestId ? ` [request id ${requestId}]` : "");
  return new CtctApiError(
    code,
    message,
    { operation, status, errorKey, requestId },
    {
      retryable: code === "CTCT_RATE_LIMITED" || code === "CTCT_QUEUE_FULL" || status >= 500,
    },
  );
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" ? value : undefined;
}

function stripUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
