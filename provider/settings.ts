/**
 * Where the provider finds the reconciler: stack config `ccx:endpoint` and `ccx:token` (a secret),
 * handed over by Pulumi through the dynamic provider's `configure`, or the environment variables
 * `CCX_ENDPOINT` and `CCX_TOKEN`. Never a value captured by the serialized provider: that would put
 * the token into the state file as source text.
 */

/** Connection settings of the reconciler API. */
export interface ProviderSettings {
  /** Base URL of the reconciler, e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  /** An API token of the reconciler; its role decides what the stack may do. */
  token: string;
}

/** The subset of Pulumi's dynamic-provider config this module reads. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

let configured: Partial<ProviderSettings> = {};

/** Called from the dynamic provider's `configure` with the stack's configuration. */
export function configureFromStack(config: ConfigSource): void {
  configured = {
    endpoint: config.get("ccx:endpoint") || undefined,
    token: config.get("ccx:token") || undefined,
  };
}

/**
 * The settings in force: stack config first, then the environment.
 * @throws Error naming the missing setting and how to provide it.
 */
export function resolveSettings(env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  const endpoint = configured.endpoint ?? env.CCX_ENDPOINT;
  const token = configured.token ?? env.CCX_TOKEN;
  if (endpoint === undefined || endpoint === "") {
    throw new Error(
      "the reconciler endpoint is not set; run `pulumi config set ccx:endpoint <url>` or set CCX_ENDPOINT",
    );
  }
  if (token === undefined || token === "") {
    throw new Error(
      "the reconciler API token is not set; run `pulumi config set --secret ccx:token <token>` or set CCX_TOKEN",
    );
  }
  const problem = insecureEndpointProblem(endpoint);
  if (problem !== undefined) {
    throw new Error(
      `the reconciler endpoint ccx:endpoint (or CCX_ENDPOINT) ${problem}; the API token is sent ` +
        "with every request",
    );
  }
  return { endpoint: endpoint.replace(/\/+$/, ""), token };
}

/**
 * Why the token may not go to `endpoint`, or undefined: https, or plain http to this machine's
 * loopback only. (The reconciler's own rule, `core/secure-url.ts`; the provider imports nothing
 * of the reconciler, so it keeps this copy.)
 */
export function insecureEndpointProblem(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "must be an absolute URL, e.g. https://ccx.example.com";
  }
  if (url.protocol === "https:") return undefined;
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  const loopback =
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "::1" ||
    /^127(\.\d{1,3}){3}$/.test(host);
  if (url.protocol === "http:" && loopback) return undefined;
  return url.protocol === "http:"
    ? `must use https:// (plain http:// is allowed only for loopback hosts such as 127.0.0.1 and localhost, not ${host})`
    : `must be an https:// URL, not ${url.protocol}`;
}
