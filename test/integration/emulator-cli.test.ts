/** `ccx emulator` as a process: prints its connection facts, serves, and stops cleanly on SIGTERM. */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fetch } from "undici";
import { run } from "../../emulator/cli.ts";

const ccx = new URL("../../bin/ccx.js", import.meta.url).pathname;

describe("ccx emulator", () => {
  it("--help prints usage and bad flags exit 2", async () => {
    expect(await run(["--help"])).toBe(0);
    expect(await run(["--port", "nope"])).toBe(2);
    expect(await run(["--refresh-token-mode", "sometimes"])).toBe(2);
  });

  it("prints JSON connection facts, accepts pre-seeded credentials, and exits 0 on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [
        ccx,
        "emulator",
        "--port",
        "0",
        "--json",
        "--client-id",
        "cli-app",
        "--client-secret",
        "cli-secret",
        "--account-id",
        "a07ecli",
        "--access-token",
        "cli-access",
        "--refresh-token",
        "cli-refresh",
        "--activity-timing",
        "instant",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, "line")) as [string];
      const facts = JSON.parse(first) as Record<string, string>;
      expect(facts).toMatchObject({
        clientId: "cli-app",
        clientSecret: "cli-secret",
        accountId: "a07ecli",
        accessToken: "cli-access",
        refreshToken: "cli-refresh",
      });
      expect(facts.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const summary = await fetch(`${facts.apiBaseUrl}/account/summary`, {
        headers: { authorization: "Bearer cli-access" },
      });
      expect(await summary.json()).toMatchObject({ encoded_account_id: "a07ecli" });
      const refreshed = await fetch(String(facts.tokenUrl), {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from("cli-app:cli-secret").toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: "grant_type=refresh_token&refresh_token=cli-refresh",
      });
      expect(refreshed.status).toBe(200);
      const control = await fetch(`${facts.url}/_emulator/faults/serverErrors`, {
        method: "POST",
        body: JSON.stringify(["GET /v3/account/summary", { calls: 1 }]),
      });
      expect(control.status).toBe(200);
      const faulted = await fetch(`${facts.apiBaseUrl}/account/summary`, {
        headers: { authorization: "Bearer cli-access" },
      });
      expect(faulted.status).toBe(503);
      const requests = await fetch(`${facts.url}/_emulator/requests`);
      expect(await requests.json()).toMatchObject({ result: { total: 3 } });
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });
});
