import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "../config.ts";

const dir = mkdtempSync(join(tmpdir(), "ccx-scheduler-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the scheduler section of the configuration", () => {
  it("has documented defaults", () => {
    expect(parseConfig({}).scheduler).toEqual({
      enabled: true,
      tickSeconds: 1,
      sourcePollSeconds: 300,
      concurrency: 2,
      leaseSeconds: 30,
      cancelPollMs: 1_000,
      retry: { maxAttempts: 4, initialDelaySeconds: 60, backoffFactor: 4, maxDelaySeconds: 3_600 },
      budget: { dailyRequests: 10_000, defaultRunRequests: 150 },
      notify: {},
    });
  });

  it("reads SMTP from the file and its password, the webhook and the switch from the environment", () => {
    const path = join(dir, "ccx.yaml");
    writeFileSync(
      path,
      [
        "scheduler:",
        "  retry: { maxAttempts: 2 }",
        "  notify:",
        "    smtp: { host: smtp.example.com, user: ccx, from: ccx@example.com, to: [ops@example.com] }",
      ].join("\n"),
    );
    const config = loadConfig({
      path,
      env: {
        CCX_SCHEDULER_ENABLED: "false",
        CCX_NOTIFY_WEBHOOK_URL: "https://hooks.example.com/ccx",
        CCX_SMTP_PASSWORD: "s3cret",
      },
    });
    expect(config.scheduler.enabled).toBe(false);
    expect(config.scheduler.retry).toMatchObject({ maxAttempts: 2, initialDelaySeconds: 60 });
    expect(config.scheduler.notify).toEqual({
      webhookUrl: "https://hooks.example.com/ccx",
      smtp: {
        host: "smtp.example.com",
        port: 587,
        secure: false,
        user: "ccx",
        password: "s3cret",
        from: "ccx@example.com",
        to: ["ops@example.com"],
      },
    });
  });

  it.each([
    [{ scheduler: { leaseSeconds: 5 } }, "scheduler.leaseSeconds"],
    [{ scheduler: { retry: { maxAttempts: 0 } } }, "scheduler.retry.maxAttempts"],
    [{ scheduler: { notify: { webhookUrl: "not a url" } } }, "scheduler.notify.webhookUrl"],
    [{ scheduler: { enabled: "sometimes" } }, "scheduler.enabled"],
    [{ scheduler: { notify: { smtp: { password: "x" } } } }, "scheduler.notify.smtp.host"],
  ])("refuses %j, naming %s, without echoing values", (raw, path) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    try {
      parseConfig(raw);
    } catch (error) {
      expect((error as ConfigError).message).toContain(path);
      expect((error as ConfigError).message).not.toContain('"x"');
    }
  });
});
