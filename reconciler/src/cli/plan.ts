/**
 * `ccx plan <export>`: what running the export now would do to its list (adds, updates,
 * removals, suppressed opt-outs), the guards' verdicts and the Constant Contact requests it would
 * cost, computed by the reconciler without writing anything.
 */
import { ExitCode } from "./exit-codes.ts";
import { runPlanPreview } from "./plan-preview.ts";
import { processIo, runRemoteCommand, type CommandIo } from "./remote-command.ts";
import { formatNumber, renderPairs, renderTable, type Style } from "./terminal.ts";

const USAGE = `Usage: ccx plan <export> [options]

Reads the export's segments and compares them with what it last synced, then prints what a run
would change, whether a guard would stop it, and how many Constant Contact requests it would
cost. Nothing is written.

  ccx plan --preview <file> [--json]
summarises \`pulumi preview --json\` output for a pull request instead, with no reconciler and no
token; \`ccx plan --preview - --help\` shows its options and exit codes.

Options:`;

/** The parts of a plan answer this command shows; every field may be missing. */
interface PlanView {
  counts?: Record<string, number>;
  previousSnapshotSize?: number;
  membership?: string;
  blocked?: boolean;
  verdicts?: Array<{
    guard?: string;
    passed?: boolean;
    limit?: number;
    actual?: number;
    reason?: string;
  }>;
  estimate?: { total?: number; imports?: number; removals?: number; formula?: string };
  rows?: number;
  rowErrors?: unknown[];
}

/** The plan inside an answer: `{ plan: {...}, rows, … }` or the plan itself. */
export function planOf(body: Record<string, unknown>): PlanView {
  const inner = body["plan"];
  return typeof inner === "object" && inner !== null ? inner : body;
}

const COUNT_LABELS: Array<[string, string]> = [
  ["profiles", "profiles in the segments"],
  ["adds", "to add"],
  ["updates", "to update"],
  ["removals", "to remove"],
  ["retained", "kept (add-only)"],
  ["suppressed", "suppressed opt-outs"],
  ["unchanged", "unchanged"],
  ["invalid", "invalid rows"],
  ["duplicates", "duplicate rows"],
];

/** True when the command line asks for the preview form (`--preview <file>`). */
function wantsPreview(argv: string[]): boolean {
  return argv.some((arg) => arg === "--preview" || arg.startsWith("--preview="));
}

/**
 * Runs `ccx plan <export>`: exit 0, or 3 when a guard blocks the plan. With `--preview <file>`
 * it summarises a `pulumi preview --json` document instead (plan-preview.ts).
 */
export function run(argv: string[], io?: CommandIo): Promise<number> {
  if (wantsPreview(argv)) return runPlanPreview(argv, io ?? processIo());
  return runRemoteCommand(
    { name: "plan", usage: USAGE, options: {}, positionals: ["export"] },
    argv,
    async (context) => {
      const [name = ""] = context.positionals;
      const body = await context.api.planExport(name);
      const plan = planOf(body);
      if (context.values.json === true) {
        context.out(JSON.stringify(body));
      } else {
        context.out(renderPlan(name, plan, context.style));
      }
      return plan.blocked === true ? ExitCode.guard : ExitCode.ok;
    },
    io,
  );
}

/** The plan for people: counts, guard verdicts, request estimate and the verdict. */
export function renderPlan(name: string, plan: PlanView, style: Style): string {
  const counts = plan.counts ?? {};
  const lines = [
    style.bold(`Plan of '${name}'`) +
      (plan.membership === undefined ? "" : style.dim(` (membership: ${plan.membership})`)),
    "",
    renderPairs(
      [
        ...(plan.rows === undefined
          ? []
          : ([["rows read", formatNumber(plan.rows)]] as Array<[string, string]>)),
        ...COUNT_LABELS.filter(([key]) => counts[key] !== undefined).map(
          ([key, label]): [string, string] => [label, formatNumber(counts[key])],
        ),
      ],
      style,
    ),
  ];
  const rowErrors = plan.rowErrors?.length ?? 0;
  if (rowErrors > 0) {
    lines.push(
      "",
      style.yellow(`${formatNumber(rowErrors)} row(s) would be rejected; --json lists them.`),
    );
  }
  const verdicts = plan.verdicts ?? [];
  if (verdicts.length > 0) {
    lines.push(
      "",
      renderTable(
        [
          { header: "Guard" },
          { header: "Verdict" },
          { header: "Planned", numeric: true },
          { header: "Limit", numeric: true },
          { header: "Reason" },
        ],
        verdicts.map((verdict) => [
          verdict.guard ?? "-",
          verdict.passed === false ? style.red("blocks") : style.green("passes"),
          formatNumber(verdict.actual),
          formatNumber(verdict.limit),
          verdict.reason ?? "",
        ]),
        style,
      ),
    );
  }
  if (plan.estimate?.total !== undefined) {
    lines.push(
      "",
      `Constant Contact requests: ${formatNumber(plan.estimate.total)}` +
        (plan.estimate.formula === undefined ? "" : style.dim(` (${plan.estimate.formula})`)),
    );
  }
  lines.push(
    "",
    plan.blocked === true
      ? style.yellow("A guard blocks this plan: a run would pause and write nothing.")
      : "A run now would do this. Start it with `ccx run " + name + "`.",
  );
  return lines.join("\n");
}
