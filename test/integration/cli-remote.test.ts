/**
 * `ccx status`, `runs`, `run`, `plan` and `cancel` as a user runs them: real processes against a
 * real reconciler (HTTP, PGlite) exporting a files source into the emulator. `--json` output is
 * parsed; exit codes are the documented ones; no token ever shows in output.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStatusHarness, type StatusHarness } from "../support/status-harness.ts";

const cli = join(fileURLToPath(new URL("../../", import.meta.url)), "bin/ccx.js");
let harness: StatusHarness;
const outputs: string[] = [];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ccx` with the endpoint and a role's token in the environment, as the README shows. */
function ccx(args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      {
        env: {
          ...process.env,
          NO_COLOR: undefined,
          CCX_ENDPOINT: harness.url,
          CCX_TOKEN: harness.tokens.admin,
          ...env,
        },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        outputs.push(stdout, stderr);
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
      },
    );
  });
}

const asViewer = { CCX_TOKEN: () => harness.tokens.viewer };

interface StatusJson {
  token: { name: string; role: string };
  exports: Array<{
    name: string;
    connection: string;
    status: string;
    schedule: string;
    lastRefreshedAt: string | null;
    lastCounts: Record<string, number> | null;
    listDrift: number | null;
    permissions: string[];
    latestRun: { id: string; status: string } | null;
  }>;
  budgets: Array<{ connection: string; used: number; remaining: number; dailyLimit: number }>;
}

interface RunJson {
  id: string;
  status: string;
  counts: Record<string, number>;
  export: string;
  requestedBy: string;
}

beforeAll(async () => {
  harness = await startStatusHarness({ profiles: 300, guardedExport: true });
}, 120_000);

afterAll(async () => {
  await harness.close();
});

