/**
 * `ccx run <export>`: asks the reconciler to run an export now, follows it with a live progress
 * bar (rows read, chunks sent, activities done) on a terminal or plain lines elsewhere, and ends
 * with a summary table. The exit code says how the run ended.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ExportRun as RunView } from "../../../contract/run.ts";
import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";
import { runRemoteCommand, type CommandIo, type RemoteContext } from "./remote-command.ts";
import { plainProgressLine, ttyProgressLine } from "./run-progress-line.ts";
import { countsTable } from "./runs.ts";
import { colourStatus } from "./status.ts";
import { formatDuration, formatNumber, renderPairs, visibleLength } from "./terminal.ts";

const USAGE = `Usage: ccx run <export> [options]

Runs an export now and follows it: a live progress bar on a terminal (plain progress lines
otherwise), then a summary of the counts. Ctrl-C stops following; the run goes on (stop it with
\`ccx cancel <export>\`).

Options:
  --no-wait            only queue the run and print its id
  --interval <ms>      how often to ask for progress (100-60000, default 500)`;

/** Exit code after Ctrl-C: 128 + SIGINT, as shells report it. */
const INTERRUPTED = 130;

/** How each final status exits. */
export function exitCodeOfRun(run: RunView): ExitCodeValue {
  if (run.status === "succeeded") return ExitCode.ok;
  if (run.status === "paused") return ExitCode.guard;
  return ExitCode.failed;
}

/** Runs `ccx run <export>` and returns its exit code (see {@link exitCodeOfRun}). */
export function run(argv: string[], io?: CommandIo): Promise<number> {
  return runRemoteCommand(
    {
      name: "run",
      usage: USAGE,
      options: { "no-wait": { type: "boolean" }, interval: { type: "string" } },
      positionals: ["export"],
    },
    argv,
    async (context) => {
      const interval = Number(context.option("interval") ?? "500");
      if (!Number.isInteger(interval) || interval < 100 || interval > 60_000) {
        context.err("ccx run: --interval must be a whole number of milliseconds, 100-60000");
        return ExitCode.usage;
      }
      const [name = ""] = context.positionals;
      const queued = await context.api.triggerRun(name);
      if (context.values["no-wait"] === true) {
        context.out(
          context.values.json === true
            ? JSON.stringify(queued)
            : `Queued run ${queued.id} of '${name}'. Follow it with \`ccx runs ${name}\`.`,
        );
        return ExitCode.ok;
      }
      const finished = await follow(context, name, queued, interval);
      if (finished === "interrupted") {
        context.err(
          `Stopped following run ${queued.id}; it goes on. ` +
            `Watch it with \`ccx runs ${name}\`, stop it with \`ccx cancel ${name}\`.`,
        );
        return INTERRUPTED;
      }
      if (context.values.json === true) {
        context.out(JSON.stringify(finished));
      } else {
        context.out(summary(context, finished));
      }
      return exitCodeOfRun(finished);
    },
    io,
  );
}

const ACTIVE = new Set(["queued", "running"]);

/**
 * Polls the run until it ends, drawing progress unless `--json`. Ctrl-C stops following (not
 * the run) and resolves `"interrupted"`.
 */
async function follow(
  context: RemoteContext,
  name: string,
  queued: RunView,
  interval: number,
): Promise<RunView | "interrupted"> {
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  process.once("SIGINT", onInterrupt);
  try {
    return await poll(context, name, queued, interval, interrupt.signal);
  } finally {
    process.removeListener("SIGINT", onInterrupt);
  }
}

async function poll(
  context: RemoteContext,
  name: string,
  queued: RunView,
  interval: number,
  interrupted: AbortSignal,
): Promise<RunView | "interrupted"> {
  const started = Date.now();
  const json = context.values.json === true;
  const columns = (context.io.stdout as { columns?: number }).columns ?? 120;
  let current = queued;
  let tick = 0;
  let lastPlain = "";
  let lastPlainAt = 0;
  if (!json && !context.tty) context.out(`Run ${queued.id} of '${name}' queued.`);
  while (ACTIVE.has(current.status)) {
    const elapsed = Date.now() - started;
    if (!json && context.tty) {
      const line = ttyProgressLine(current, tick, elapsed, context.style);
      // Redraw in place; cut to the terminal's width so the line never wraps.
      context.io.stdout.write(`\r\x1b[2K${truncate(line, columns - 1)}`);
    } else if (!json) {
      const line = plainProgressLine(current, elapsed);
      const facts = line.slice(line.indexOf("]") + 1);
      // A plain line when something changed, at most once a second, for logs that stay short.
      if (facts !== lastPlain && Date.now() - lastPlainAt >= 1000) {
        context.out(line);
        lastPlain = facts;
        lastPlainAt = Date.now();
      }
    }
    tick += 1;
    try {
      await sleep(interval, undefined, { signal: interrupted });
    } catch {
      // Leave the progress line as it was drawn and move below it.
      if (!json && context.tty) context.io.stdout.write("\n");
      return "interrupted";
    }
    current = await context.api.getRun(name, current.id);
  }
  if (!json && context.tty) {
    context.io.stdout.write(
      `\r\x1b[2K${truncate(ttyProgressLine(current, tick, Date.now() - started, context.style), columns - 1)}\n`,
    );
  } else if (!json) {
    context.out(plainProgressLine(current, Date.now() - started));
  }
  return current;
}

function truncate(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  // Cutting through a colour sequence would leave the terminal coloured: drop colour instead.
  const plain = line.replace(/\x1b\[[0-9;]*m/g, "");
  return `${[...plain].slice(0, Math.max(0, width - 1)).join("")}…`;
}

/** What the run did: status, duration, cause, counts, error, rejected rows. */
function summary(context: RemoteContext, run: RunView): string {
  const { style } = context;
  const status = colourStatus(run.status === "paused" ? "paused by a guard" : run.status, style);
  const lines = [
    "",
    `${style.bold(`Run ${run.id}`)}  ${status}  in ${formatDuration(run.startedAt, run.finishedAt)}`,
    renderPairs(
      [
        ["export", run.export],
        ["trigger", run.trigger],
        ["generation", `${run.generation} (${run.definitionHash.slice(0, 12)})`],
        ["requested by", run.requestedBy],
        ...(run.stack === null ? [] : ([["stack", run.stack]] as Array<[string, string]>)),
        ...(run.updateId === null ? [] : ([["update", run.updateId]] as Array<[string, string]>)),
      ],
      style,
    ),
    "",
  ];
  lines.push(
    Object.keys(run.counts).length === 0
      ? style.dim("No counts were recorded.")
      : countsTable(run.counts, style),
  );
  if (run.error !== null) {
    lines.push("", `${style.red(run.error.code)}: ${run.error.message}`);
  }
  const drift = run.counts["listDrift"];
  if (drift !== undefined && drift !== 0) {
    lines.push(
      "",
      style.yellow(
        `List drift: the list has ${formatNumber(run.counts["listMembers"])} members where this ` +
          `export synced ${formatNumber(run.counts["expectedMembers"])}; someone edited it in ` +
          "Constant Contact, or contacts opted out. Reported, not reverted.",
      ),
    );
  }
  const rejected = run.rejectedSamples ?? [];
  if (rejected.length > 0) {
    lines.push(
      "",
      style.yellow(
        `${rejected.length} rejected row sample(s); see \`ccx runs ${run.export} --json\` or the status page.`,
      ),
    );
  }
  if (run.status === "paused") {
    lines.push("", "Nothing was written. Check the guard, then change it or run again.");
  }
  return lines.join("\n");
}
