/**
 * Ends every test run with one plain line, `tests: N passed, N failed, N skipped`, that scripts
 * and CI logs can read without parsing vitest's coloured summary.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      let failedInModule = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") counts.passed += 1;
        else if (state === "failed") failedInModule += 1;
        else counts.skipped += 1;
      }
      // A file that failed to load has no test to count, but it failed.
      counts.failed += module.state() === "failed" ? Math.max(1, failedInModule) : failedInModule;
    }
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
  }
}
