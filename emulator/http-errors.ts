/**
 * The emulator's HTTP error shapes (CONTRACT §3): arrays for most statuses, objects for 401 and
 * 429, and the OAuth shape on the token endpoint. One exception type carries status and body;
 * one handler in `server.ts` turns it into a response.
 */

/** One entry of the array body most errors use. */
export interface ApiErrorEntry {
  error_key: string;
  error_message: string;
}

/** A response the emulator should send instead of continuing: status, JSON body, headers. */
export class EmulatorHttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;

  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** CONTRACT §3: array body `[{"error_key","error_message"}]`. */
export function apiError(status: number, key: string, message: string): EmulatorHttpError {
  return new EmulatorHttpError(status, [{ error_key: key, error_message: message }]);
}

/** 400 `contacts.api.validation.error` with the problems comma-joined (CONTRACT §3). */
export function validationError(problems: string[]): EmulatorHttpError {
  return apiError(400, "contacts.api.validation.error", problems.join(", "));
}

/** 404 `contacts.api.not_found`. */
export function notFound(message = "The resource was not found."): EmulatorHttpError {
  return apiError(404, "contacts.api.not_found", message);
}

/** 409 `contacts.api.conflict` (CONTRACT §3: key unconfirmed). */
export function conflict(message: string): EmulatorHttpError {
  return apiError(409, "contacts.api.conflict", message);
}

/** 403 with an array body: missing scope, missing privilege or deactivated app (CONTRACT §5). */
export function forbidden(): EmulatorHttpError {
  return apiError(
    403,
    "unauthorized",
    "This application does not have the required scope or privilege for this operation.",
  );
}

/** CONTRACT §3: 401 object body plus `WWW-Authenticate`. */
export function unauthorized(): EmulatorHttpError {
  return new EmulatorHttpError(
    401,
    { error_key: "unauthorized", error_message: "Unauthorized" },
    { "WWW-Authenticate": "Bearer realm=api.cc.email" },
  );
}

/** CONTRACT §2.1: per-second limit body, no `Retry-After`. */
export function throttled(): EmulatorHttpError {
  return new EmulatorHttpError(429, {
    error_key: "throttled",
    error_message: "Too Many Requests",
  });
}

/** CONTRACT §2.1: daily quota body. */
export function quotaExceeded(): EmulatorHttpError {
  return new EmulatorHttpError(429, {
    error_key: "quota_exceeded",
    error_message: "Limit Exceeded",
  });
}

/** CONTRACT §3: queue full (emulator-defined key, unconfirmed). */
export function tooManyQueuedActivities(): EmulatorHttpError {
  return new EmulatorHttpError(429, {
    error_key: "too_many_queued_activities",
    error_message: "Too many activities are queued for this account; retry later.",
  });
}

/** CONTRACT §3: the token endpoint's `{"error","error_description"}` shape. */
export function oauthError(status: number, error: string, description: string): EmulatorHttpError {
  return new EmulatorHttpError(status, { error, error_description: description });
}
