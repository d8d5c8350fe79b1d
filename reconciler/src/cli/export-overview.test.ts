import { describe, expect, it } from "vitest";
import type { SegmentExport } from "../../../contract/export.ts";
import type { Me } from "../../../contract/me.ts";
import type { ExportRun as RunView } from "../../../contract/run.ts";
import { describeSchedule, driftOf, overviewOf, summarizeCounts } from "./export-overview.ts";

const item = (overrides: Partial<SegmentExport> = {}): SegmentExport =>
  ({
    name: "eu",
    attached: true,
    definition: { connection: "main", enabled: true, schedule: { cron: "0 3 * * *" } },
    ...overrides,
  }) as SegmentExport;

const run = (status: RunView["status"], counts: Record<string, number> = {}): RunView =>
  ({
    id: `run-${status}`,
    status,
    counts,
    queuedAt: "2026-11-23T10:00:00.000Z",
    finishedAt: status === "running" ? null : "2026-11-23T10:01:00.000Z",
  }) as RunView;

const me = (actions: Me["exports"][number]["actions"]): Me => ({
  name: "t",
  role: "contributor",
  actions,
  exports: [{ name: "eu", actions }],
});

describe("overviewOf", () => {
  it.each([
    ["detached", item({ attached: false }), [run("succeeded")], "detached"],
    [
      "disabled",
      item({
        definition: { connection: "main", enabled: false, schedule: {} },
      } as Partial<SegmentExport>),
      [],
      "disabled",
    ],
    ["never run", item(), [], "never run"],
    ["a guard pause, said plainly", item(), [run("paused")], "paused by a guard"],
    ["the newest run", item(), [run("running"), run("succeeded")], "running"],
  ])("status of %s", (_name, exportItem, runs, status) => {
    expect(overviewOf(exportItem, runs, me(["export.read"])).status).toBe(status);
  });

  it("takes last refresh and counts from the newest succeeded run, not the newest run", () => {
    const overview = overviewOf(
      item(),
      [run("failed"), run("succeeded", { added: 3, listDrift: -2 })],
      me(["export.read", "export.manage"]),
    );
    expect(overview).toMatchObject({
      status: "failed",
      lastRefreshedAt: "2026-11-23T10:01:00.000Z",
      lastCounts: { added: 3, listDrift: -2 },
      listDrift: -2,
      permissions: ["view", "run", "cancel", "change"],
      latestRun: { id: "run-failed", status: "failed" },
    });
  });
});

describe("summaries", () => {
  it.each([
    [{ added: 1200, updated: 4, removed: 3, read: 1500 }, "+1,200 ~4 -3 of 1,500 read"],
    [{ requests: 8 }, "requests 8"],
    [{}, "-"],
  ])("summarizeCounts(%o) = %s", (counts, text) => {
    expect(summarizeCounts(counts)).toBe(text);
  });

  it.each([
    [{ cron: "0 3 * * *", timeZone: "Europe/Berlin" }, "0 3 * * * (Europe/Berlin)"],
    [{ onSourceChange: true, onStackChange: true }, "on source change, on stack change"],
    [{}, "on demand"],
  ])("describeSchedule(%o) = %s", (schedule, text) => {
    expect(describeSchedule(schedule)).toBe(text);
  });

  it.each([
    [run("succeeded", { listMembers: 10, expectedMembers: 10 }), 0],
    [run("succeeded", { listMembers: 11, expectedMembers: 10, listDrift: 1 }), 1],
    [run("succeeded", { listMembers: -1 }), null],
    [undefined, null],
  ])("driftOf → %s", (given, drift) => {
    expect(driftOf(given)).toBe(drift);
  });
});
