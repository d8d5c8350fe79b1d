/**
 * Scenario "bad-input": a table of inputs a segment export meets in real life, each run through
 * the real reconciler API against the emulator. Each case names what must happen — rejected
 * with a stable error code (and a message that says what to fix), or, for inputs that are valid
 * after all (a UTF-8 BOM), handled correctly — and what must not: no write to Constant Contact
 * (no list, contact or activity in the case's own account) unless the case is valid.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  filesExport,
  filesSource,
  filesSourceName,
  people,
  runToEnd,
  writeSegment,
  type RunJson,
} from "../integration/pipeline-run-support.ts";
import { messageOf, ScenarioReport, secondsSince, type ScenarioResult } from "./scenario.ts";
import { startReliabilityStack, type ReliabilityStack } from "./stack.ts";

export interface BadInputSize {
  /** Profiles per export the reconciler allows (`runs.profileLimit`); the over-limit case sends one more. */
  profileLimit: number;
}

/** What a case must end in. */
type Expectation =
  | { kind: "rejected-definition"; status: number; code: string }
  | { kind: "run-fails"; status: "failed" | "paused"; code: string }
  | { kind: "run-succeeds"; members: number };

interface BadInputCase {
  name: string;
  expect: Expectation;
  /** Writes the segment files into `folder` and returns the export body to PUT. */
  prepare(folder: string, connection: string): Promise<Record<string, unknown>>;
  /** A run that must already have succeeded before the bad input arrives (empty segment). */
  before?: (folder: string) => Promise<void>;
}

const HEADER = "email,first_name,last_name";

function bytes(text: string): Buffer {
  return Buffer.from(text, "utf8");
}

function cases(size: BadInputSize): BadInputCase[] {
  const csv = async (folder: string, content: Buffer | string): Promise<void> => {
    await writeSegment(folder, "seg", []);
    await writeFile(join(folder, "seg.csv"), content);
  };
  const body = (folder: string, connection: string) =>
    filesExport(connection, filesSourceName(folder), ["seg"]);
  return [
    {
      name: "malformed CSV (unclosed quote)",
      expect: { kind: "run-fails", status: "failed", code: "SOURCE_MALFORMED" },
      async prepare(folder, connection) {
        await csv(folder, `${HEADER}\nann@example.com,"Ann,Lee\nbob@example.com,Bob,Ray\n`);
        return body(folder, connection);
      },
    },
    {
      name: "ragged CSV (a row with an extra field)",
      expect: { kind: "run-fails", status: "failed", code: "SOURCE_MALFORMED" },
      async prepare(folder, connection) {
        await csv(folder, `${HEADER}\nann@example.com,Ann,Lee,extra\n`);
        return body(folder, connection);
      },
    },
    {
      name: "missing e-mail column",
      expect: { kind: "run-fails", status: "failed", code: "SOURCE_MALFORMED" },
      async prepare(folder, connection) {
        await csv(folder, "mail,first_name,last_name\nann@example.com,Ann,Lee\n");
        return body(folder, connection);
      },
    },
    {
      name: "UTF-8 BOM before the header (valid: read correctly)",
      expect: { kind: "run-succeeds", members: 3 },
      async prepare(folder, connection) {
        const rows = people("bom", 3).map((p) => `${p.email},${p.first},${p.last ?? ""}`);
        await csv(
          folder,
          Buffer.concat([
            Buffer.from([0xef, 0xbb, 0xbf]),
            bytes(`${HEADER}\n${rows.join("\n")}\n`),
          ]),
        );
        return body(folder, connection);
      },
    },
    {
      name: "not UTF-8 (Latin-1 names)",
      expect: { kind: "run-fails", status: "failed", code: "SOURCE_MALFORMED" },
      async prepare(folder, connection) {
        await csv(
          folder,
          Buffer.concat([
            bytes(`${HEADER}\nzoe@example.com,Zo`),
            Buffer.from([0xeb]),
            bytes(",M"),
            Buffer.from([0xfc]),
            bytes("ller\n"),
          ]),
        );
        return body(folder, connection);
      },
    },
    {
      name: `over the profile limit (${size.profileLimit + 1} rows)`,
      expect: { kind: "run-fails", status: "failed", code: "EXPORT_PROFILE_LIMIT" },
      async prepare(folder, connection) {
        await writeSegment(folder, "seg", people("many", size.profileLimit + 1));
        return body(folder, connection);
      },
    },
    {
      name: "only invalid e-mails",
      expect: { kind: "run-succeeds", members: 0 },
      async prepare(folder, connection) {
        const invalid = [
          "no-at-sign",
          "two@@example.com",
          "a b@example.com",
          "x@nodot",
          "<x>@example.com",
          "x@-bad.com",
          "x@example.c0m",
        ];
        await csv(folder, `${HEADER}\n${invalid.map((e) => `${e},A,B`).join("\n")}\n`);
        return body(folder, connection);
      },
    },
    {
      name: "very long fields (300-char e-mail, 1 MB name)",
      expect: { kind: "run-succeeds", members: 0 },
      async prepare(folder, connection) {
        const longEmail = `${"a".repeat(288)}@example.com`;
        await csv(
          folder,
          `${HEADER}\n${longEmail},A,B\nlong@example.com,${"n".repeat(1_000_000)},B\n`,
        );
        return body(folder, connection);
      },
    },
    {
      name: "empty segment after a synced one (mirror would empty the list)",
      expect: { kind: "run-fails", status: "paused", code: "EXPORT_GUARD_TRIPPED" },
      async before(folder) {
        await writeSegment(folder, "seg", people("kept", 20));
      },
      async prepare(folder, connection) {
        return body(folder, connection);
      },
    },
    {
      name: "segment source missing",
      expect: { kind: "run-fails", status: "failed", code: "SOURCE_NOT_FOUND" },
      async prepare(folder, connection) {
        await writeSegment(folder, "other", people("o", 2));
        return body(folder, connection);
      },
    },
    {
      name: "unknown connection",
      expect: { kind: "rejected-definition", status: 400, code: "VALIDATION_FAILED" },
      async prepare(folder) {
        await writeSegment(folder, "seg", people("u", 2));
        return body(folder, "no-such-connection");
      },
    },
  ];
}

