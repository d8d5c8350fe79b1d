import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { CsvRecordParser, CsvSyntaxError } from "./csv-records.ts";

/** Records of `text` fed in pieces of `size` characters (every split point gets exercised). */
function recordsOf(text: string, size = text.length): Array<{ fields: string[]; line: number }> {
  const parser = new CsvRecordParser();
  const records: Array<{ fields: string[]; line: number }> = [];
  const sink = (fields: string[], line: number): void => {
    records.push({ fields, line });
  };
  for (let at = 0; at < text.length; at += size) parser.push(text.slice(at, at + size), sink);
  parser.end(sink);
  return records;
}

const CASES: Array<[string, string]> = [
  ["plain LF", "a,b,c\n1,2,3\n"],
  ["CRLF and no final line break", "a,b\r\n1,2"],
  ["BOM", "\uFEFFEmail,Name\nx@example.com,Ann\n"],
  ["quoted comma, escaped quotes, line break", 'a,b\n"x, y","He said ""hi""\r\nbye"\n'],
  ["empty lines skipped", "a,b\n\n1,2\n\n3,4\n"],
  ["empty CRLF lines skipped", "a,b\r\n\r\n1,2\r\n\r\n3,4\r\n"],
  ["empty fields", 'a,b,c\n,,\n"",x,\n'],
  ["quoted field at the end of the file", 'a,b\n1,"two"'],
  ["only quotes", 'a\n""""\n'],
  ["non-ASCII", 'name\nUrbán\n"Zoë, 中"\n'],
];

describe("CsvRecordParser", () => {
  it.each(CASES)("parses %s like csv-parse, however the text is split", (_name, text) => {
    const expected: string[][] = parse(text, { bom: true, skip_empty_lines: true });
    for (const size of [1, 2, 3, 5, 7, text.length]) {
      expect(recordsOf(text, size).map((record) => record.fields)).toEqual(expected);
    }
  });

  it("reports the line each record ends on, counting line breaks inside quotes", () => {
    const lines = recordsOf('h\n"a\nb"\n\nc\n', 2).map((record) => record.line);
    expect(lines).toEqual([1, 3, 5]);
  });

  it.each([
    ["a quote inside an unquoted field", 'a,b\nx"y,z\n', "CSV_INVALID_OPENING_QUOTE", 2],
    ["text after a closing quote", 'a,b\n"x"y,z\n', "CSV_INVALID_CLOSING_QUOTE", 2],
    ["a quote left open", 'a,b\n1,2\n"x,y\n', "CSV_QUOTE_NOT_CLOSED", 3],
  ])("rejects %s with its code and line, like csv-parse", (_name, text, code, line) => {
    expect(() => parse(text)).toThrow();
    for (const size of [1, 4, text.length]) {
      let caught: unknown;
      try {
        recordsOf(text, size);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CsvSyntaxError);
      expect(caught).toMatchObject({ code, line });
    }
  });

  it("splits on another delimiter", () => {
    const parser = new CsvRecordParser(";");
    const records: string[][] = [];
    parser.push('a;b\n"1;2";3\n', (fields) => records.push(fields));
    parser.end((fields) => records.push(fields));
    expect(records).toEqual([
      ["a", "b"],
      ["1;2", "3"],
    ]);
  });
});
