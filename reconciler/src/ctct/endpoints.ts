/**
 * Where Constant Contact lives, and how its relative links resolve (CONTRACT §1, §4). Tests point
 * these at the emulator; the defaults are the real service.
 */
import { CtctApiError } from "./errors.ts";

/** The real V3 API base. */
export const DEFAULT_API_BASE_URL = "https://api.cc.email/v3";
/** The real OAuth2 token endpoint. */
export const DEFAULT_TOKEN_URL = "https://authz.constantcontact.com/oauth2/default/v1/token";
/** The real OAuth2 consent page. */
export const DEFAULT_AUTHORIZE_URL =
  "https://authz.constantcontact.com/oauth2/default/v1/authorize";

/**
 * Resolves a `_links.*.href` such as `/v3/contacts?cursor=…` against the origin of the API base,
 * verbatim: no filter or `limit` is re-added (CONTRACT §4).
 */
export function resolveHref(apiBaseUrl: string, href: string): string {
  // Concatenate rather than `new URL(href, origin)`, which could re-encode the opaque cursor.
  const origin = new URL(apiBaseUrl).origin;
  if (/^https?:\/\//i.test(href)) {
    // The bearer token goes with the request: never follow a link to another host.
    if (new URL(href).origin !== origin) {
      throw new CtctApiError(
        "CTCT_UNEXPECTED_RESPONSE",
        "a Constant Contact link pointed to another host; refusing to follow it",
      );
    }
    return href;
  }
  return origin + (href.startsWith("/") ? href : `/${href}`);
}

/** `${apiBaseUrl}${path}` with the query appended; undefined values are left out. */
export function apiUrl(
  apiBaseUrl: string,
  path: string,
  query: Readonly<Record<string, string | number | boolean | undefined>> = {},
): string {
  const url = new URL(apiBaseUrl.replace(/\/+$/, "") + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}
