import { describe, expect, it } from "vitest";
import { countChanges, diffSorted, emptyDiffCounts } from "./diff.ts";
import type { DiffKind, Membership, SnapshotEntry } from "./diff.ts";
import { encodeFields } from "./contact-fields.ts";
import { legacyFieldsHash } from "./legacy-fields-hash.ts";
import { fieldsHash } from "./row-hash.ts";

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}
const d = (key: string, hash = "h1"): { key: string; hash: string } => ({ key, hash });
const s = (key: string, hash = "h1", contactId?: string): SnapshotEntry => ({
  key,
  hash,
  contactId,
});

async function classify(
  desired: Array<{ key: string; hash: string }>,
  previous: SnapshotEntry[],
  membership: Membership,
  suppressed: string[] = [],
): Promise<Array<[string, DiffKind]>> {
  const out: Array<[string, DiffKind]> = [];
  const set = new Set(suppressed);
  for await (const change of diffSorted(from(desired), from(previous), {
    membership,
    isSuppressed: (key) => set.has(key),
  })) {
    out.push([
      change.kind === "remove" || change.kind === "retain"
        ? change.previous.key
        : change.desired.key,
      change.kind,
    ]);
  }
  return out;
}

describe("diffSorted", () => {
  const cases: Array<
    [
      string,
      Array<{ key: string; hash: string }>,
      SnapshotEntry[],
      Membership,
      string[],
      Array<[string, DiffKind]>,
    ]
  > = [
    ["both empty", [], [], "mirror", [], []],
    [
      "first run: all adds",
      [d("a"), d("b")],
      [],
      "mirror",
      [],
      [
        ["a", "add"],
        ["b", "add"],
      ],
    ],
    [
      "nothing changed",
      [d("a"), d("b")],
      [s("a"), s("b")],
      "mirror",
      [],
      [
        ["a", "unchanged"],
        ["b", "unchanged"],
      ],
    ],
    [
      "a field changed",
      [d("a", "h2"), d("b")],
      [s("a"), s("b")],
      "mirror",
      [],
      [
        ["a", "update"],
        ["b", "unchanged"],
      ],
    ],
    [
      "leavers removed in mirror",
      [d("b")],
      [s("a"), s("b"), s("c")],
      "mirror",
      [],
      [
        ["a", "remove"],
        ["b", "unchanged"],
        ["c", "remove"],
      ],
    ],
    [
      "leavers retained in add-only",
      [d("b")],
      [s("a"), s("b"), s("c")],
      "add-only",
      [],
      [
        ["a", "retain"],
        ["b", "unchanged"],
        ["c", "retain"],
      ],
    ],
    [
      "everyone left (mirror)",
      [],
      [s("a"), s("b")],
      "mirror",
      [],
      [
        ["a", "remove"],
        ["b", "remove"],
      ],
    ],
    [
      "interleaved keys",
      [d("a"), d("c"), d("e")],
      [s("b"), s("c", "h0"), s("d")],
      "mirror",
      [],
      [
        ["a", "add"],
        ["b", "remove"],
        ["c", "update"],
        ["d", "remove"],
        ["e", "add"],
      ],
    ],
    [
      "prefix keys sort first",
      [d("a@b.co"), d("a@b.com")],
      [s("a@b.com")],
      "mirror",
      [],
      [
        ["a@b.co", "add"],
        ["a@b.com", "unchanged"],
      ],
    ],
    [
      "an unsubscribed newcomer is suppressed, not added",
      [d("a"), d("b")],
      [],
      "mirror",
      ["a"],
      [
        ["a", "suppressed"],
        ["b", "add"],
      ],
    ],
    [
      "an unsubscribed member is suppressed, not updated",
      [d("a", "h2")],
      [s("a")],
      "mirror",
      ["a"],
      [["a", "suppressed"]],
    ],
    ["suppression does not stop a removal", [], [s("a")], "mirror", ["a"], [["a", "remove"]]],
  ];
  it.each(cases)("%s", async (_name, desired, previous, membership, suppressed, expected) => {
    expect(await classify(desired, previous, membership, suppressed)).toEqual(expected);
  });

  it("carries the previous contact id into updates and removals", async () => {
    const changes = [];
    for await (const change of diffSorted(
      from([d("a", "h2")]),
      from([s("a", "h1", "id-a"), s("b", "h1", "id-b")]),
      { membership: "mirror" },
    )) {
      changes.push(change);
    }
    expect(changes).toEqual([
      { kind: "update", desired: d("a", "h2"), previous: s("a", "h1", "id-a") },
      { kind: "remove", previous: s("b", "h1", "id-b") },
    ]);
  });

  it.each([
    ["desired", [d("b"), d("a")], [] as SnapshotEntry[]],
    ["previous", [] as Array<{ key: string; hash: string }>, [s("a"), s("a")]],
  ])("fails when the %s side is out of order", async (_side, desired, previous) => {
    const run = async (): Promise<void> => {
      for await (const _ of diffSorted(from(desired), from(previous), { membership: "mirror" }))
        void _;
    };
    await expect(run()).rejects.toMatchObject({ code: "UNSORTED_INPUT" });
  });

  it("compares entries of older snapshots by their SHA-256 scheme (an upgrade updates nobody)", async () => {
    const row = (key: string, firstName: string): { key: string; hash: string; fields: string } => {
      const fields = encodeFields({ email: key, firstName });
      return { key, hash: fieldsHash(fields), fields };
    };
    const kinds: DiffKind[] = [];
    for await (const change of diffSorted(
      from([row("a", "Ann"), row("b", "Bo-changed")]),
      from([
        s("a", legacyFieldsHash({ email: "a", firstName: "Ann" })),
        s("b", legacyFieldsHash({ email: "b", firstName: "Bo" })),
      ]),
      { membership: "mirror" },
    ))
      kinds.push(change.kind);
    expect(kinds).toEqual(["unchanged", "update"]);
  });

  it("counts changes by kind while passing them on", async () => {
    const counts = emptyDiffCounts();
    let seen = 0;
    for await (const _ of countChanges(
      diffSorted(from([d("a"), d("b", "h2")]), from([s("b"), s("c")]), { membership: "mirror" }),
      counts,
    ))
      seen += 1;
    expect(seen).toBe(3);
    expect(counts).toEqual({
      add: 1,
      update: 1,
      unchanged: 0,
      suppressed: 0,
      remove: 1,
      retain: 0,
    });
  });
});