/** What the emulator holds for an account: lists, contacts and activities. */
function written(
  stack: ReliabilityStack,
  accountId: string,
): { lists: number; contacts: number; activities: number } {
  return {
    lists: stack.emulator.inspect.lists(accountId).length,
    contacts: stack.emulator.inspect.contacts(accountId).length,
    activities: stack.emulator.inspect.activities(accountId).length,
  };
}

async function runCase(
  stack: ReliabilityStack,
  index: number,
  testCase: BadInputCase,
  report: ScenarioReport,
): Promise<void> {
  const label = `case "${testCase.name}"`;
  const connection = `bad-${index}`;
  const exportName = `bad-input-${index}`;
  const folder = join(stack.segmentsDir, exportName);
  await filesSource(stack.call, folder);
  const { accountId } = await stack.connect(connection);
  const expectation = testCase.expect;
  let baseline = written(stack, accountId);
  if (testCase.before !== undefined) {
    await testCase.before(folder);
    const first = await stack.call(
      "PUT",
      `/v1/exports/${exportName}`,
      filesExport(connection, filesSourceName(folder), ["seg"]),
    );
    if (!report.expect(first.status === 201, `${label}: setup export answered ${first.status}`))
      return;
    const synced = await runToEnd(stack.call, exportName);
    if (!report.expect(synced.status === "succeeded", `${label}: setup run ${synced.status}`))
      return;
    await writeSegment(folder, "seg", []);
    baseline = written(stack, accountId);
  }
  const definition = await testCase.prepare(folder, connection);
  const put = await stack.call<{ error?: { code: string; message: string } }>(
    "PUT",
    `/v1/exports/${exportName}`,
    testCase.before === undefined ? definition : undefined,
  );
  if (expectation.kind === "rejected-definition") {
    report.expect(
      put.status === expectation.status && put.json.error?.code === expectation.code,
      `${label}: PUT answered ${put.status} ${JSON.stringify(put.json.error)}, expected ${expectation.status} ${expectation.code}`,
    );
    report.expect((put.json.error?.message.length ?? 0) > 10, `${label}: no clear message`);
  } else {
    if (
      testCase.before === undefined &&
      !report.expect(
        put.status === 201,
        `${label}: PUT answered ${put.status} ${JSON.stringify(put.json)}`,
      )
    )
      return;
    const run: RunJson = await runToEnd(stack.call, exportName);
    if (expectation.kind === "run-fails") {
      report.expect(
        run.status === expectation.status && run.error?.code === expectation.code,
        `${label}: run ended ${run.status} ${JSON.stringify(run.error)}, expected ${expectation.status} ${expectation.code}`,
      );
      report.expect((run.error?.message.length ?? 0) > 10, `${label}: no clear message`);
    } else {
      report.expect(
        run.status === "succeeded",
        `${label}: run ended ${run.status} ${JSON.stringify(run.error)}`,
      );
      const lists = stack.emulator.inspect.lists(accountId).filter((list) => !list.deleted);
      const members = lists.reduce(
        (sum, list) => sum + stack.emulator.inspect.listMembers(list.listId).length,
        0,
      );
      report.expect(
        members === expectation.members,
        `${label}: ${members} list members, expected ${expectation.members}`,
      );
      // Only the segment's valid contacts reach Constant Contact: no stray contact from a bad row.
      const contacts = stack.emulator.inspect.contacts(accountId).length;
      report.expect(
        contacts === expectation.members,
        `${label}: ${contacts} contacts written, expected ${expectation.members}`,
      );
      return;
    }
  }
  const after = written(stack, accountId);
  report.expect(
    after.lists === baseline.lists &&
      after.contacts === baseline.contacts &&
      after.activities === baseline.activities,
    `${label}: wrote to Constant Contact (before ${JSON.stringify(baseline)}, after ${JSON.stringify(after)})`,
  );
}

export async function badInput(size: BadInputSize): Promise<ScenarioResult> {
  const report = new ScenarioReport("bad-input");
  const started = performance.now();
  const stack = await startReliabilityStack({ runs: { profileLimit: size.profileLimit } });
  try {
    const table = cases(size);
    let held = 0;
    for (const [index, testCase] of table.entries()) {
      report.trials += 1;
      const failuresBefore = report.failureCount;
      try {
        await runCase(stack, index, testCase, report);
      } catch (error) {
        report.fail(`case "${testCase.name}" crashed: ${messageOf(error)}`);
      }
      if (report.failureCount === failuresBefore) held += 1;
    }
    report.figures["cases"] = table.length;
    report.figures["held"] = held;
    report.figures["seconds"] = secondsSince(started);
  } finally {
    await stack.close();
  }
  return report.result();
}
