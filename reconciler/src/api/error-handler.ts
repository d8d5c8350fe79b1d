/**
 * The one place that turns errors into HTTP responses: `{ error: { code, message, details } }`
 * with a status chosen by the error's code. Nothing the caller sends can produce a 500; a 500
 * means a defect and is logged with its stack.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import type { z } from "zod";
import { AppError, ConflictError, ValidationError } from "../core/errors.ts";
import { ErrorResponseSchema } from "../../../contract/common.ts";

const statusByCode: Readonly<Record<string, ContentfulStatusCode>> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CREDENTIALS_REJECTED: 422,
  SEGMENT_NOT_IN_SOURCE: 400,
  SOURCE_OUTSIDE_ROOTS: 422,
  SOURCE_NOT_ALLOWED: 422,
  PLAN_RATE_LIMITED: 429,
  CTCT_UNAVAILABLE: 503,
  VERIFIER_NOT_CONFIGURED: 503,
  STORE_UNAVAILABLE: 503,
};

/** The HTTP status of an error. */
export function statusOf(error: unknown): ContentfulStatusCode {
  if (error instanceof AppError) {
    const mapped = statusByCode[error.code];
    if (mapped !== undefined) return mapped;
    if (error instanceof ConflictError) return 409;
    return error.retryable ? 503 : 500;
  }
  if (error instanceof HTTPException) return error.status;
  return 500;
}

/** Turns what a handler threw into an `AppError` (hono's own exceptions included). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400 && /json/i.test(error.message)) {
      return new AppError(
        "MALFORMED_JSON",
        `request body is not valid JSON (${error.message}); send a JSON object with Content-Type: application/json`,
        { cause: error },
      );
    }
    if (error.status === 415) {
      return new AppError(
        "UNSUPPORTED_MEDIA_TYPE",
        "request body must be JSON; send it with Content-Type: application/json",
        { cause: error },
      );
    }
    if (error.status === 413) {
      return new AppError("PAYLOAD_TOO_LARGE", "request body is too large", { cause: error });
    }
    return new AppError(`HTTP_${error.status}`, error.message, { cause: error });
  }
  return new AppError("INTERNAL", "the reconciler failed unexpectedly; the log has the details", {
    cause: error,
  });
}

export function errorBody(error: AppError): z.infer<typeof ErrorResponseSchema> {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

/** `app.onError`: maps, logs 5xx with their cause, and answers in the error shape. */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    const appError = toAppError(error);
    // hono's own exceptions keep their status unless we know their code better.
    const status =
      error instanceof HTTPException && !(appError.code in statusByCode)
        ? statusOf(error)
        : statusOf(appError);
    if (status >= 500) {
      logger.error(
        { err: error, code: appError.code, method: c.req.method, path: c.req.path },
        "request failed",
      );
    }
    return c.json(errorBody(appError), status);
  };
}

/** `defaultHook` of the OpenAPI app: zod validation failures become `ValidationError`s. */
export function validationHook(
  result: { success: true } | { success: false; error: z.ZodError; target: string },
): void {
  if (result.success) return;
  const issues = result.error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    // An unknown field is reported at its own path, so the caller sees which one to remove.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: [...path, key].join("."),
        message: "unknown field; remove it (check the spelling against /openapi.json)",
      }));
    }
    const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
    return [{ path: path.join(".") || "(root)", message: missing ? "required" : issue.message }];
  });
  const where = result.target === "json" ? "request body" : `request ${result.target}`;
  const summary = issues
    .slice(0, 5)
    .map((issue) => `${issue.path}: ${issue.message}`)
    .join("; ");
  throw new ValidationError(`invalid ${where}: ${summary}${issues.length > 5 ? "; …" : ""}`, {
    details: { target: result.target, issues },
  });
}

const errorContent = { "application/json": { schema: ErrorResponseSchema } };

/** The error responses every protected route documents. */
export const errorResponses = {
  400: {
    description: "Invalid request (malformed JSON, wrong types, unknown fields)",
    content: errorContent,
  },
  401: { description: "Missing or invalid API token", content: errorContent },
  403: { description: "The token's role does not allow this action", content: errorContent },
  413: { description: "Request body too large", content: errorContent },
} as const;

export const notFoundResponse = {
  404: { description: "Not found", content: errorContent },
} as const;
export const conflictResponse = {
  409: { description: "Conflicts with the current state", content: errorContent },
} as const;
export { errorContent };
