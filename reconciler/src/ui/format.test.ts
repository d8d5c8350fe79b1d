import { describe, expect, it } from "vitest";

// The page's scripts are browser JavaScript, type-checked by their own project
// (reconciler/src/ui/tsconfig.json): load this one by URL so that Node's strict project does not
// check it as well.
const { rowErrorsToCsv } = (await import(new URL("./format.js", import.meta.url).href)) as {
  rowErrorsToCsv: (errors: Array<Record<string, unknown>>) => string;
};

describe("rejected rows as CSV", () => {
  // A spreadsheet runs a cell that starts with = + - @ as a formula, also after a TAB or CR it
  // skips; each must come out prefixed with ' so that it stays text.
  it.each([
    ['=HYPERLINK("x")', `1,"'=HYPERLINK(""x"")"`],
    ["+1+2", "1,'+1+2"],
    ["-1-2", "1,'-1-2"],
    ["@SUM(A1)", "1,'@SUM(A1)"],
    ["\t=1+2", "1,'\t=1+2"],
    ["\r=1+2", `1,"'\r=1+2"`],
    ["plain, reason", `1,"plain, reason"`],
    ["bad e-mail", "1,bad e-mail"],
  ])("writes the reason %j as text", (reason, line) => {
    expect(rowErrorsToCsv([{ row: 1, reason }])).toBe(`row,reason\r\n${line}\r\n`);
  });
});
