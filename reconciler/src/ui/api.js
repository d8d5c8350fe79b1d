// The JSON API as the status page uses it: every call carries the signed-in token, every error
// comes back as an ApiError with the API's code and message.

const TOKEN_KEY = "ccx.token";

/** An error answer of the API: `{ error: { code, message } }` with its HTTP status. */
export class ApiError extends Error {
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

export function storeToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

async function call(token, method, path, body) {
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
  const json = text.startsWith("{") ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? `HTTP ${response.status}`,
    );
  }
  return json;
}

const path = (...parts) => parts.map((part) => encodeURIComponent(part)).join("/");

/** The API calls of the page, bound to one token. */
export function createApi(token) {
  return {
    me: () => call(token, "GET", "/v1/me"),
    exports: () => call(token, "GET", "/v1/exports"),
    exportOf: (name) => call(token, "GET", `/v1/exports/${path(name)}`),
    runs: (name, limit = 20) => call(token, "GET", `/v1/exports/${path(name)}/runs?limit=${limit}`),
    run: (name, runId) => call(token, "GET", `/v1/exports/${path(name, "runs", runId)}`),
    trigger: (name) => call(token, "POST", `/v1/exports/${path(name)}/runs`, {}),
    cancel: (name, runId) =>
      call(token, "POST", `/v1/exports/${path(name, "runs", runId, "cancel")}`),
    plan: (name) => call(token, "POST", `/v1/exports/${path(name)}/plan`),
    connections: () => call(token, "GET", "/v1/connections"),
  };
}
