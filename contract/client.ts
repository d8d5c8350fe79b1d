/**
 * The one client of the reconciler API, used by the Pulumi provider and the `ccx` CLI. Every
 * answer is parsed with the contract's schemas, so a reconciler that answers something else fails
 * here with a clear message instead of deep inside a caller. Failures keep the reconciler's stable
 * error code and message (which say what to do); the token never appears in a message.
 *
 * It uses the runtime's `fetch`, so the packages that ship it need no HTTP dependency.
 */
import type { z } from "zod";
import { ConnectionListResponseSchema, ConnectionSchema, type Connection } from "./connection.ts";
import { ExportListResponseSchema, ExportSchema, type SegmentExport } from "./export.ts";
import { MeSchema, type Me } from "./me.ts";
import { ExportPlanSchema, type ExportPlanResponse } from "./plan.ts";
import { RunListResponseSchema, RunSchema, type ExportRun } from "./run.ts";
import { SegmentSourceSchema, SourceListResponseSchema, type SegmentSourceView } from "./source.ts";
import {
  RequestBudgetSchema,
  RunAllResponseSchema,
  type RequestBudget,
  type RunAllResponse,
} from "./scheduling.ts";
import {
  API_LEVEL,
  API_LEVEL_HEADER,
  CLIENT_HEADER,
  checkCompatibility,
  VersionSchema,
  type ReconcilerVersion,
} from "./version.ts";

/** Where the reconciler is, who is asking, and on whose behalf. */
export interface ReconcilerTarget {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  /** An API token of the reconciler; its role decides what the caller may do. */
  token: string;
  /** The calling package and version, e.g. `@ccx/pulumi@0.2.0`; sent with every request. */
  client: string;
  /** API level the client speaks. @default API_LEVEL */
  apiLevel?: number;
  /** The Pulumi stack, project and update a request comes from (audit log, run records). */
  origin?: { stack?: string | undefined; project?: string | undefined } | undefined;
  /** Milliseconds to wait for an answer. @default 120000 (a plan of a million profiles fits) */
  timeoutMs?: number;
}

/**
 * A request the reconciler answered with an error, or could not be reached for. The message ends
 * with the code in parentheses, so Pulumi's output and the CLI's show both.
 */
export class ReconcilerApiError extends Error {
  /** HTTP status, 0 when no answer arrived. */
  readonly status: number;
  /** The message without the code. */
  readonly reason: string;
  /** The reconciler's error code (e.g. `FORBIDDEN`), or `RECONCILER_UNREACHABLE`, `NOT_JSON`, `RESPONSE_INVALID`. */
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(
      `${message} (${code})`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "ReconcilerApiError";
    this.reason = message;
    this.status = status;
    this.code = code;
    this.details = options.details ?? {};
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: Record<string, unknown> };
}

const DEFAULT_TIMEOUT_MS = 120_000;

type Method = "GET" | "PUT" | "POST" | "DELETE";

function describeCause(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return String(cause);
}

/**
 * Sends one request and returns the parsed JSON answer (undefined for an empty body).
 * @throws ReconcilerApiError for every failure.
 */
export async function callReconciler(
  target: ReconcilerTarget,
  method: Method,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const base = target.endpoint.endsWith("/") ? target.endpoint : `${target.endpoint}/`;
  const url = new URL(path.replace(/^\/+/, ""), base);
  const headers: Record<string, string> = {
    authorization: `Bearer ${target.token}`,
    accept: "application/json",
    [CLIENT_HEADER]: target.client,
    [API_LEVEL_HEADER]: String(target.apiLevel ?? API_LEVEL),
  };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (target.origin?.stack !== undefined) headers["x-ccx-stack"] = target.origin.stack;
  if (target.origin?.project !== undefined) headers["x-ccx-project"] = target.origin.project;

  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(target.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ReconcilerApiError(
      0,
      "RECONCILER_UNREACHABLE",
      `cannot reach the reconciler at ${url.origin} (${describeCause(error)}); check the ` +
        "endpoint setting (`ccx:endpoint`, CCX_ENDPOINT or --endpoint) and that `ccx serve` is running",
      { cause: error },
    );
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch (error) {
    // A proxy in front of the reconciler may answer in HTML; the status still says enough.
    throw new ReconcilerApiError(
      response.status,
      response.ok ? "NOT_JSON" : `HTTP_${response.status}`,
      `${url.origin} answered HTTP ${response.status} without JSON; is it a ccx reconciler?`,
      { cause: error },
    );
  }
  if (!response.ok) {
    const error = (json as ErrorBody | undefined)?.error;
    throw new ReconcilerApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `the reconciler answered HTTP ${response.status}`,
      { details: error?.details ?? {} },
    );
  }
  return json;
}

function parsed<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const where = first === undefined ? "" : ` at '${first.path.map(String).join(".")}'`;
  throw new ReconcilerApiError(
    200,
    "RESPONSE_INVALID",
    `the reconciler's answer to ${what} does not match this client's API contract${where} ` +
      `(${first?.message ?? "invalid"}); the client and the reconciler are probably different releases`,
  );
}

const segment = (value: string) => encodeURIComponent(value);

