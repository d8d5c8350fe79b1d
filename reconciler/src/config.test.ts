import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig, requireEncryptionKey } from "./config.ts";

const key = Buffer.alloc(32, 7).toString("base64");
const dir = mkdtempSync(join(tmpdir(), "ccx-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(work: () => unknown): ConfigError {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("applies documented defaults", () => {
    const config = parseConfig({});
    expect(config.server).toEqual({ host: "127.0.0.1", port: 8080, bodyLimitBytes: 1_048_576 });
    expect(config.store).toEqual({ dataDir: ".ccx/data", poolSize: 10 });
    expect(config.log.level).toBe("info");
    expect(config.secrets).toEqual({ activeKeyId: "default", keys: {} });
  });

  it("reads YAML and lets the environment win", () => {
    const path = join(dir, "ccx.yaml");
    writeFileSync(
      path,
      [
        "server:",
        "  port: 9000",
        "store:",
        "  dataDir: /var/lib/ccx",
        "secrets:",
        "  activeKeyId: k1",
        "  keys:",
        `    k1: "${key}"`,
      ].join("\n"),
    );
    const config = loadConfig({
      path,
      env: { CCX_PORT: "9100", CCX_DATABASE_URL: "postgres://u:p@db/ccx", CCX_LOG_LEVEL: "warn" },
    });
    expect(config.server.port).toBe(9100);
    expect(config.store).toMatchObject({
      dataDir: "/var/lib/ccx",
      databaseUrl: "postgres://u:p@db/ccx",
    });
    expect(config.secrets).toEqual({ activeKeyId: "k1", keys: { k1: key } });
    expect(config.log.level).toBe("warn");
  });

  it("takes the encryption key from CCX_ENCRYPTION_KEY and the file from CCX_CONFIG", () => {
    const path = join(dir, "empty.yaml");
    writeFileSync(path, "");
    const config = loadConfig({
      env: { CCX_CONFIG: path, CCX_ENCRYPTION_KEY: key, CCX_ENCRYPTION_KEY_ID: "k2" },
    });
    expect(config.secrets).toEqual({ activeKeyId: "k2", keys: { k2: key } });
    expect(() => requireEncryptionKey(config)).not.toThrow();
  });

  it.each([
    { name: "a port out of range", env: { CCX_PORT: "70000" }, mentions: "server.port" },
    {
      name: "a key that is not 32 bytes",
      env: { CCX_ENCRYPTION_KEY: "c2hvcnQ=" },
      mentions: "openssl rand -base64 32",
    },
    {
      name: "a database URL of another kind",
      env: { CCX_DATABASE_URL: "mysql://x" },
      mentions: "postgres://",
    },
    {
      name: "a malformed bootstrap token",
      env: { CCX_BOOTSTRAP_ADMIN_TOKEN: "secret" },
      mentions: "auth.bootstrapAdminToken",
    },
  ])("explains $name with z.prettifyError", ({ env, mentions }) => {
    const error = errorOf(() => loadConfig({ env }));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain("✖");
    expect(error.message).toContain(mentions);
  });

  it("refuses unknown keys in the file and a missing active key", () => {
    expect(errorOf(() => parseConfig({ sever: {} })).message).toContain("sever");
    expect(
      errorOf(() => parseConfig({ secrets: { activeKeyId: "k9", keys: { k1: key } } })).message,
    ).toContain("k9");
  });

  it("takes the files roots from CCX_SOURCES_FILES_ROOTS and refuses a relative root", () => {
    const config = loadConfig({ env: { CCX_SOURCES_FILES_ROOTS: "/srv/a:/srv/b" } });
    expect(config.sources.files.roots).toEqual(["/srv/a", "/srv/b"]);
    expect(config.sources.azureBlob.allowed).toEqual([]);
    expect(() => loadConfig({ env: { CCX_SOURCES_FILES_ROOTS: "segments" } })).toThrow(
      /absolute path/,
    );
  });

  it("requires https for Constant Contact endpoints that are not on loopback, naming the setting", () => {
    const api = errorOf(() =>
      loadConfig({ env: { CCX_CTCT_API_BASE_URL: "http://api.cc.email/v3" } }),
    ).message;
    expect(api).toContain("ctct.apiBaseUrl (CCX_CTCT_API_BASE_URL) must use https://");
    const token = errorOf(() =>
      parseConfig({ ctct: { tokenUrl: "http://authz.example.com/oauth2/default/v1/token" } }),
    ).message;
    expect(token).toContain("ctct.tokenUrl (CCX_CTCT_TOKEN_URL) must use https://");
    // The emulator on loopback, and https anywhere, are fine.
    const local = parseConfig({
      ctct: {
        apiBaseUrl: "http://127.0.0.1:8911/v3",
        tokenUrl: "https://authz.example.com/oauth2/default/v1/token",
      },
    });
    expect(local.ctct.apiBaseUrl).toBe("http://127.0.0.1:8911/v3");
  });

  it("requires an encryption key to serve", () => {
    expect(errorOf(() => requireEncryptionKey(parseConfig({}))).message).toContain(
      "CCX_ENCRYPTION_KEY",
    );
  });
});
