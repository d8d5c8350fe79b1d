// The JSON API as the status page uses it: every call carries the signed-in token, every error
// comes back as an ApiError with the API's code and message.

/** @import { Connection, ExportPlan, Items, Me, Run, SegmentExport, SegmentSource } from "./api-types.ts" */

const TOKEN_KEY = "ccx.token";

/** An error answer of the API: `{ error: { code, message } }` with its HTTP status. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status; 0 when the reconciler did not answer
   * @param {string} code the API's stable error code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The token of this tab, if signed in. sessionStorage: it dies with the tab. */
export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** @param {string} token */
export function storeToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * One API call; resolves with the JSON body the caller expects, rejects with an ApiError.
 * @template T
 * @param {string} token
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<T>}
 */
async function call(token, method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${token}`, accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "UNREACHABLE", "the reconciler did not answer; is it running?");
  }
  const text = await response.text();
  const json = text.startsWith("{")
    ? /** @type {T & { error?: { code?: string, message?: string } }} */ (JSON.parse(text))
    : undefined;
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? `HTTP ${response.status}`,
    );
  }
  return /** @type {T} */ (json);
}

/** @param {...string} parts */
const path = (...parts) => parts.map((part) => encodeURIComponent(part)).join("/");

/**
 * The API calls of the page, bound to one token.
 * @param {string} token
 */
export function createApi(token) {
  return {
    /** @returns {Promise<Me>} */
    me: () => call(token, "GET", "/v1/me"),
    /** @returns {Promise<Items<SegmentExport>>} */
    exports: () => call(token, "GET", "/v1/exports"),
    /** @param {string} name @returns {Promise<SegmentExport>} */
    exportOf: (name) => call(token, "GET", `/v1/exports/${path(name)}`),
    /** @param {string} name @returns {Promise<Items<Run>>} */
    runs: (name, limit = 20) => call(token, "GET", `/v1/exports/${path(name)}/runs?limit=${limit}`),
    /** @param {string} name @param {string} runId @returns {Promise<Run>} */
    run: (name, runId) => call(token, "GET", `/v1/exports/${path(name, "runs", runId)}`),
    /** @param {string} name @returns {Promise<Run>} */
    trigger: (name) => call(token, "POST", `/v1/exports/${path(name)}/runs`, {}),
    /** @param {string} name @param {string} runId @returns {Promise<Run>} */
    cancel: (name, runId) =>
      call(token, "POST", `/v1/exports/${path(name, "runs", runId, "cancel")}`),
    /** @param {string} name @returns {Promise<ExportPlan>} */
    plan: (name) => call(token, "POST", `/v1/exports/${path(name)}/plan`),
    /** @returns {Promise<Items<Connection>>} */
    connections: () => call(token, "GET", "/v1/connections"),
    /** @returns {Promise<Items<SegmentSource>>} */
    sources: () => call(token, "GET", "/v1/sources"),
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */
