/**
 * `ccx runs <export>`: the export's run history, newest first, with counts and the Pulumi stack
 * and update that caused each run.
 */
import type { ExportRun as RunView } from "../../../contract/run.ts";
import { ExitCode } from "./exit-codes.ts";
import { orderedCounts, summarizeCounts } from "./export-overview.ts";
import { runRemoteCommand, type CommandIo } from "./remote-command.ts";
import { colourStatus } from "./status.ts";
import { formatDuration, formatTime, renderTable, type Style } from "./terminal.ts";

const USAGE = `Usage: ccx runs <export> [options]

Shows an export's runs, newest first: when, why (trigger and the Pulumi stack and update that
caused it), status, duration, counts, and the error of a run that did not succeed.

Options:
  --limit <n>          how many runs (1-500, default 20)`;

/** Runs `ccx runs <export>` and returns its exit code. */
export function run(argv: string[], io?: CommandIo): Promise<number> {
  return runRemoteCommand(
    {
      name: "runs",
      usage: USAGE,
      options: { limit: { type: "string" } },
      positionals: ["export"],
    },
    argv,
    async (context) => {
      const [name = ""] = context.positionals;
      const limit = Number(context.option("limit") ?? "20");
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        context.err("ccx runs: --limit must be a whole number from 1 to 500");
        return ExitCode.usage;
      }
      const runs = await context.api.listRuns(name, limit);
      if (context.values.json === true) {
        context.out(JSON.stringify({ export: name, runs }));
        return ExitCode.ok;
      }
      if (runs.length === 0) {
        context.out(`Export '${name}' has not run yet. Start a run with \`ccx run ${name}\`.`);
        return ExitCode.ok;
      }
      context.out(runsTable(runs, context.style));
      for (const failed of runs.filter((entry) => entry.error !== null).slice(0, 3)) {
        context.out(
          context.style.dim(`\n${failed.id.slice(0, 8)} `) +
            `${failed.error?.code ?? ""}: ${failed.error?.message ?? ""}`,
        );
      }
      return ExitCode.ok;
    },
    io,
  );
}

function causeOf(entry: RunView): string {
  const parts: string[] = [entry.trigger];
  if (entry.stack !== null) parts.push(entry.stack);
  if (entry.updateId !== null) parts.push(`update ${entry.updateId}`);
  if (entry.stack === null) parts.push(`by ${entry.requestedBy}`);
  return parts.join(" · ");
}

/** The run history as a table: id, queued, status, duration, counts, cause. */
export function runsTable(runs: readonly RunView[], style: Style): string {
  return renderTable(
    [
      { header: "Run" },
      { header: "Queued" },
      { header: "Status" },
      { header: "Duration", numeric: true },
      { header: "Counts" },
      { header: "Caused by" },
    ],
    runs.map((entry) => [
      entry.id.slice(0, 8),
      formatTime(entry.queuedAt),
      colourStatus(entry.status === "paused" ? "paused by a guard" : entry.status, style),
      formatDuration(entry.startedAt, entry.finishedAt),
      summarizeCounts(entry.counts),
      causeOf(entry),
    ]),
    style,
  );
}

/** The counts of one run as a two-column table (`ccx run`'s summary). */
export function countsTable(counts: Record<string, number>, style: Style): string {
  const entries = orderedCounts(counts);
  return renderTable(
    [{ header: "Count" }, { header: "Value", numeric: true }],
    entries.map(([key, value]) => [key, new Intl.NumberFormat("en-US").format(value)]),
    style,
  );
}
