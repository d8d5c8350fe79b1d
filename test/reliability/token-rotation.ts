/**
 * Scenario "token-rotation": ten exports on one connection, all running at once, exactly when
 * the access token expires — and with the emulator revoking the previous access token on every
 * refresh, so a run still holding the old one gets 401 and must refresh too. Refresh tokens
 * rotate (CONTRACT §5): of two concurrent refreshes with one token only one can win, and a lost
 * update or a crash before saving leaves the connection with a dead token.
 * Promises, per round: no `invalid_grant` from the token endpoint; every run succeeds; and the
 * refresh token the reconciler kept still works (the next round starts by refreshing it).
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  filesExport,
  filesSource,
  people,
  waitForRun,
  writeSegment,
  type RunJson,
} from "../integration/pipeline-run-support.ts";
import { messageOf, ScenarioReport, secondsSince, type ScenarioResult } from "./scenario.ts";
import { startReliabilityStack } from "./stack.ts";

export interface TokenRotationSize {
  /** Rounds of "expire, then start every export at once". */
  rounds: number;
  /** Exports on the one connection. @default 10 */
  exports?: number;
  /** Contacts per export. */
  profiles: number;
}

const DONE = (run: RunJson): boolean => run.status !== "queued" && run.status !== "running";

export async function tokenRotation(size: TokenRotationSize): Promise<ScenarioResult> {
  const report = new ScenarioReport("token-rotation");
  const started = performance.now();
  const exportCount = size.exports ?? 10;
  const stack = await startReliabilityStack({ scheduler: { concurrency: exportCount } });
  let runs = 0;
  let succeeded = 0;
  try {
    const { clientId } = await stack.connect("shared-conn");
    stack.emulator.faults.revokeAccessTokensOnRefresh(true);
    const names = Array.from({ length: exportCount }, (_, i) => `rotate-${i}`);
    for (const [i, name] of names.entries()) {
      await writeSegment(join(stack.segmentsDir, name), "seg", people(`r${i}-`, size.profiles));
      const put = await stack.call(
        "PUT",
        `/v1/exports/${name}`,
        filesExport("shared-conn", await filesSource(stack.call, join(stack.segmentsDir, name)), [
          "seg",
        ]),
      );
      report.expect(put.status === 201, `PUT ${name} answered ${put.status}`);
    }
    for (let round = 0; round < size.rounds; round += 1) {
      report.trials += 1;
      const label = `round ${round + 1}`;
      try {
        // Something to write in every round, so each run needs the API for more than a read.
        for (const [i, name] of names.entries()) {
          await writeSegment(
            join(stack.segmentsDir, name),
            "seg",
            people(`r${i}-`, size.profiles + round + 1),
          );
        }
        stack.emulator.faults.expireAccessTokens({ clientId });
        const queued = await Promise.all(
          names.map((name) => stack.call<RunJson>("POST", `/v1/exports/${name}/runs`)),
        );
        const finished = await Promise.all(
          queued.map((answer, i) =>
            waitForRun(stack.call, names[i] as string, answer.json.id, DONE, 600_000),
          ),
        );
        for (const [i, run] of finished.entries()) {
          runs += 1;
          if (
            report.expect(
              run.status === "succeeded",
              `${label}: ${names[i]} ended ${run.status} ${JSON.stringify(run.error)}`,
            )
          ) {
            succeeded += 1;
          }
        }
        // Let any straggling refresh settle before the next expiry.
        await sleep(50);
      } catch (error) {
        report.fail(`${label} crashed: ${messageOf(error)}`);
      }
    }
    const invalidGrants = stack.tokenRecorder.errors.filter((error) => error === "invalid_grant");
    report.expect(invalidGrants.length === 0, `${invalidGrants.length} invalid_grant answers`);
    // A 429 from the token endpoint (about 1 request/s per app) is retried and harmless; a lost
    // or rejected refresh token is not.
    const fatal = stack.tokenRecorder.errors.filter((error) => error !== "too_many_requests");
    report.expect(fatal.length === 0, `token endpoint errors: ${fatal.join(", ")}`);
    const connection = await stack.call<{ status: string }>("GET", "/v1/connections/shared-conn");
    report.expect(
      connection.json.status === "connected",
      `connection status ${connection.json.status} after the rounds`,
    );
    report.figures["exports"] = exportCount;
    report.figures["runs"] = runs;
    report.figures["succeeded"] = succeeded;
    report.figures["refreshes"] = stack.tokenRecorder.statusCounts[200] ?? 0;
    report.figures["invalidGrant"] = invalidGrants.length;
    report.figures["tokenThrottled"] = stack.tokenRecorder.statusCounts[429] ?? 0;
    report.figures["seconds"] = secondsSince(started);
  } finally {
    stack.emulator.faults.clear();
    await stack.close();
  }
  return report.result();
}
