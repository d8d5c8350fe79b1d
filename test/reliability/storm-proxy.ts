/**
 * A loopback relay in front of the emulator's `/v3` API that answers a share of the calls itself
 * with Constant Contact's per-second 429 (`{"error_key":"throttled",…}`, CONTRACT §2.1) before
 * they reach the emulator, and counts every call the client made. The emulator has no
 * probabilistic 429 of its own (its throttle faults are bursts); everything else of a storm (5xx,
 * dropped connections, slow activities) is the emulator's own fault injection.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface StormProxy {
  /** `/v3` base URL to configure in place of the emulator's. */
  apiBaseUrl: string;
  /** Calls the client made, including the ones answered with a 429 here. */
  requests: number;
  /** Calls answered with the injected 429. */
  throttled: number;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Starts the relay.
 * @param apiBaseUrl the emulator's `/v3` base URL
 * @param throttleProbability share of calls answered with 429 `throttled` (0–1)
 * @param random source of randomness in [0, 1) @default Math.random
 */
export async function startStormProxy(
  apiBaseUrl: string,
  throttleProbability: number,
  random: () => number = Math.random,
): Promise<StormProxy> {
  const target = new URL(apiBaseUrl);
  const state = { requests: 0, throttled: 0 };
  const server: Server = createServer((request, response) => {
    state.requests += 1;
    if (random() < throttleProbability) {
      state.throttled += 1;
      response.writeHead(429, { "content-type": "application/json" });
      response.end(JSON.stringify({ error_key: "throttled", error_message: "Too Many Requests" }));
      return;
    }
    void (async () => {
      const body = await readBody(request);
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (
          typeof value === "string" &&
          name !== "host" &&
          name !== "content-length" &&
          name !== "connection"
        ) {
          headers.set(name, value);
        }
      }
      const answer = await fetch(`${target.origin}${request.url ?? "/"}`, {
        method: request.method ?? "GET",
        headers,
        ...(body.length === 0 ? {} : { body }),
      });
      const text = Buffer.from(await answer.arrayBuffer());
      const relayed: Record<string, string> = {};
      for (const name of ["content-type", "location", "www-authenticate"]) {
        const value = answer.headers.get(name);
        if (value !== null) relayed[name] = value;
      }
      response.writeHead(answer.status, relayed);
      response.end(text);
    })().catch(() => {
      // The emulator dropped the connection (an injected fault): drop the client's too.
      request.socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBaseUrl: `http://127.0.0.1:${port}${target.pathname}`,
    get requests() {
      return state.requests;
    },
    get throttled() {
      return state.throttled;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
