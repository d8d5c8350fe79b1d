/**
 * A loopback relay in front of the emulator's OAuth token endpoint that remembers every access
 * and refresh token it hands out. The reconciler rotates refresh tokens on its own, so this is
 * how the secret-hygiene scan learns the tokens it must never find in logs, rows or responses.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenRecorder {
  /** Token endpoint URL to configure in place of the emulator's. */
  url: string;
  /** Every `access_token` and `refresh_token` issued through the relay, in order. */
  readonly issued: string[];
  /** Token responses by status code, e.g. `{ 200: 12, 400: 0 }`. */
  readonly statusCounts: Record<number, number>;
  /** `error` fields of failed token responses (`invalid_grant`, …), in order. */
  readonly errors: string[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts a relay to `tokenUrl` on 127.0.0.1. */
export async function startTokenRecorder(tokenUrl: string): Promise<TokenRecorder> {
  const issued: string[] = [];
  const errors: string[] = [];
  const statusCounts: Record<number, number> = {};
  const target = new URL(tokenUrl);
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === "string" && name !== "host" && name !== "content-length") {
          headers.set(name, value);
        }
      }
      const query = new URL(request.url ?? "/", "http://relay").search;
      const answer = await fetch(`${target.origin}${target.pathname}${query}`, {
        method: request.method ?? "POST",
        headers,
        ...(body.length === 0 ? {} : { body }),
      });
      const text = await answer.text();
      statusCounts[answer.status] = (statusCounts[answer.status] ?? 0) + 1;
      try {
        const json = JSON.parse(text) as Record<string, unknown>;
        for (const key of ["access_token", "refresh_token"]) {
          const value = json[key];
          if (typeof value === "string" && value !== "") issued.push(value);
        }
        if (typeof json["error"] === "string") errors.push(json["error"]);
      } catch {
        // A non-JSON answer carries no token to remember.
      }
      response.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "application/json",
      });
      response.end(text);
    })().catch((error: unknown) => {
      response.writeHead(502, { "content-type": "text/plain" });
      response.end(`token relay failed: ${error instanceof Error ? error.message : "unknown"}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    issued,
    statusCounts,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
