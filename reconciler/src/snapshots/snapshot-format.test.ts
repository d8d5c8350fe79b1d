import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { SnapshotEntry } from "../core/diff.ts";
import { decodeSnapshot, encodeSnapshot } from "./snapshot-format.ts";

async function encodeChunks(entries: Iterable<SnapshotEntry>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of encodeSnapshot(entries)) chunks.push(chunk);
  return chunks;
}
async function encode(entries: Iterable<SnapshotEntry>): Promise<string> {
  return Buffer.concat(await encodeChunks(entries)).toString("utf8");
}
async function decode(text: string): Promise<SnapshotEntry[]> {
  const out: SnapshotEntry[] = [];
  for await (const entry of decodeSnapshot(Readable.from([text]), "test")) out.push(entry);
  return out;
}

describe("snapshot format", () => {
  const roundTrips: Array<[string, SnapshotEntry[]]> = [
    ["no entries", []],
    [
      "with and without contact ids",
      [
        { key: "a@x.io", hash: "1", contactId: "c1" },
        { key: "b@x.io", hash: "2" },
      ],
    ],
    [
      "keys with # and unicode",
      [
        { key: "#a@x.io", hash: "1" },
        { key: "zoë@x.io", hash: "2" },
      ],
    ],
  ];
  it.each(roundTrips)("round-trips %s", async (_name, entries) => {
    expect(await decode(await encode(entries))).toEqual(entries);
  });

  it("splits a large snapshot into chunks that each end at a line break", async () => {
    const entries = Array.from({ length: 12_000 }, (_, i): SnapshotEntry => ({
      key: `zoë-${String(i).padStart(6, "0")}@x.io`,
      hash: "h".repeat(11),
      contactId: `c-${i}-${"ü".repeat(8)}`,
    }));
    const chunks = await encodeChunks(entries);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.at(-1)).toBe(10);
    const text = Buffer.concat(chunks).toString("utf8");
    expect(text.split("\n")[1]).toBe(`zoë-000000@x.io\t${"h".repeat(11)}\tc-0-${"ü".repeat(8)}`);
    expect(await decode(text)).toEqual(entries);
  });

  const badWrites: Array<[string, SnapshotEntry[], string]> = [
    [
      "unsorted keys",
      [
        { key: "b", hash: "1" },
        { key: "a", hash: "1" },
      ],
      "UNSORTED_INPUT",
    ],
    [
      "a repeated key",
      [
        { key: "a", hash: "1" },
        { key: "a", hash: "2" },
      ],
      "UNSORTED_INPUT",
    ],
    ["an empty key", [{ key: "", hash: "1" }], "SNAPSHOT_INVALID_ENTRY"],
    [
      "a tab in a contact id",
      [{ key: "a", hash: "1", contactId: "x\ty" }],
      "SNAPSHOT_INVALID_ENTRY",
    ],
  ];
  it.each(badWrites)("refuses %s", async (_name, entries, code) => {
    await expect(encode(entries)).rejects.toMatchObject({ code });
  });

  const badReads: Array<[string, string]> = [
    ["an empty file", ""],
    ["no header", "a\t1\t\n\tend\t1\n"],
    ["no footer", "ccx-snapshot\t1\na\t1\t\n"],
    ["a wrong count", "ccx-snapshot\t1\na\t1\t\n\tend\t2\n"],
    ["lines after the footer", "ccx-snapshot\t1\n\tend\t0\na\t1\t\n"],
    ["a line with two fields", "ccx-snapshot\t1\na\t1\n\tend\t1\n"],
    ["a future format", "ccx-snapshot\t2\n\tend\t0\n"],
  ];
  it.each(badReads)("detects %s", async (_name, text) => {
    await expect(decode(text)).rejects.toMatchObject({ code: "SNAPSHOT_CORRUPT" });
  });
});
