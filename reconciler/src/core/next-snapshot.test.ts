import { describe, expect, it } from "vitest";
import { diffSorted } from "./diff.ts";
import type { Membership, SnapshotEntry } from "./diff.ts";
import { nextSnapshotEntries } from "./next-snapshot.ts";
import type { NextSnapshotOptions } from "./next-snapshot.ts";

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}
const d = (key: string, hash = "h1"): { key: string; hash: string } => ({ key, hash });
const s = (key: string, hash = "h1", contactId?: string): SnapshotEntry =>
  contactId === undefined ? { key, hash } : { key, hash, contactId };

async function next(
  desired: Array<{ key: string; hash: string }>,
  previous: SnapshotEntry[],
  membership: Membership,
  options: NextSnapshotOptions & { suppressed?: string[] } = {},
): Promise<SnapshotEntry[]> {
  const suppressed = new Set(options.suppressed ?? []);
  const out: SnapshotEntry[] = [];
  const changes = diffSorted(from(desired), from(previous), {
    membership,
    isSuppressed: (k) => suppressed.has(k),
  });
  for await (const entry of nextSnapshotEntries(changes, options)) out.push(entry);
  return out;
}

describe("nextSnapshotEntries", () => {
  const cases: Array<[string, Parameters<typeof next>, SnapshotEntry[]]> = [
    ["first run: the desired set", [[d("a"), d("b")], [], "mirror"], [s("a"), s("b")]],
    [
      "updates take the new hash and keep the id",
      [[d("a", "h2")], [s("a", "h1", "id-a")], "mirror"],
      [s("a", "h2", "id-a")],
    ],
    ["mirror drops leavers", [[d("b")], [s("a"), s("b")], "mirror"], [s("b")]],
    [
      "add-only keeps leavers",
      [[d("b")], [s("a", "h1", "id-a"), s("b")], "add-only"],
      [s("a", "h1", "id-a"), s("b")],
    ],
    [
      "suppressed contacts are not recorded",
      [[d("a"), d("b")], [], "mirror", { suppressed: ["a"] }],
      [s("b")],
    ],
    [
      "learnt contact ids are recorded",
      [
        [d("a"), d("b")],
        [s("b", "h1", "old")],
        "mirror",
        { contactIdOf: (k) => (k === "a" ? "new-a" : undefined) },
      ],
      [s("a", "h1", "new-a"), s("b", "h1", "old")],
    ],
    [
      "unconfirmed changes keep the previous entry or are left out",
      [
        [d("a"), d("b", "h2"), d("c")],
        [s("b", "h1", "id-b")],
        "mirror",
        { isConfirmed: (k) => k === "c" },
      ],
      [s("b", "h1", "id-b"), s("c")],
    ],
  ];
  it.each(cases)("%s", async (_name, args, expected) => {
    expect(await next(...args)).toEqual(expected);
  });
});
