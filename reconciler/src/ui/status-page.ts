/**
 * The status page at `/ui`: static HTML, CSS and vanilla JavaScript from this folder, with no
 * build step. The files carry no data and need no token; the page signs in with an API token
 * (kept in the tab's sessionStorage) and calls the JSON API with it, so every permission check
 * stays in the API.
 */
import { readFileSync } from "node:fs";
import type { Context, Env, Hono } from "hono";

interface Asset {
  file: string;
  contentType: string;
}

/** What `/ui/<path>` serves; nothing else in this folder is reachable. */
const assets: Record<string, Asset> = {
  "": { file: "index.html", contentType: "text/html; charset=utf-8" },
  "app.js": { file: "app.js", contentType: "text/javascript; charset=utf-8" },
  "api.js": { file: "api.js", contentType: "text/javascript; charset=utf-8" },
  "format.js": { file: "format.js", contentType: "text/javascript; charset=utf-8" },
  "connections-view.js": {
    file: "connections-view.js",
    contentType: "text/javascript; charset=utf-8",
  },
  "sources-view.js": { file: "sources-view.js", contentType: "text/javascript; charset=utf-8" },
  "dom.js": { file: "dom.js", contentType: "text/javascript; charset=utf-8" },
  "export-view.js": { file: "export-view.js", contentType: "text/javascript; charset=utf-8" },
  "exports-view.js": { file: "exports-view.js", contentType: "text/javascript; charset=utf-8" },
  "links.js": { file: "links.js", contentType: "text/javascript; charset=utf-8" },
  "plan-view.js": { file: "plan-view.js", contentType: "text/javascript; charset=utf-8" },
  "progress-view.js": { file: "progress-view.js", contentType: "text/javascript; charset=utf-8" },
  "run-detail-view.js": {
    file: "run-detail-view.js",
    contentType: "text/javascript; charset=utf-8",
  },
  "run-parts.js": { file: "run-parts.js", contentType: "text/javascript; charset=utf-8" },
  "style.css": { file: "style.css", contentType: "text/css; charset=utf-8" },
  "favicon.svg": { file: "favicon.svg", contentType: "image/svg+xml" },
};

/**
 * Scripts and styles only from this origin and no inline code, so a value that slipped into the
 * page could never run; the page talks only to this API.
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

const cache = new Map<string, Uint8Array>();

function load(asset: Asset): Uint8Array {
  let body = cache.get(asset.file);
  if (body === undefined) {
    body = readFileSync(new URL(asset.file, import.meta.url));
    cache.set(asset.file, body);
  }
  return body;
}

/** Mounts the status page at `/ui` (the page links its files as `/ui/<file>`). */
export function registerStatusPage<E extends Env>(app: Hono<E>): void {
  const serve = (c: Context<E>, path: string) => {
    // Own keys only: `__proto__`, `constructor` or `toString` are not files of the page.
    const asset = Object.hasOwn(assets, path) ? assets[path] : undefined;
    if (asset === undefined) return c.notFound();
    return c.body(load(asset) as Uint8Array<ArrayBuffer>, 200, {
      ...SECURITY_HEADERS,
      "content-type": asset.contentType,
    });
  };
  app.get("/ui", (c) => serve(c, ""));
  app.get("/ui/:path{.*}", (c) => serve(c, c.req.param("path")));
}
