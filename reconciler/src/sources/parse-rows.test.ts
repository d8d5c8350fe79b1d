import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseCsvRecordBatches, parseCsvRowBatches } from "./parse-rows.ts";

/** A CSV field as a writer would quote it. */
const quoted = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/** Rows whose values hold commas, quotes, line breaks and non-ASCII text, spread over the file. */
function rowsOf(count: number): string[][] {
  return Array.from({ length: count }, (_, i) => [
    `user${i}@example.com`,
    i % 7 === 0 ? `line one\nline ${i}, two` : `Name ${i}`,
    i % 5 === 0 ? `The "Best", Co ${i}` : "Zoë 中",
  ]);
}

async function parse(
  text: string,
  chunkBytes: number,
): Promise<{ records: string[][]; batches: number; rows: Array<Record<string, string>> }> {
  const bytes = Buffer.from(text);
  const chunks = (): Buffer[] => {
    const out: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += chunkBytes)
      out.push(bytes.subarray(at, at + chunkBytes));
    return out;
  };
  const records: string[][] = [];
  let batches = 0;
  for await (const batch of parseCsvRecordBatches(Readable.from(chunks()), {
    header: { kind: "row" },
    location: "s.csv",
  })) {
    expect(batch.columns).toEqual(["Email", "Name", "Company"]);
    records.push(...batch.records.map((record) => [...record]));
    batches += 1;
  }
  const rows: Array<Record<string, string>> = [];
  for await (const batch of parseCsvRowBatches(Readable.from(chunks()), {
    header: { kind: "row" },
    location: "s.csv",
  }))
    rows.push(...batch);
  return { records, batches, rows };
}

describe("parseCsvRecordBatches", () => {
  const expected = rowsOf(3_000);
  const text = `Email,Name,Company\n${expected.map((row) => row.map(quoted).join(",")).join("\n")}\n`;

  it.each([
    ["64 KB reads", 64 * 1024],
    ["reads that split characters and quoted line breaks", 997],
    ["one read", text.length * 3],
  ])("hands over every record once, in order, in small batches (%s)", async (_name, size) => {
    const { records, batches, rows } = await parse(text, size);
    expect(records).toEqual(expected);
    // About 4 KB of text per batch: many batches for a file of ~150 KB.
    expect(batches).toBeGreaterThan(20);
    expect(rows).toEqual(expected.map(([Email, Name, Company]) => ({ Email, Name, Company })));
  });

  it("fails on a record with the wrong number of fields, naming the line", async () => {
    await expect(parse("Email,Name,Company\na@b.co,x\n", 1024)).rejects.toMatchObject({
      code: "SOURCE_MALFORMED",
      message: expect.stringContaining("line 2") as string,
    });
  });
});
