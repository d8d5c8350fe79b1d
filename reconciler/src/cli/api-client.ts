/**
 * The reconciler's JSON API as the remote commands (`status`, `runs`, `run`, `plan`, `cancel`)
 * call it: a bearer token, JSON in and out, and every failure turned into an {@link ApiCallError}
 * that knows the exit code it maps to. The token never appears in a message.
 */
import type { z } from "zod";
import type { RequestBudgetSchema } from "../api/scheduling.ts";
import type { SegmentExport } from "../api/schemas/export.ts";
import type { Me } from "../api/schemas/me.ts";
import type { ExportRun } from "../api/schemas/run.ts";
import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";

/** Where the reconciler is and who is asking. */
export interface ApiTarget {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  token: string;
}

/** What a running run reports while it works (fields may be missing on older reconcilers). */
export interface RunProgressView {
  phase?: string;
  rowsRead?: number;
  chunksSent?: number;
  chunksTotal?: number;
  activitiesDone?: number;
}

/** A run as the API returns it, with the live fields newer reconcilers add. */
export type RunView = ExportRun & {
  progress?: RunProgressView | null;
  rejectedSamples?: Array<Record<string, unknown>>;
};

/** Requests answered by a reconciler that did not answer in time fail after this long. */
const REQUEST_TIMEOUT_MS = 30_000;

/** A call that failed: HTTP status (0 when unreachable), the API's error code and message. */
export class ApiCallError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ApiCallError";
    this.status = status;
    this.code = code;
    this.details = options.details ?? {};
  }

  /** The exit code this failure maps to (see `exit-codes.ts`). */
  get exitCode(): ExitCodeValue {
    if (this.status === 401 || this.status === 403) return ExitCode.denied;
    if (this.status === 404) return ExitCode.notFound;
    if (this.status === 409) return ExitCode.conflict;
    if (this.status === 0 || this.status >= 500) return ExitCode.unreachable;
    return ExitCode.failed;
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: Record<string, unknown> };
}

/** Sends one request and parses the JSON answer. */
export async function callApi<T>(
  target: ApiTarget,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<T> {
  const url = new URL(
    path,
    target.endpoint.endsWith("/") ? target.endpoint : `${target.endpoint}/`,
  );
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ApiCallError(
      0,
      "UNREACHABLE",
      `the reconciler at ${url.origin} did not answer (${describeCause(error)}); is \`ccx serve\` running?`,
      { cause: error },
    );
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch (error) {
    throw new ApiCallError(
      response.status,
      "NOT_JSON",
      `${url.origin} answered HTTP ${response.status} without JSON; is it a ccx reconciler?`,
      { cause: error },
    );
  }
  if (!response.ok) {
    const error = (json as ErrorBody | undefined)?.error;
    throw new ApiCallError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `HTTP ${response.status}`,
      { details: error?.details ?? {} },
    );
  }
  return json as T;
}

function describeCause(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ?? cause.name;
  }
  return String(cause);
}

const segment = (value: string) => encodeURIComponent(value);

/** Today's shared Constant Contact request budget of a connection's application. */
export type BudgetView = z.infer<typeof RequestBudgetSchema>;

/** The calls the remote commands make. */
export function createApiClient(target: ApiTarget) {
  return {
    me: () => callApi<Me>(target, "GET", "v1/me"),
    listExports: async () =>
      (await callApi<{ items: SegmentExport[] }>(target, "GET", "v1/exports")).items,
    listRuns: async (name: string, limit: number) =>
      (
        await callApi<{ items: RunView[] }>(
          target,
          "GET",
          `v1/exports/${segment(name)}/runs?limit=${limit}`,
        )
      ).items,
    getRun: (name: string, runId: string) =>
      callApi<RunView>(target, "GET", `v1/exports/${segment(name)}/runs/${segment(runId)}`),
    triggerRun: (name: string) =>
      callApi<RunView>(target, "POST", `v1/exports/${segment(name)}/runs`, {}),
    cancelRun: (name: string, runId: string) =>
      callApi<RunView>(target, "POST", `v1/exports/${segment(name)}/runs/${segment(runId)}/cancel`),
    getBudget: (connection: string) =>
      callApi<BudgetView>(target, "GET", `v1/connections/${segment(connection)}/budget`),
    planExport: (name: string) =>
      callApi<Record<string, unknown>>(target, "POST", `v1/exports/${segment(name)}/plan`),
  };
}

/** The client {@link createApiClient} returns. */
export type ApiClient = ReturnType<typeof createApiClient>;