describe("help, usage errors and exit codes", () => {
  it.each(["status", "runs", "run", "plan", "cancel"])(
    "ccx %s --help documents --json, the environment and the exit codes",
    async (command) => {
      const result = await ccx([command, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: ccx ${command}`);
      expect(result.stdout).toContain("--json");
      expect(result.stdout).toContain("CCX_TOKEN");
      expect(result.stdout).toMatch(/Exit codes:[\s\S]*4 {2}the token was refused/);
    },
  );

  it("lists the new commands in `ccx --help`", async () => {
    const result = await ccx(["--help"]);
    for (const command of ["status", "sources", "runs", "run", "plan", "cancel"]) {
      expect(result.stdout).toMatch(new RegExp(`^ {2}${command} +\\S`, "m"));
    }
  });

  it("exits 2 without a token, without an export name, or with an unknown option", async () => {
    const noToken = await ccx(["status"], { CCX_TOKEN: undefined });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("no API token: set CCX_TOKEN");
    const noName = await ccx(["runs"]);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain("name the export");
    expect((await ccx(["status", "--colour"])).code).toBe(2);
  });

  it("exits 2 before sending the token over plain http to another host", async () => {
    // 192.0.2.1 (TEST-NET-1) is never contacted: the check comes before any request.
    const plain = await ccx(["status"], { CCX_ENDPOINT: "http://192.0.2.1:8080" });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("--endpoint (CCX_ENDPOINT) must use https://");
    const flag = await ccx(["status", "--endpoint", "http://ccx.example.com"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("must use https://");
  });

  it("exits 7 when the reconciler does not answer, and 4 for a wrong token", async () => {
    const unreachable = await ccx(["status"], { CCX_ENDPOINT: "http://127.0.0.1:9" });
    expect(unreachable.code).toBe(7);
    expect(unreachable.stderr).toContain("cannot reach the reconciler");
    const wrong = await ccx(["status"], { CCX_TOKEN: "ccx_not-a-real-token" });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).not.toContain("ccx_not-a-real-token");
  });

  it("exits 5 for an export that does not exist", async () => {
    const result = await ccx(["runs", "no-such-export"]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("export 'no-such-export' does not exist");
  });
});

describe("ccx sources", () => {
  it("shows admins where each source's data lives and who reads it", async () => {
    const table = await ccx(["sources"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SOURCE +TYPE +SHARING +WHERE +EXPORTS$/m);
    expect(table.stdout).toMatch(/^crm +files +contributors +\/\S+segments +.*high-value-eu/m);
  });

  it("shows contributors name, type and segments, never the folder; viewers are refused", async () => {
    const json = await ccx(["sources", "--json"], { CCX_TOKEN: harness.tokens.contributor });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ sources: [{ name: "crm", type: "files" }] });
    const table = await ccx(["sources"], { CCX_TOKEN: harness.tokens.contributor });
    expect(table.stdout).toMatch(/^crm +files +any$/m);
    const viewer = await ccx(["sources"], { CCX_TOKEN: asViewer.CCX_TOKEN() });
    expect(viewer.code).toBe(4);
    expect(viewer.stderr).toContain("listing segment sources needs the admin or contributor role");
  });
});

describe("a viewer looks but does not touch", () => {
  it("sees the export with view permission only", async () => {
    const result = await ccx(["status", "--json"], { CCX_TOKEN: asViewer.CCX_TOKEN() });
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as StatusJson;
    expect(status.token).toEqual({ name: "viewer-token", role: "viewer" });
    expect(status.exports.map((entry) => entry.name)).toEqual([
      harness.guardedExportName,
      harness.exportName,
    ]);
    expect(status.exports[1]).toMatchObject({
      name: harness.exportName,
      connection: "newsletter",
      schedule: "0 3 * * * (Europe/Berlin)",
      permissions: ["view"],
    });
  });

  it("is refused a run with exit code 4 and the API's reason", async () => {
    const result = await ccx(["run", harness.exportName], { CCX_TOKEN: asViewer.CCX_TOKEN() });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("needs the admin or contributor role; this token has viewer");
  });
});

describe("running an export", () => {
  let first: RunJson;

  it("shows a never-run export with full permissions for an admin", async () => {
    const result = await ccx(["status", "--json"]);
    const status = JSON.parse(result.stdout) as StatusJson;
    expect(status.exports[1]).toMatchObject({
      status: "never run",
      lastRefreshedAt: null,
      lastCounts: null,
      permissions: ["view", "run", "cancel", "change"],
      latestRun: null,
    });
  });

  it("ccx run --json waits for the run and prints it; exit 0 when it succeeded", async () => {
    const result = await ccx(["run", harness.exportName, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    first = JSON.parse(result.stdout) as RunJson;
    expect(first).toMatchObject({
      export: harness.exportName,
      status: "succeeded",
      requestedBy: "bootstrap-admin",
    });
    expect(first.counts).toMatchObject({ read: 301, invalid: 1, added: 300, removed: 0 });
  }, 120_000);

  it("ccx status and ccx runs then show the refresh and its counts", async () => {
    const status = JSON.parse((await ccx(["status", "--json"])).stdout) as StatusJson;
    expect(status.exports[1]).toMatchObject({
      status: "succeeded",
      listDrift: 0,
      lastCounts: expect.objectContaining({ added: 300 }) as object,
      latestRun: expect.objectContaining({ id: first.id }) as object,
    });
    expect(status.exports[1]?.lastRefreshedAt).not.toBeNull();

    const runs = JSON.parse((await ccx(["runs", harness.exportName, "--json"])).stdout) as {
      runs: RunJson[];
    };
    expect(runs.runs.map((run) => run.id)).toEqual([first.id]);

    // The run's requests count against the application's shared daily budget.
    const budget = status.budgets.find((entry) => entry.connection === "newsletter");
    expect(budget?.used).toBe(first.counts.requests);
    expect(budget?.remaining).toBe((budget?.dailyLimit ?? 0) - (first.counts.requests ?? 0));

    const table = await ccx(["status"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME +CONNECTION +STATUS +SCHEDULE +LAST REFRESHED/m);
    expect(table.stdout).toMatch(/^CONNECTION +REQUESTS TODAY +RESERVED +REMAINING +RESETS/m);
    expect(table.stdout).toContain("+300 ~0 -0 of 301 read");
    // Not a terminal: no colour codes.
    expect(table.stdout).not.toContain("\x1b[");
  });

  it("without a terminal, ccx run prints plain progress lines and a summary table", async () => {
    const result = await ccx(["run", harness.exportName]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Run [0-9a-f-]{36} of 'high-value-eu' queued\.$/m);
    expect(result.stdout).toMatch(/^\[ +\d+\.\d s\] \w[\w ]*: [\d,]+ rows read · /m);
    expect(result.stdout).toMatch(/^COUNT +VALUE$/m);
    // Nothing changed since the first run.
    expect(result.stdout).toMatch(/^added +0$/m);
    expect(result.stdout).not.toContain("\x1b[");
  }, 120_000);

  it("ccx plan shows what a run would change, as JSON for scripts", async () => {
    const result = await ccx(["plan", harness.exportName, "--json"]);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as {
      counts: Record<string, number>;
      blocked: boolean;
      rowErrors: unknown[];
    };
    expect(body.counts).toMatchObject({ adds: 0, removals: 0, unchanged: 300, invalid: 1 });
    expect(body.blocked).toBe(false);
    expect(body.rowErrors).toHaveLength(1);

    const text = await ccx(["plan", harness.exportName]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^unchanged +300$/m);
    expect(text.stdout).toMatch(/^maxRemovePercent +passes/m);
  }, 60_000);

  it("exits 3 when a guard pauses the run, with the guard's reason", async () => {
    const result = await ccx(["run", harness.guardedExportName ?? ""]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/Run [0-9a-f-]{36} +paused by a guard/);
    expect(result.stdout).toContain("EXPORT_GUARD_TRIPPED");
    expect(result.stdout).toContain("maxAdds");
    expect(result.stdout).toContain("Nothing was written.");
    const plan = await ccx(["plan", harness.guardedExportName ?? ""]);
    expect(plan.code).toBe(3);
    expect(plan.stdout).toMatch(/^maxAdds +blocks +300 +10 /m);
  }, 120_000);

  it("reports list drift after the list was edited by hand", async () => {
    harness.emulator.seedContact(harness.accountId, {
      email: "added-by-hand@example.org",
      permission: "explicit",
      listIds: [harness.listId],
    });
    const result = await ccx(["run", harness.exportName]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "List drift: the list has 301 members where this export synced 300",
    );
    const status = JSON.parse((await ccx(["status", "--json"])).stdout) as StatusJson;
    expect(status.exports[1]?.listDrift).toBe(1);
    expect((await ccx(["status"])).stdout).toContain("succeeded (list drift +1)");
  }, 120_000);

  it("ccx cancel stops a queued or running run, and exits 6 when there is none", async () => {
    const queued = await ccx(["run", harness.exportName, "--no-wait", "--json"]);
    expect(queued.code).toBe(0);
    const run = JSON.parse(queued.stdout) as RunJson;
    const cancelled = await ccx(["cancel", harness.exportName]);
    // A re-run with nothing changed can end before `ccx cancel` starts: then there is nothing to
    // cancel (exit 6), and the run must indeed have ended.
    if (cancelled.code === 6) {
      expect(cancelled.stderr).toContain("nothing to cancel");
      const ended = await ccx(["runs", harness.exportName, "--json"]);
      const runs = (JSON.parse(ended.stdout) as { runs: RunJson[] }).runs;
      expect(runs.find((entry) => entry.id === run.id)?.status).toBe("succeeded");
    } else {
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout).toContain(run.id);
    }

    // Wait for a running run to stop at its checkpoint before asking again.
    let status = "";
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const runs = JSON.parse((await ccx(["runs", harness.exportName, "--json"])).stdout) as {
        runs: RunJson[];
      };
      status = runs.runs.find((entry) => entry.id === run.id)?.status ?? "";
      if (status !== "queued" && status !== "running") break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(["cancelled", "succeeded"]).toContain(status);
    const none = await ccx(["cancel", harness.exportName]);
    expect(none.code).toBe(6);
    expect(none.stderr).toContain("nothing to cancel");
  }, 180_000);
});

describe("secrets", () => {
  it("never appear in any output", () => {
    const text = outputs.join("\n");
    for (const secret of harness.secrets) expect(text.includes(secret)).toBe(false);
  });
});
