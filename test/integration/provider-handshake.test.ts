/**
 * The provider and a reconciler of another release: `pulumi preview` (the provider's check) fails
 * with a message naming both releases and what to upgrade, before anything is planned or written.
 * The other releases are small HTTP servers on loopback that answer as such a reconciler would.
 */
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkExport } from "../../provider/segment-export-behaviour.ts";
import { configureFromStack } from "../../provider/settings.ts";
import type { SegmentExportInputs } from "../../provider/segment-export.ts";

interface FakeRelease {
  url: string;
  paths: string[];
  server: Server;
}

/** A reconciler that answers `/v1/version` with `version` (or 404 when undefined). */
async function releaseAnswering(version: object | undefined): Promise<FakeRelease> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(`${request.method} ${request.url}`);
    const known = version !== undefined && request.url === "/v1/version";
    response.writeHead(known ? 200 : 404, { "content-type": "application/json" });
    response.end(
      JSON.stringify(known ? version : { error: { code: "NOT_FOUND", message: "no route" } }),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server };
}

const inputs: SegmentExportInputs = {
  name: "newsletter",
  connection: "marketing",
  list: { name: "Newsletter", create: true },
  mappings: { email: "email" },
  segments: ["high-value"],
  source: "segments",
};

const useEndpoint = (url: string) =>
  configureFromStack({
    get: (key) => ({ "ccx:endpoint": url, "ccx:token": "ccx_handshake-test" })[key],
  });

let newer: FakeRelease;
let older: FakeRelease;
beforeAll(async () => {
  newer = await releaseAnswering({
    reconciler: "@ccx/reconciler@9.0.0",
    apiLevel: 9,
    minClientApiLevel: 9,
  });
  older = await releaseAnswering(undefined);
});
afterAll(() => {
  newer?.server.close();
  older?.server.close();
});

describe("the provider's version handshake", () => {
  it("fails the check against a reconciler that no longer serves it, naming both releases", async () => {
    useEndpoint(newer.url);
    const check = checkExport({}, inputs);
    await expect(check).rejects.toThrow(/@ccx\/pulumi@\d+\.\d+\.\d+\S* speaks API level 1/);
    await expect(check).rejects.toThrow("@ccx/reconciler@9.0.0");
    await expect(check).rejects.toThrow("npm install @ccx/pulumi@9.0.0");
    await expect(check).rejects.toThrow("(CLIENT_INCOMPATIBLE)");
    // Nothing but the handshake was asked: no plan, no write.
    expect(newer.paths).toEqual(["GET /v1/version"]);
  });

  it("fails the check against a reconciler too old to report its version", async () => {
    useEndpoint(older.url);
    await expect(checkExport({}, inputs)).rejects.toThrow(
      /predates @ccx\/pulumi@.*upgrade the reconciler/,
    );
    expect(older.paths).toEqual(["GET /v1/version"]);
  });
});
