import { describe, expect, it } from "vitest";
import { splitLines } from "./text-lines.ts";

async function* from(chunks: string[]): AsyncGenerator<string> {
  for (const chunk of chunks) yield await Promise.resolve(chunk);
}

describe("splitLines", () => {
  const cases: Array<[string, string[], string[]]> = [
    ["nothing", [], []],
    ["one line without newline", ["abc"], ["abc"]],
    ["lines across chunk borders", ["a\nb", "c\nd", "\n"], ["a", "bc", "d"]],
    ["CRLF, also split between chunks", ["a\r", "\nb\r\n"], ["a", "b"]],
    ["empty lines are kept", ["\n\na\n"], ["", "", "a"]],
  ];
  it.each(cases)("%s", async (_name, chunks, lines) => {
    const out: string[] = [];
    for await (const line of splitLines(from(chunks))) out.push(line);
    expect(out).toEqual(lines);
  });
});
