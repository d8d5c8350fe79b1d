/**
 * `ccx run` in a real pseudo-terminal (tmux): the progress bar redraws in place and advances to
 * done, then the summary table follows. tmux's own server runs on a private socket, so the test
 * never touches a user's sessions; the token reaches it through the environment, not argv.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStatusHarness, type StatusHarness } from "../support/status-harness.ts";

const exec = promisify(execFile);
const cli = join(fileURLToPath(new URL("../../", import.meta.url)), "bin/ccx.js");
const socket = `ccx-test-${randomBytes(4).toString("hex")}`;
let harness: StatusHarness;

function tmux(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return exec("tmux", ["-L", socket, ...args], { env });
}

/** What the pane shows now, without colour codes. */
async function capture(): Promise<string> {
  return (await tmux(["capture-pane", "-p", "-t", "run"])).stdout;
}

beforeAll(async () => {
  harness = await startStatusHarness({ profiles: 300 });
}, 120_000);

afterAll(async () => {
  await tmux(["kill-server"]).catch(() => undefined);
  await harness.close();
});

/** `⠋  importing  [████░░░░]  50%  301 rows read · …`: phase, percent and facts of one frame. */
const PROGRESS = /(\S+) +([a-z][a-z ]*?) +\[([█░]{24})\] +(\d+)% +([\d,]+) rows read · (.*)$/m;

describe("ccx run in a terminal", () => {
  it("draws a progress bar that advances to done, then a summary", async () => {
    const command = `'${process.execPath}' '${cli}' run ${harness.exportName}; echo EXIT=$?; sleep 600`;
    await tmux(["new-session", "-d", "-s", "run", "-x", "160", "-y", "48", command], {
      ...process.env,
      NO_COLOR: undefined,
      TERM: "xterm-256color",
      CCX_ENDPOINT: harness.url,
      CCX_TOKEN: harness.tokens.admin,
    });
    const frames: string[] = [];
    let screen = "";
    for (let attempt = 0; attempt < 600 && !screen.includes("EXIT="); attempt += 1) {
      screen = await capture();
      const progress = PROGRESS.exec(screen)?.[0];
      if (progress !== undefined && frames.at(-1) !== progress) frames.push(progress);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(screen).toContain("EXIT=0");

    const parsed = frames.map((frame) => {
      const [, , phase = "", bar = "", percent = "", rows = ""] = PROGRESS.exec(frame) ?? [];
      return { phase, bar, percent: Number(percent), rows: Number(rows.replace(/,/g, "")) };
    });
    // It redrew in place: several distinct frames, one line on the final screen.
    expect(parsed.length).toBeGreaterThanOrEqual(3);
    expect(screen.match(new RegExp(PROGRESS.source, "gm"))).toHaveLength(1);
    // It advanced: from an empty bar with nothing read to a full bar at done.
    expect(parsed[0]).toMatchObject({ percent: 0, rows: 0 });
    expect(parsed.at(-1)).toMatchObject({ phase: "done", percent: 100, rows: 301 });
    expect(parsed.at(-1)?.bar).toBe("█".repeat(24));
    expect(new Set(parsed.map((frame) => frame.phase)).size).toBeGreaterThanOrEqual(3);
    expect(frames.at(-1)).toContain("1/1 chunks sent · 1 activity done");
    for (let index = 1; index < parsed.length; index += 1) {
      expect(parsed[index]?.rows).toBeGreaterThanOrEqual(parsed[index - 1]?.rows ?? 0);
    }

    // Then the summary: status and the counts table.
    expect(screen).toMatch(/Run [0-9a-f-]{36} +succeeded +in \d/);
    expect(screen).toMatch(/^COUNT +VALUE$/m);
    expect(screen).toMatch(/^added +300$/m);
    expect(screen).toMatch(/^invalid +1$/m);
    expect(screen).not.toContain(harness.tokens.admin);
  }, 120_000);

  it("stops following on Ctrl-C with exit code 130 and says the run goes on", async () => {
    const command = `'${process.execPath}' '${cli}' run ${harness.exportName}; echo EXIT=$?; sleep 600`;
    await tmux(["new-session", "-d", "-s", "interrupt", "-x", "160", "-y", "48", command], {
      ...process.env,
      CCX_ENDPOINT: harness.url,
      CCX_TOKEN: harness.tokens.admin,
    });
    const pane = async () => (await tmux(["capture-pane", "-p", "-t", "interrupt"])).stdout;
    let screen = "";
    for (let attempt = 0; attempt < 300 && !PROGRESS.test(screen); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      screen = await pane();
    }
    await tmux(["send-keys", "-t", "interrupt", "C-c"]);
    for (let attempt = 0; attempt < 300 && !screen.includes("EXIT="); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      screen = await pane();
    }
    expect(screen).toContain("EXIT=130");
    expect(screen).toMatch(/Stopped following run [0-9a-f-]{36}; it goes on\./);
    expect(screen).toContain(`stop it with \`ccx cancel ${harness.exportName}\``);
  }, 60_000);
});
