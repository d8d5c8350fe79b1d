/**
 * Emulator benchmark: 25 imports of 40,000 contacts (the maximum per import) over HTTP into one
 * list, with instant activities and rate limits off; prints wall time, requests and peak RSS.
 *
 * Usage: `npm run bench -- emulator [--imports 25] [--size 40000] [--json]`
 */
import { parseArgs } from "node:util";
import { fetch } from "undici";
import { startEmulator } from "../../emulator/index.ts";

interface BenchmarkResult {
  benchmark: "emulator";
  imports: number;
  importSize: number;
  members: number;
  wallSeconds: number;
  requests: number;
  peakRssMb: number;
}

/** Runs the benchmark with `args` (the arguments after the benchmark name). */
export async function runBenchmark(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      imports: { type: "string", default: "25" },
      size: { type: "string", default: "40000" },
      json: { type: "boolean", default: false },
    },
  });
  const imports = Number(values.imports);
  const size = Number(values.size);
  const emulator = await startEmulator({ rateLimits: false, activityTiming: "instant" });
  try {
    const { clientId } = emulator.createApp();
    const { accountId } = emulator.createAccount();
    const { accessToken } = emulator.issueTokens(clientId, accountId);
    const headers = { authorization: `Bearer ${accessToken}`, "content-type": "application/json" };
    const call = async (
      method: string,
      path: string,
      body?: string,
    ): Promise<Record<string, unknown>> => {
      const response = await fetch(`${emulator.apiBaseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const parsed = (await response.json()) as Record<string, unknown>;
      if (response.status >= 300)
        throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(parsed)}`);
      return parsed;
    };

    const started = performance.now();
    const list = await call("POST", "/contact_lists", JSON.stringify({ name: "benchmark" }));
    const listId = String(list.list_id);
    const activityIds: string[] = [];
    for (let i = 0; i < imports; i += 1) {
      const items = Array.from({ length: size }, (_, j) => ({
        email: `b${i}-${j}@example.com`,
        first_name: `N${j}`,
      }));
      const activity = await call(
        "POST",
        "/activities/contacts_json_import",
        JSON.stringify({ import_data: items, list_ids: [listId] }),
      );
      activityIds.push(String(activity.activity_id));
    }
    for (const id of activityIds) {
      for (;;) {
        const activity = await call("GET", `/activities/${id}`);
        if (activity.state === "completed") break;
        if (activity.state !== "initialized" && activity.state !== "processing") {
          throw new Error(`activity ${id} ended ${String(activity.state)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const counted = await call("GET", `/contact_lists/${listId}?include_membership_count=all`);
    const wallSeconds = (performance.now() - started) / 1000;
    const result: BenchmarkResult = {
      benchmark: "emulator",
      imports,
      importSize: size,
      members: Number(counted.membership_count),
      wallSeconds: Math.round(wallSeconds * 100) / 100,
      requests: emulator.inspect.totalRequests(),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    if (result.members !== imports * size)
      throw new Error(`expected ${imports * size} members, got ${result.members}`);
    process.stdout.write(
      values.json
        ? `${JSON.stringify(result)}\n`
        : `emulator  ${imports} × ${size} imports  members ${result.members}  wall ${result.wallSeconds} s  requests ${result.requests}  peak RSS ${result.peakRssMb} MB\n`,
    );
  } finally {
    await emulator.close();
  }
}
