/**
 * Scenario "fault-storm": exports run while Constant Contact misbehaves all the time — 30 % of
 * `/v3` calls answered 429 `throttled` (a relay, see storm-proxy.ts), 5 % answered 5xx (JSON and
 * HTML bodies), 2 % of connections dropped (for activity POSTs after the activity was accepted,
 * the worst case: the client never learns its id), slow activities, slow activity polls, and the
 * real 4 requests/s limiter on top. Each trial runs a first export, then changes 5 % of the
 * segment (adds and leavers) and runs again.
 * Promises: every run converges (ends `succeeded` with the list equal to the segment); the
 * requests made stay within the daily budget of 10,000 per app (CONTRACT §2.1).
 */
import { join } from "node:path";
import {
  filesExport,
  filesSource,
  listIdByName,
  people,
  runToEnd,
  writeSegment,
  type Person,
} from "../integration/pipeline-run-support.ts";
import { messageOf, ScenarioReport, secondsSince, type ScenarioResult } from "./scenario.ts";
import { startReliabilityStack, type ReliabilityStack } from "./stack.ts";

export interface FaultStormSize {
  trials: number;
  profiles: number;
}

/** CONTRACT §2.1: requests per app and UTC day. */
export const DAILY_BUDGET = 10_000;

/** The `/v3` routes an export uses (keys of the emulator's request log). */
const READS = [
  "GET /v3/account/summary",
  "GET /v3/contact_lists",
  "GET /v3/contact_lists/{list_id}",
  "GET /v3/contacts",
  "GET /v3/activities",
  "GET /v3/activities/{activity_id}",
];
const WRITES = [
  "POST /v3/contact_lists",
  "POST /v3/activities/contacts_json_import",
  "POST /v3/activities/remove_list_memberships",
];

function raiseStorm(stack: ReliabilityStack): void {
  const faults = stack.emulator.faults;
  for (const route of [...READS, ...WRITES]) {
    faults.serverErrors(route, { probability: 0.025, status: 503, body: "json" });
    faults.serverErrors(route, { probability: 0.025, status: 502, body: "text" });
    faults.dropConnections(route, { probability: 0.02, afterEffect: WRITES.includes(route) });
  }
  faults.latency("GET /v3/activities/{activity_id}", { ms: 300, probability: 0.2 });
  // Slow activities: a 40,000-contact import takes about 4 s.
  faults.processingSpeed(10_000);
}

function sameMembers(members: string[], people: readonly Person[]): boolean {
  const expected = people.map((person) => person.email.toLowerCase()).sort();
  return members.length === expected.length && members.every((email, i) => email === expected[i]);
}

export async function faultStorm(size: FaultStormSize): Promise<ScenarioResult> {
  const report = new ScenarioReport("fault-storm");
  const started = performance.now();
  const stack = await startReliabilityStack({
    emulator: { activityTiming: "instant", rateLimits: true },
    throttleProbability: 0.3,
  });
  let runs = 0;
  let converged = 0;
  let maxRequests = 0;
  let maxReconcilerCount = 0;
  try {
    raiseStorm(stack);
    for (let trial = 0; trial < size.trials; trial += 1) {
      report.trials += 1;
      const label = `trial ${trial + 1}`;
      try {
        const name = `storm-${trial}`;
        // One app per trial: the daily budget is per app.
        const { accountId } = await stack.connect(`${name}-conn`);
        const requestsBefore = stack.storm?.requests ?? 0;
        const folder = join(stack.segmentsDir, name);
        const first = people(`s${trial}-`, size.profiles);
        await writeSegment(folder, "seg", first);
        const body = filesExport(`${name}-conn`, await filesSource(stack.call, folder), ["seg"]);
        const listName = (body["list"] as { name: string }).name;
        const put = await stack.call("PUT", `/v1/exports/${name}`, body);
        if (!report.expect(put.status === 201, `${label}: PUT export answered ${put.status}`))
          continue;
        const churn = Math.floor(size.profiles * 0.05);
        const second = [...first.slice(churn), ...people(`s${trial}-new-`, churn)];
        let reconcilerCount = 0;
        for (const [step, segment] of [first, second].entries()) {
          if (step === 1) await writeSegment(folder, "seg", segment);
          runs += 1;
          const run = await runToEnd(stack.call, name, 900_000);
          reconcilerCount += run.counts["requests"] ?? 0;
          const members = stack.emulator.inspect.listMembers(
            listIdByName(stack.emulator, accountId, listName),
          );
          const ok =
            report.expect(
              run.status === "succeeded",
              `${label} run ${step + 1}: ${run.status} ${JSON.stringify(run.error)}`,
            ) &&
            report.expect(
              sameMembers(members, segment),
              `${label} run ${step + 1}: list has ${members.length} members, segment ${segment.length}`,
            );
          if (ok) converged += 1;
        }
        const requests = (stack.storm?.requests ?? 0) - requestsBefore;
        maxRequests = Math.max(maxRequests, requests);
        maxReconcilerCount = Math.max(maxReconcilerCount, reconcilerCount);
        report.expect(
          requests <= DAILY_BUDGET,
          `${label}: ${requests} requests, over the daily budget of ${DAILY_BUDGET}`,
        );
      } catch (error) {
        report.fail(`${label} crashed: ${messageOf(error)}`);
      }
    }
    const counts = stack.emulator.inspect.requestCounts();
    report.figures["profiles"] = size.profiles;
    report.figures["runs"] = runs;
    report.figures["converged"] = converged;
    report.figures["requests"] = stack.storm?.requests ?? 0;
    report.figures["injected429"] = stack.storm?.throttled ?? 0;
    report.figures["maxRequestsPerApp"] = maxRequests;
    report.figures["maxCountedByReconciler"] = maxReconcilerCount;
    report.figures["budget"] = DAILY_BUDGET;
    report.figures["importPosts"] = counts["POST /v3/activities/contacts_json_import"] ?? 0;
    report.figures["seconds"] = secondsSince(started);
  } finally {
    stack.emulator.faults.clear();
    await stack.close();
  }
  return report.result();
}
