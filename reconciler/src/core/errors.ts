/**
 * The one error tree of ccx. Every error we raise is an `AppError` with a stable `code` that
 * scripts, the API and the provider can branch on, a message that says what happened and what to
 * do next, and the original `cause`. Messages never contain tokens, secrets or personal data.
 */

export interface AppErrorOptions {
  /** The error that led to this one; always keep it. */
  cause?: unknown;
  /** True when the same operation may succeed if tried again later. @default false */
  retryable?: boolean;
  /** Structured, non-secret facts for the API's `details` field and for logs. */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/** Input that fails validation: the caller must change the request. */
export class ValidationError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super("VALIDATION_FAILED", message, options);
  }
}

/** The named object does not exist (or the caller may not know that it does). */
export class NotFoundError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super("NOT_FOUND", message, options);
  }
}

/** The request conflicts with the current state (e.g. a connection still used by exports). */
export class ConflictError extends AppError {
  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The caller is not authenticated. */
export class UnauthenticatedError extends AppError {
  constructor(message = "missing or invalid API token; pass `Authorization: Bearer <token>`") {
    super("UNAUTHENTICATED", message);
  }
}

/** The caller is authenticated but its role does not allow the action. */
export class ForbiddenError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super("FORBIDDEN", message, options);
  }
}

/** True when `error` is worth retrying: an `AppError` marked retryable. */
export function isRetryable(error: unknown): boolean {
  return error instanceof AppError && error.retryable;
}
