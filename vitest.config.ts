import { defineConfig } from "vitest/config";

/**
 * Test layers (`npm test` runs the first three; `npm run bench` is separate):
 * - unit: pure logic and in-process servers, beside the code (`*.test.ts`);
 * - integration: suites that start real servers on loopback (`test/integration`);
 * - e2e: the real Pulumi CLI against real stacks (`test/e2e`).
 */
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          environment: "node",
          include: ["{contract,provider,reconciler,emulator,bin,scripts}/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
        },
      },
      {
        test: {
          name: "integration",
          environment: "node",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts"],
          // Each Pulumi operation starts the engine, the language host and Node: seconds, not ms.
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