async function orUndefinedOn404<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ReconcilerApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** The reconciler API, one method per call the provider and the CLI make. */
export function createReconcilerClient(target: ReconcilerTarget) {
  const call = async <S extends z.ZodType>(
    schema: S,
    method: Method,
    path: string,
    body?: unknown,
  ): Promise<z.output<S>> =>
    parsed(schema, await callReconciler(target, method, path, body), `${method} ${path}`);
  const exportPath = (name: string) => `v1/exports/${segment(name)}`;
  const connectionPath = (name: string) => `v1/connections/${segment(name)}`;
  const sourcePath = (name: string) => `v1/sources/${segment(name)}`;
  const runPath = (name: string, runId: string) => `${exportPath(name)}/runs/${segment(runId)}`;

  return {
    /** `GET /v1/version`: who the reconciler is. */
    version: (): Promise<ReconcilerVersion> => call(VersionSchema, "GET", "v1/version"),
    /**
     * Checks that this client and the reconciler can work together.
     * @throws ReconcilerApiError `CLIENT_INCOMPATIBLE`, naming both versions and what to upgrade.
     */
    async handshake(): Promise<ReconcilerVersion> {
      let server: ReconcilerVersion;
      try {
        server = await call(VersionSchema, "GET", "v1/version");
      } catch (error) {
        if (!(error instanceof ReconcilerApiError) || error.status !== 404) throw error;
        throw new ReconcilerApiError(
          409,
          "CLIENT_INCOMPATIBLE",
          `the reconciler at ${new URL(target.endpoint).origin} does not report its version, so ` +
            `it predates ${target.client}: upgrade the reconciler to the same release`,
          { cause: error },
        );
      }
      const verdict = checkCompatibility(target.client, target.apiLevel ?? API_LEVEL, server);
      if (!verdict.compatible) {
        throw new ReconcilerApiError(409, "CLIENT_INCOMPATIBLE", verdict.message, {
          details: {
            client: target.client,
            reconciler: server.reconciler,
            upgrade: verdict.upgrade,
          },
        });
      }
      return server;
    },
    me: (): Promise<Me> => call(MeSchema, "GET", "v1/me"),

    listExports: async (): Promise<SegmentExport[]> =>
      (await call(ExportListResponseSchema, "GET", "v1/exports")).items,
    /** The export, or undefined when it does not exist (or the caller may not see it). */
    getExport: (name: string): Promise<SegmentExport | undefined> =>
      orUndefinedOn404(call(ExportSchema, "GET", exportPath(name))),
    /** Creates or changes the export (an `ExportPutRequest`; the reconciler validates it). */
    putExport: (name: string, definition: Record<string, unknown>): Promise<SegmentExport> =>
      call(ExportSchema, "PUT", exportPath(name), definition),
    /** Deletes the export; one that is already gone counts as deleted. */
    deleteExport: async (name: string): Promise<void> => {
      await orUndefinedOn404(callReconciler(target, "DELETE", exportPath(name)));
    },
    /** Plans the stored definition, or `definition` when given (nothing is written). */
    planExport: (name: string, definition?: Record<string, unknown>): Promise<ExportPlanResponse> =>
      call(ExportPlanSchema, "POST", `${exportPath(name)}/plan`, definition),

    listRuns: async (name: string, limit: number): Promise<ExportRun[]> =>
      (await call(RunListResponseSchema, "GET", `${exportPath(name)}/runs?limit=${limit}`)).items,
    getRun: (name: string, runId: string): Promise<ExportRun> =>
      call(RunSchema, "GET", runPath(name, runId)),
    triggerRun: (name: string): Promise<ExportRun> =>
      call(RunSchema, "POST", `${exportPath(name)}/runs`, {}),
    cancelRun: (name: string, runId: string): Promise<ExportRun> =>
      call(RunSchema, "POST", `${runPath(name, runId)}/cancel`),
    runAll: (connection?: string): Promise<RunAllResponse> =>
      call(
        RunAllResponseSchema,
        "POST",
        "v1/runs/run-all",
        connection === undefined ? {} : { connection },
      ),

    listConnections: async () =>
      (await call(ConnectionListResponseSchema, "GET", "v1/connections")).items,
    /** The connection in full (admins), or undefined when it does not exist. */
    getConnection: (name: string): Promise<Connection | undefined> =>
      orUndefinedOn404(call(ConnectionSchema, "GET", connectionPath(name))),
    /** Creates or changes the connection (a `ConnectionPutRequest`; the reconciler validates it). */
    putConnection: (name: string, body: Record<string, unknown>): Promise<Connection> =>
      call(ConnectionSchema, "PUT", connectionPath(name), body),
    /** Deletes the connection; one that is already gone counts as deleted. */
    deleteConnection: async (name: string): Promise<void> => {
      await orUndefinedOn404(callReconciler(target, "DELETE", connectionPath(name)));
    },

    /** Sources: every one in full for admins; name, type and segments of shared ones otherwise. */
    listSources: async () => (await call(SourceListResponseSchema, "GET", "v1/sources")).items,
    /** The source in full (admins), or undefined when it does not exist. */
    getSource: (name: string): Promise<SegmentSourceView | undefined> =>
      orUndefinedOn404(call(SegmentSourceSchema, "GET", sourcePath(name))),
    /** Creates or changes the source (a `SourcePutRequest`; the reconciler validates it). */
    putSource: (name: string, body: Record<string, unknown>): Promise<SegmentSourceView> =>
      call(SegmentSourceSchema, "PUT", sourcePath(name), body),
    /** Deletes the source; refused (409, naming them) while exports use it. Gone counts as deleted. */
    deleteSource: async (name: string): Promise<void> => {
      await orUndefinedOn404(callReconciler(target, "DELETE", sourcePath(name)));
    },

    getBudget: (connection: string): Promise<RequestBudget> =>
      call(RequestBudgetSchema, "GET", `${connectionPath(connection)}/budget`),
  };
}

/** The client {@link createReconcilerClient} returns. */
export type ReconcilerClient = ReturnType<typeof createReconcilerClient>;
