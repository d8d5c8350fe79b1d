import { describe, expect, it } from "vitest";
import {
  createStyle,
  formatDuration,
  progressBar,
  renderTable,
  visibleLength,
  wantsColour,
} from "./terminal.ts";

const plain = createStyle(false);

describe("wantsColour", () => {
  it.each([
    ["a terminal", { isTTY: true }, {}, true],
    ["a pipe", { isTTY: false }, {}, false],
    ["a terminal with NO_COLOR", { isTTY: true }, { NO_COLOR: "1" }, false],
    ["a terminal with an empty NO_COLOR", { isTTY: true }, { NO_COLOR: "" }, true],
    ["a dumb terminal", { isTTY: true }, { TERM: "dumb" }, false],
  ])("%s → %s", (_name, stream, env, expected) => {
    expect(wantsColour(stream, env)).toBe(expected);
  });
});

describe("renderTable", () => {
  it("aligns columns by visible width, numbers to the right, colour codes ignored", () => {
    const colour = createStyle(true);
    const table = renderTable(
      [{ header: "Name" }, { header: "Rows", numeric: true }, { header: "Status" }],
      [
        ["a", "1,000", colour.green("succeeded")],
        ["longer-name", "7", colour.red("failed")],
      ],
      plain,
    );
    expect(table.replace(/\x1b\[[0-9;]*m/g, "").split("\n")).toEqual([
      "NAME          ROWS  STATUS",
      "a            1,000  succeeded",
      "longer-name      7  failed",
    ]);
  });
});

describe("progressBar and visibleLength", () => {
  it.each([
    [0, "[░░░░░░░░░░]"],
    [0.5, "[█████░░░░░]"],
    [1, "[██████████]"],
    [7, "[██████████]"],
    [Number.NaN, "[░░░░░░░░░░]"],
  ])("%s → %s", (fraction, bar) => {
    expect(progressBar(fraction, 10)).toBe(bar);
    expect(visibleLength(progressBar(fraction, 10))).toBe(12);
  });
});

describe("formatDuration", () => {
  it.each([
    ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:03.250Z", "3.3 s"],
    ["2026-01-01T00:00:00.000Z", "2026-01-01T00:01:05.000Z", "65 s"],
    ["2026-01-01T00:00:00.000Z", "2026-01-01T00:12:05.000Z", "12 min 5 s"],
    ["2026-01-01T00:00:00.000Z", null, "-"],
  ])("%s → %s = %s", (start, end, expected) => {
    expect(formatDuration(start, end)).toBe(expected);
  });
});
