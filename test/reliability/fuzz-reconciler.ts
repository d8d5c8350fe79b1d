/**
 * Scenario "fuzz-reconciler": schemathesis against the reconciler's own OpenAPI document
 * (`/openapi.json`) with a valid admin token, every operation, every phase (examples, coverage,
 * fuzzing, stateful). Named resources exist beforehand (a connection, an export, a run) and the
 * fuzzer draws path parameters from them part of the time, so it gets past the 404s.
 * Promise: zero 5xx answers and zero answers that break their documented schema.
 */
import {
  writeSegment,
  people,
  filesExport,
  filesSource,
} from "../integration/pipeline-run-support.ts";
import { ScenarioReport, secondsSince, type ScenarioResult } from "./scenario.ts";
import { runSchemathesis } from "./schemathesis.ts";
import { startReliabilityStack } from "./stack.ts";

export interface FuzzSize {
  /** Test cases per operation and phase. */
  maxExamples: number;
}

export async function fuzzReconciler(size: FuzzSize): Promise<ScenarioResult> {
  const report = new ScenarioReport("fuzz-reconciler");
  const started = performance.now();
  const stack = await startReliabilityStack();
  try {
    await stack.connect("fuzz-conn");
    await writeSegment(`${stack.segmentsDir}/fuzz`, "members", people("fuzz", 20));
    await stack.call(
      "PUT",
      "/v1/exports/fuzz-export",
      filesExport("fuzz-conn", await filesSource(stack.call, `${stack.segmentsDir}/fuzz`), [
        "members",
      ]),
    );
    const run = await stack.call<{ id: string }>("POST", "/v1/exports/fuzz-export/runs");
    const outcome = await runSchemathesis({
      schema: `${stack.reconciler.url}/openapi.json`,
      headers: { Authorization: `Bearer ${stack.tokens.admin}` },
      maxExamples: size.maxExamples,
      knownPathValues: {
        name: ["fuzz-conn", "fuzz-export"],
        runId: [run.json.id],
      },
    });
    report.trials = outcome.operationsTested;
    report.figures["testCases"] = outcome.testCases;
    report.figures["failures"] = outcome.failures.length;
    report.figures["seconds"] = secondsSince(started);
    for (const failure of outcome.failures) report.fail(failure);
    for (const error of outcome.errors) report.fail(`fuzzer error: ${error}`);
    report.expect(outcome.testCases > 0, "schemathesis generated no test case");
  } finally {
    await stack.close();
  }
  return report.result();
}
