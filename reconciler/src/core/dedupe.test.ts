import { describe, expect, it } from "vitest";
import { compareDesired, dedupeSortedContacts } from "./dedupe.ts";
import type { DedupeCounts, DesiredContact } from "./dedupe.ts";

function desired(
  key: string,
  segmentIndex: number,
  ordinal: number,
  firstName = "",
): DesiredContact {
  return { key, hash: `h-${firstName}`, segmentIndex, ordinal, contact: { email: key, firstName } };
}
async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

describe("dedupeSortedContacts", () => {
  const cases: Array<[string, DesiredContact[], Array<[string, number, number]>, number]> = [
    ["nothing", [], [], 0],
    [
      "no repeats",
      [desired("a@x.io", 0, 1), desired("b@x.io", 1, 1)],
      [
        ["a@x.io", 0, 1],
        ["b@x.io", 1, 1],
      ],
      0,
    ],
    [
      "first segment in declaration order wins",
      [desired("a@x.io", 3, 1), desired("a@x.io", 0, 9), desired("a@x.io", 1, 2)],
      [["a@x.io", 0, 9]],
      2,
    ],
    [
      "within a segment the first row wins",
      [desired("a@x.io", 0, 5), desired("a@x.io", 0, 2)],
      [["a@x.io", 0, 2]],
      1,
    ],
    [
      "several keys, several repeats",
      [
        desired("c@x.io", 1, 1),
        desired("a@x.io", 1, 1),
        desired("c@x.io", 0, 4),
        desired("b@x.io", 2, 1),
        desired("a@x.io", 2, 3),
      ],
      [
        ["a@x.io", 1, 1],
        ["b@x.io", 2, 1],
        ["c@x.io", 0, 4],
      ],
      2,
    ],
  ];
  it.each(cases)("%s", async (_name, rows, expected, duplicates) => {
    const counts: DedupeCounts = { unique: 0, duplicates: 0 };
    const out: Array<[string, number, number]> = [];
    for await (const row of dedupeSortedContacts(from([...rows].sort(compareDesired)), counts)) {
      out.push([row.key, row.segmentIndex, row.ordinal]);
    }
    expect(out).toEqual(expected);
    expect(counts).toEqual({ unique: expected.length, duplicates });
  });

  it("keeps the winning row's fields", async () => {
    const rows = [desired("a@x.io", 1, 1, "Later"), desired("a@x.io", 0, 1, "First")].sort(
      compareDesired,
    );
    const out: DesiredContact[] = [];
    for await (const row of dedupeSortedContacts(from(rows))) out.push(row);
    expect(out.map((row) => row.contact.firstName)).toEqual(["First"]);
  });

  it("fails on unsorted input instead of letting a repeat through", async () => {
    const rows = [desired("b@x.io", 0, 1), desired("a@x.io", 0, 2)];
    const run = async (): Promise<void> => {
      for await (const _ of dedupeSortedContacts(from(rows))) void _;
    };
    await expect(run()).rejects.toMatchObject({ code: "UNSORTED_INPUT" });
  });
});
