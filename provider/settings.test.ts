import { afterEach, describe, expect, it } from "vitest";
import { configureFromStack, resolveSettings } from "./settings.ts";

const token = "ccx_example";

afterEach(() => configureFromStack({ get: () => undefined }));

describe("provider settings", () => {
  it("takes ccx:endpoint from the stack and trims trailing slashes", () => {
    configureFromStack({
      get: (key) => ({ "ccx:endpoint": "https://ccx.example.com/", "ccx:token": token })[key],
    });
    expect(resolveSettings({})).toEqual({ endpoint: "https://ccx.example.com", token });
  });

  it("allows plain http only on loopback", () => {
    for (const endpoint of ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:1"]) {
      expect(resolveSettings({ CCX_ENDPOINT: endpoint, CCX_TOKEN: token }).endpoint).toBe(endpoint);
    }
  });

  it("refuses plain http to another host, naming the setting and never the token", () => {
    configureFromStack({
      get: (key) => ({ "ccx:endpoint": "http://ccx.example.com", "ccx:token": token })[key],
    });
    expect(() => resolveSettings({})).toThrow(
      /ccx:endpoint \(or CCX_ENDPOINT\) must use https:\/\//,
    );
    try {
      resolveSettings({});
    } catch (error) {
      expect((error as Error).message).not.toContain(token);
    }
    expect(() => resolveSettings({ CCX_ENDPOINT: "ftp://127.0.0.1", CCX_TOKEN: token })).toThrow(
      /https/,
    );
  });
});
