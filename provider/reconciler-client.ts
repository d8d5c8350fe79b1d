/**
 * The provider's HTTP client for the reconciler API. Failures keep the reconciler's stable error
 * code and message (which say what to do), so `pulumi up` shows them as they are.
 */
import { request } from "undici";
import type { ProviderSettings } from "./settings.ts";

/** A request the reconciler answered with an error, or could not be reached for. */
export class ReconcilerRequestError extends Error {
  /** The reconciler's error code (e.g. `FORBIDDEN`), or `RECONCILER_UNREACHABLE`. */
  readonly code: string;
  /** HTTP status, 0 when no answer arrived. */
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    status: number,
    message: string,
    details?: Record<string, unknown>,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "ReconcilerRequestError";
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/** Who is calling, recorded in the reconciler's audit log. */
export interface CallerContext {
  stack?: string;
  project?: string;
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: Record<string, unknown> };
}

/** Calls the reconciler API with the settings' endpoint and token. */
export class ReconcilerClient {
  readonly #settings: ProviderSettings;
  readonly #caller: CallerContext;

  constructor(settings: ProviderSettings, caller: CallerContext = {}) {
    this.#settings = settings;
    this.#caller = caller;
  }

  /** `GET path`; `undefined` on 404. */
  async get<T>(path: string): Promise<T | undefined> {
    try {
      return await this.send<T>("GET", path);
    } catch (error) {
      if (error instanceof ReconcilerRequestError && error.status === 404) return undefined;
      throw error;
    }
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>("PUT", path, body);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.send<T>("POST", path, body);
  }

  /** `DELETE path`; a 404 counts as deleted. */
  async delete(path: string): Promise<void> {
    try {
      await this.send<unknown>("DELETE", path);
    } catch (error) {
      if (error instanceof ReconcilerRequestError && error.status === 404) return;
      throw error;
    }
  }

  async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#settings.token}`,
      accept: "application/json",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.#caller.stack !== undefined) headers["x-ccx-stack"] = this.#caller.stack;
    if (this.#caller.project !== undefined) headers["x-ccx-project"] = this.#caller.project;

    let response;
    try {
      response = await request(`${this.#settings.endpoint}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: 120_000,
        bodyTimeout: 120_000,
      });
    } catch (error) {
      throw new ReconcilerRequestError(
        "RECONCILER_UNREACHABLE",
        0,
        `cannot reach the reconciler at ${this.#settings.endpoint} (${(error as Error).message}); ` +
          "check `ccx:endpoint` and that `ccx serve` is running",
        undefined,
        error,
      );
    }
    const text = await response.body.text();
    if (response.statusCode >= 400) {
      let parsed: ErrorBody = {};
      try {
        parsed = JSON.parse(text) as ErrorBody;
      } catch {
        // A proxy in front of the reconciler may answer in HTML; the status still says enough.
      }
      const code = parsed.error?.code ?? `HTTP_${response.statusCode}`;
      const message = parsed.error?.message ?? `the reconciler answered ${response.statusCode}`;
      throw new ReconcilerRequestError(
        code,
        response.statusCode,
        `${message} (${code})`,
        parsed.error?.details,
      );
    }
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }
}
