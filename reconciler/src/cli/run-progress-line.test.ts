import { describe, expect, it } from "vitest";
import type { ExportRun as RunView } from "../../../contract/run.ts";
import { fractionOf, phaseOf, plainProgressLine, ttyProgressLine } from "./run-progress-line.ts";
import { createStyle } from "./terminal.ts";

const running = (progress: RunView["progress"]): RunView =>
  ({ status: "running", progress }) as RunView;

describe("run progress line", () => {
  it.each([
    [null, 0],
    [{ phase: "reading-segments", chunksSent: 0, chunksTotal: 0 }, 0],
    [{ phase: "importing", chunksSent: 1, chunksTotal: 4 }, 0.25],
    [{ phase: "done", chunksSent: 0, chunksTotal: 0 }, 1],
  ])("fraction of %o is %s", (progress, fraction) => {
    expect(fractionOf(progress as RunView["progress"])).toBe(fraction);
  });

  it("names the phase in words, and queued before a worker starts", () => {
    expect(phaseOf({ status: "queued", progress: null } as RunView)).toBe("queued");
    expect(phaseOf(running(null))).toBe("starting");
    expect(phaseOf(running({ phase: "recording-snapshot" } as RunView["progress"]))).toBe(
      "recording snapshot",
    );
  });

  it("draws the bar, percent and facts on a terminal, and plain text elsewhere", () => {
    const run = running({
      phase: "importing",
      rowsRead: 12_000,
      chunksSent: 2,
      chunksTotal: 4,
      activitiesDone: 1,
    } as RunView["progress"]);
    expect(ttyProgressLine(run, 0, 3_200, createStyle(false))).toBe(
      "⠋  importing           [████████████░░░░░░░░░░░░]  50%  " +
        "12,000 rows read · 2/4 chunks sent · 1 activity done  3.2 s",
    );
    expect(plainProgressLine(run, 3_200)).toBe(
      "[   3.2 s] importing: 12,000 rows read · 2/4 chunks sent · 1 activity done",
    );
  });
});
