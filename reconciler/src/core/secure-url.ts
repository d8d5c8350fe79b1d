/**
 * The rule for every endpoint ccx sends credentials to (Constant Contact, its token endpoint, the
 * reconciler): `https://`, except on this machine's loopback interface, where plain `http://`
 * cannot be read by anyone else (the emulator, a local reconciler, tests).
 */

/** True for `localhost` (and `*.localhost`), 127.0.0.0/8 and `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "::1") return true;
  return /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Why `url` may not carry credentials, or undefined when it may: it must parse, and use https
 * unless its host is loopback.
 * @example insecureUrlProblem("http://api.example.com") // "must use https:// …"
 */
export function insecureUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be an absolute URL, e.g. https://ccx.example.com";
  }
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return undefined;
  if (parsed.protocol === "http:") {
    return `must use https:// (plain http:// is allowed only for loopback hosts such as 127.0.0.1 and localhost, not ${parsed.hostname})`;
  }
  return `must be an https:// URL, not ${parsed.protocol}`;
}
