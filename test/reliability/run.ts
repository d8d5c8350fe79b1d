/**
 * `npm run test:reliability [-- --json] [-- <scenario> …]`: runs every reliability scenario at
 * its full size, one after the other, and prints a table (scenario, trials, result, figures) or,
 * with `--json`, the results as JSON. Exits 1 when a scenario fails. The CI-sized subset of the
 * same scenarios runs in `npm test` (`test/integration/reliability-*.test.ts`).
 */
import { messageOf, type ScenarioResult } from "./scenario.ts";
import { SCENARIOS } from "./scenarios.ts";

function formatFigures(figures: ScenarioResult["figures"]): string {
  return Object.entries(figures)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
}

function printTable(results: ScenarioResult[]): void {
  const rows = results.map((result) => [
    result.scenario,
    String(result.trials),
    result.passed ? "pass" : "FAIL",
    formatFigures(result.figures),
  ]);
  const header = ["scenario", "trials", "result", "figures"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(header)}\n${line(widths.map((width) => "-".repeat(width)))}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  for (const result of results) {
    for (const failure of result.failures.slice(0, 20)) {
      process.stdout.write(`\n${result.scenario}: ${failure}`);
    }
  }
  process.stdout.write("\n");
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const chosen = argv.filter((argument) => !argument.startsWith("--"));
  const unknown = chosen.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}\n`,
    );
    return 2;
  }
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS) {
    if (chosen.length > 0 && !chosen.includes(scenario.name)) continue;
    if (!json) process.stderr.write(`running ${scenario.name} …\n`);
    try {
      results.push(await scenario.full());
    } catch (error) {
      results.push({
        scenario: scenario.name,
        trials: 0,
        passed: false,
        figures: {},
        failures: [`scenario crashed: ${messageOf(error)}`],
      });
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else printTable(results);
  return results.every((result) => result.passed) ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
