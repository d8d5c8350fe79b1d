/**
 * Plans against the real reconciler and emulator: each plan made afresh spends Constant Contact
 * requests, which the application's shared daily budget counts; a plan is reused while the
 * definition and its segments are unchanged; each token may make only so many plans a minute;
 * plans of proposed definitions are audited.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCcxTestStack, type CcxTestStack } from "../support/ccx-stack.ts";
import { apiCaller } from "../support/reconciler-fixtures.ts";
import { connectionBody } from "../support/reconciler-fixtures.ts";
import { filesExport, people, writeSegment } from "./pipeline-run-support.ts";

let stack: CcxTestStack;
/** The folder of the admin's source `plan-segments`, under the reconciler's files root. */
let folder: string;

beforeAll(async () => {
  stack = await startCcxTestStack({
    config: { plans: { reuseSeconds: 600, perTokenPerMinute: 3 } },
  });
  const { credentials } = stack.newCredentials("Plans");
  await stack.api("admin", "PUT", "/v1/connections/plans", connectionBody(credentials));
  // Segment files live under the reconciler's files root, in an admin's source shared with
  // contributors.
  folder = join(stack.segmentsRoot, "plans");
  await writeSegment(folder, "s", people("p", 12));
  await stack.api("admin", "PUT", "/v1/sources/plan-segments", {
    type: "files",
    sharing: "contributors",
    path: folder,
  });
  await stack.api(
    "admin",
    "PUT",
    "/v1/exports/planned",
    filesExport("plans", "plan-segments", ["s"]),
  );
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** Requests the emulator's `/v3` API answered (the token endpoint has no daily budget). */
function apiRequests(): number {
  return Object.entries(stack.emulator.inspect.requestCounts())
    .filter(([route]) => !route.includes("/oauth2/"))
    .reduce((sum, [, count]) => sum + count, 0);
}

interface Budget {
  used: number;
  remaining: number;
  dailyLimit: number;
}

describe("plans and the shared request budget", () => {
  it("counts the requests of each fresh plan, and reuses an unchanged plan for free", async () => {
    const budgetBefore = await stack.api<Budget>("admin", "GET", "/v1/connections/plans/budget");
    const requestsBefore = apiRequests();

    const first = await stack.api<{ reused: boolean; counts: { adds: number } }>(
      "viewer",
      "POST",
      "/v1/exports/planned/plan",
    );
    expect(first).toMatchObject({ reused: false, counts: { adds: 12 } });
    const spent = apiRequests() - requestsBefore;
    expect(spent).toBeGreaterThan(0);
    const afterFirst = await stack.api<Budget>("admin", "GET", "/v1/connections/plans/budget");
    expect(afterFirst.used - budgetBefore.used).toBe(spent);

    // Four more plans of the same definition and data: reused, nothing sent, nothing spent.
    for (let i = 0; i < 4; i += 1) {
      const again = await stack.api<{ reused: boolean; counts: { adds: number } }>(
        "viewer",
        "POST",
        "/v1/exports/planned/plan",
      );
      expect(again).toMatchObject({ reused: true, counts: { adds: 12 } });
    }
    expect(apiRequests() - requestsBefore).toBe(spent);
    const afterReuse = await stack.api<Budget>("admin", "GET", "/v1/connections/plans/budget");
    expect(afterReuse.used).toBe(afterFirst.used);

    // New segment data is a new version: planned afresh, and counted.
    await writeSegment(folder, "s", people("p", 13));
    const changed = await stack.api<{ reused: boolean; counts: { adds: number } }>(
      "viewer",
      "POST",
      "/v1/exports/planned/plan",
    );
    expect(changed).toMatchObject({ reused: false, counts: { adds: 13 } });
    const afterChange = await stack.api<Budget>("admin", "GET", "/v1/connections/plans/budget");
    expect(afterChange.used).toBeGreaterThan(afterReuse.used);
  });

  it("limits the fresh plans of one token per minute with 429 PLAN_RATE_LIMITED", async () => {
    const admin = apiCaller(stack.reconciler.url, stack.tokens.admin);
    // Three fresh plans (the data changes before each) are allowed, a fourth within the minute
    // is not.
    for (const size of [20, 21, 22]) {
      await writeSegment(folder, "s", people("p", size));
      const { status, json } = await admin<{ reused: boolean }>("POST", "/v1/exports/planned/plan");
      expect([status, json.reused]).toEqual([200, false]);
    }
    await writeSegment(folder, "s", people("p", 23));
    const refused = await admin<{ error: { code: string; details: Record<string, number> } }>(
      "POST",
      "/v1/exports/planned/plan",
    );
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe("PLAN_RATE_LIMITED");
    expect(refused.json.error.details.retryAfterSeconds).toBeGreaterThan(0);
    // Other tokens keep their own allowance.
    const viewer = apiCaller(stack.reconciler.url, stack.tokens.viewer);
    expect((await viewer("POST", "/v1/exports/planned/plan")).status).toBe(200);
  });

  it("audits plans of proposed definitions: who, which connection and source, what came out", async () => {
    const proposed = filesExport("plans", "plan-segments", ["s"], { membership: "add-only" });
    await stack.api("contributor", "POST", "/v1/exports/planned/plan", proposed);
    const audit = await stack.reconciler.store.listAudit({
      targetType: "export",
      targetName: "planned",
    });
    const entry = audit.find((item) => item.action === "export.plan");
    expect(entry).toMatchObject({
      actorName: "team-contributor",
      actorRole: "contributor",
      details: {
        proposed: true,
        connection: "plans",
        source: { name: "plan-segments" },
        outcome: "planned",
        reused: false,
      },
    });
    // Plans of the stored definition (what viewers may do) are not audit events.
    expect(audit.filter((item) => item.action === "export.plan")).toHaveLength(1);
  });
});
