/**
 * `ccx status`: every export with its status, schedule, last refresh, last counts and what the
 * token may do with it, like the status page's Exports table.
 */
import type { RequestBudget as BudgetView } from "../../../contract/scheduling.ts";
import type { ReconcilerClient as ApiClient } from "./api-client.ts";
import { overviewOf, summarizeCounts, type ExportOverview } from "./export-overview.ts";
import { ExitCode } from "./exit-codes.ts";
import { runRemoteCommand, type CommandIo, type RemoteContext } from "./remote-command.ts";
import { formatTime, renderTable, type Style } from "./terminal.ts";

const USAGE = `Usage: ccx status [options]

Lists every export: connection, status (of the newest run), schedule, when it last refreshed,
the counts of that refresh, and what your token may do with it; then today's Constant Contact
request budget of each connection's application (shared by all its exports, reset at 00:00 UTC).

Options:`;

/** Runs of each export read to find the newest succeeded one. */
const RUNS_PER_EXPORT = 20;

/** Runs `ccx status` and returns its exit code. */
export function run(argv: string[], io?: CommandIo): Promise<number> {
  return runRemoteCommand(
    { name: "status", usage: USAGE, options: {}, positionals: [] },
    argv,
    showStatus,
    io,
  );
}

async function showStatus(context: RemoteContext): Promise<number> {
  const { api } = context;
  const [me, exports] = await Promise.all([api.me(), api.listExports()]);
  const runs = await Promise.all(exports.map((item) => api.listRuns(item.name, RUNS_PER_EXPORT)));
  const overview = exports.map((item, index) => overviewOf(item, runs[index] ?? [], me));
  const budgets = await budgetsOf(api, [...new Set(overview.map((entry) => entry.connection))]);
  if (context.values.json === true) {
    context.out(
      JSON.stringify({ token: { name: me.name, role: me.role }, exports: overview, budgets }),
    );
    return ExitCode.ok;
  }
  if (overview.length === 0) {
    context.out("No exports yet. Declare a SegmentExport in a Pulumi stack and run `pulumi up`.");
    return ExitCode.ok;
  }
  context.out(statusTable(overview, context.style));
  if (budgets.length > 0) context.out(`\n${budgetTable(budgets, context.style)}`);
  context.out(context.style.dim(`\nSigned in as ${me.name} (${me.role}) at ${context.endpoint}`));
  return ExitCode.ok;
}

/** Colours a run status: green done, red failed, yellow stopped, cyan busy. */
export function colourStatus(status: string, style: Style): string {
  if (status === "succeeded") return style.green(status);
  if (status === "failed") return style.red(status);
  if (status === "queued" || status === "running") return style.cyan(status);
  if (status.startsWith("paused") || status === "cancelled") return style.yellow(status);
  return style.dim(status);
}

/** The budgets of these connections; one that cannot be read (e.g. just deleted) is left out. */
async function budgetsOf(api: ApiClient, connections: string[]): Promise<BudgetView[]> {
  const budgets = await Promise.all(
    connections.map((connection) => api.getBudget(connection).catch(() => undefined)),
  );
  return budgets.filter((budget): budget is BudgetView => budget !== undefined);
}

function budgetTable(budgets: BudgetView[], style: Style): string {
  const number = (value: number) => value.toLocaleString("en-US");
  return renderTable(
    [
      { header: "Connection" },
      { header: "Requests today", numeric: true },
      { header: "Reserved", numeric: true },
      { header: "Remaining", numeric: true },
      { header: "Resets" },
    ],
    budgets.map((budget) => [
      budget.connection,
      `${number(budget.used)} of ${number(budget.dailyLimit)}`,
      number(budget.reserved),
      budget.remaining === 0 ? style.red("0") : number(budget.remaining),
      formatTime(budget.resetsAt),
    ]),
    style,
  );
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

function statusTable(overview: ExportOverview[], style: Style): string {
  return renderTable(
    [
      { header: "Name" },
      { header: "Connection" },
      { header: "Status" },
      { header: "Schedule" },
      { header: "Last refreshed" },
      { header: "Last counts" },
      { header: "You may" },
    ],
    overview.map((entry) => [
      entry.name,
      entry.connection,
      colourStatus(entry.status, style) +
        (entry.listDrift !== null && entry.listDrift !== 0
          ? style.yellow(` (list drift ${signed(entry.listDrift)})`)
          : ""),
      entry.schedule,
      entry.lastRefreshedAt === null ? "never" : formatTime(entry.lastRefreshedAt),
      summarizeCounts(entry.lastCounts),
      entry.permissions.join(", "),
    ]),
    style,
  );
}
