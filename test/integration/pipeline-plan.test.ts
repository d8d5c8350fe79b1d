/**
 * The data side of an export run on real files and a real snapshot directory: segments → map →
 * validate → de-duplicate → diff against the last snapshot → guards → plan → next snapshot.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Membership, SnapshotEntry } from "../../reconciler/src/core/diff.ts";
import type { ExportGuards } from "../../reconciler/src/core/guards.ts";
import { hashMappedFields, mapRow } from "../../reconciler/src/core/mapping.ts";
import { assertPlanAllowed } from "../../reconciler/src/core/plan.ts";
import type { ExportPlan } from "../../reconciler/src/core/plan.ts";
import { collectDesiredContacts } from "../../reconciler/src/export/desired-contacts.ts";
import { planFromDesired } from "../../reconciler/src/export/plan-export-run.ts";
import { recordNextSnapshot } from "../../reconciler/src/export/record-snapshot.ts";
import { createLocalSnapshotStore } from "../../reconciler/src/snapshots/local-snapshot-store.ts";
import type { SnapshotRef, SnapshotStore } from "../../reconciler/src/snapshots/snapshot-store.ts";
import { createFilesSource } from "../../reconciler/src/sources/files-source.ts";
import {
  isChanged,
  range,
  SYNTHETIC_MAPPINGS,
  syntheticEmail,
  syntheticProfile,
  writeSyntheticSegments,
} from "../support/segments.ts";

let root: string;
let store: SnapshotStore;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ccx-pipeline-"));
  store = createLocalSnapshotStore({ root: join(root, "snapshots") });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface RunOptions {
  folder: string;
  segments: string[];
  previous?: SnapshotRef | undefined;
  membership?: Membership;
  guards?: ExportGuards;
  profileLimit?: number;
  suppressed?: string[];
  runLines?: number;
}

/** Plans a run and, when the plan allows it, records the next snapshot as a completed run would. */
async function run(
  options: RunOptions,
): Promise<{ plan: ExportPlan; ref?: SnapshotRef; rowErrors: unknown[] }> {
  const membership = options.membership ?? "mirror";
  const suppressed = new Set(options.suppressed ?? []);
  const isSuppressed = (key: string): boolean => suppressed.has(key);
  const desired = await collectDesiredContacts({
    source: createFilesSource({ path: options.folder }),
    segments: options.segments,
    mappings: SYNTHETIC_MAPPINGS,
    runLines: options.runLines ?? 40, // several spilled runs even for small tests
    tempDirectory: root,
  });
  try {
    const previous = { store, ref: options.previous };
    const plan = await planFromDesired(desired, previous, {
      membership,
      guards: options.guards ?? {},
      profileLimit: options.profileLimit,
      isSuppressed,
    });
    if (plan.blocked) return { plan, rowErrors: desired.rowErrors };
    const ref = await recordNextSnapshot(desired, previous, {
      exportName: "newsletter",
      membership,
      isSuppressed,
      store,
    });
    return { plan, ref, rowErrors: desired.rowErrors };
  } finally {
    await desired.dispose();
  }
}

async function entriesOf(ref: SnapshotRef): Promise<SnapshotEntry[]> {
  const entries: SnapshotEntry[] = [];
  for await (const entry of store.read(ref.id)) entries.push(entry);
  return entries;
}

function expectedHash(i: number, changedPercent = 0): string {
  const mapped = mapRow(syntheticProfile(i, { changedPercent }), SYNTHETIC_MAPPINGS, {
    segment: "x",
    row: 1,
  });
  if (!mapped.ok) throw new Error("synthetic profile is invalid");
  return mapped.hash;
}

describe("export pipeline on the files source", () => {
  let base: string;
  let firstRef: SnapshotRef;

  beforeAll(async () => {
    base = join(root, "base");
    await writeSyntheticSegments(base, [
      { name: "alpha", profiles: range(0, 100) },
      {
        name: "beta",
        profiles: range(50, 150), // 50 overlap with alpha
        lineEnding: "\r\n",
        bom: true,
        // Profile 5 again, other casing and fields: alpha, declared first, must win.
        extraRows: [{ Email: ` ${syntheticEmail(5).toUpperCase()} `, FirstName: "FromBeta" }],
      },
      {
        name: "gamma",
        profiles: range(150, 160),
        parts: 3,
        extraRows: [
          { Email: "not-an-email", FirstName: "Bad" },
          { Email: "ok@example.com", FirstName: "x".repeat(51) },
          { Email: "", FirstName: "NoMail" },
        ],
      },
    ]);
  });

  it("first run: every valid, distinct contact is an add; invalid rows and duplicates are counted", async () => {
    const { plan, ref, rowErrors } = await run({
      folder: base,
      segments: ["alpha", "beta", "gamma"],
    });
    expect(plan.counts).toEqual({
      profiles: 160,
      adds: 160,
      updates: 0,
      removals: 0,
      retained: 0,
      suppressed: 0,
      invalid: 3,
      duplicates: 51,
      unchanged: 0,
    });
    expect(plan.blocked).toBe(false);
    expect(plan.estimate).toMatchObject({ imports: 1, removals: 0, verify: 1 });
    expect(rowErrors).toEqual([
      expect.objectContaining({
        segment: "gamma",
        row: 11,
        field: "email",
        reason: "email-at-sign",
      }),
      expect.objectContaining({
        segment: "gamma",
        row: 12,
        field: "firstName",
        reason: "value-too-long",
      }),
      expect.objectContaining({
        segment: "gamma",
        row: 13,
        field: "email",
        reason: "email-missing",
      }),
    ]);
    expect(JSON.stringify(rowErrors)).not.toContain("not-an-email");

    expect(ref?.entries).toBe(160);
    firstRef = ref as SnapshotRef;
    const entries = await entriesOf(firstRef);
    const keys = entries.map((entry) => entry.key);
    expect(keys).toEqual([...keys].sort());
    expect(new Set(keys).size).toBe(160);
    // First segment in declaration order wins: profile 5 keeps alpha's fields.
    expect(entries.find((entry) => entry.key === syntheticEmail(5))?.hash).toBe(expectedHash(5));
    expect(entries.find((entry) => entry.key === syntheticEmail(10))).toBeDefined(); // was " User10@…"
  });

  it("a re-run with nothing changed plans no writes", async () => {
    const { plan } = await run({
      folder: base,
      segments: ["alpha", "beta", "gamma"],
      previous: firstRef,
    });
    expect(plan.counts).toMatchObject({ adds: 0, updates: 0, removals: 0, unchanged: 160 });
    expect(plan.estimate.total).toBe(0);
  });

  it("the segment order decides the winner: declaring beta first makes its row an update", async () => {
    const { plan } = await run({
      folder: base,
      segments: ["beta", "alpha", "gamma"],
      previous: firstRef,
    });
    expect(plan.counts).toMatchObject({ adds: 0, updates: 1, removals: 0, unchanged: 159 });
  });

  it("changed fields are updates, counted by hash of the mapped fields only", async () => {
    const folder = join(root, "changed");
    await writeSyntheticSegments(
      folder,
      [
        { name: "alpha", profiles: range(0, 100) },
        {
          name: "beta",
          profiles: range(50, 150),
          extraRows: [{ Email: syntheticEmail(5), FirstName: "FromBeta" }],
        },
        { name: "gamma", profiles: range(150, 160), parts: 3 },
      ],
      { changedPercent: 10 },
    );
    const changed = [...range(0, 160)].filter((i) => isChanged(i, 10)).length;
    expect(changed).toBeGreaterThan(5);
    const { plan } = await run({
      folder,
      segments: ["alpha", "beta", "gamma"],
      previous: firstRef,
    });
    expect(plan.counts).toMatchObject({
      adds: 0,
      updates: changed,
      removals: 0,
      unchanged: 160 - changed,
      invalid: 0,
    });
  });

  describe("leavers", () => {
    let shrunk: string;
    beforeAll(async () => {
      shrunk = join(root, "shrunk");
      await writeSyntheticSegments(shrunk, [
        { name: "alpha", profiles: range(0, 100) },
        { name: "beta", profiles: range(50, 120) },
        { name: "gamma", profiles: range(150, 160), parts: 3 },
      ]);
    });

    it("mirror: 30 of 160 leaving (18.75 %) trips the default maxRemovePercent of 10", async () => {
      const { plan, ref } = await run({
        folder: shrunk,
        segments: ["alpha", "beta", "gamma"],
        previous: firstRef,
      });
      expect(plan.counts).toMatchObject({ removals: 30, unchanged: 130, adds: 0 });
      expect(plan.blocked).toBe(true);
      expect(ref).toBeUndefined();
      expect(() => assertPlanAllowed(plan)).toThrow(
        expect.objectContaining({
          code: "EXPORT_GUARD_TRIPPED",
          message: expect.stringContaining("30 of 160") as string,
        }),
      );
      expect(plan.verdicts.find((v) => v.guard === "maxRemovePercent")).toMatchObject({
        passed: false,
        actual: 18.75,
        limit: 10,
      });
    });

    it("mirror with maxRemovePercent 20: leavers are removed and leave the snapshot", async () => {
      const { plan, ref } = await run({
        folder: shrunk,
        segments: ["alpha", "beta", "gamma"],
        previous: firstRef,
        guards: { maxRemovePercent: 20 },
      });
      expect(plan.blocked).toBe(false);
      expect(plan.estimate).toMatchObject({ imports: 0, removals: 1 });
      expect(ref?.entries).toBe(130);
      const keys = new Set((await entriesOf(ref as SnapshotRef)).map((entry) => entry.key));
      expect(keys.has(syntheticEmail(130))).toBe(false);
      expect(keys.has(syntheticEmail(119))).toBe(true);
    });

    it("add-only: leavers are never removed, never trip the guard, and stay in the snapshot", async () => {
      const { plan, ref } = await run({
        folder: shrunk,
        segments: ["alpha", "beta", "gamma"],
        previous: firstRef,
        membership: "add-only",
      });
      expect(plan.counts).toMatchObject({ removals: 0, retained: 30, unchanged: 130 });
      expect(plan.blocked).toBe(false);
      expect(plan.estimate.total).toBe(0);
      expect(ref?.entries).toBe(160);
    });
  });

  it("maxAdds blocks a run that would add more, before anything is written", async () => {
    const { plan, ref } = await run({
      folder: base,
      segments: ["alpha", "beta", "gamma"],
      guards: { maxAdds: 159 },
    });
    expect(plan.blocked).toBe(true);
    expect(ref).toBeUndefined();
    expect(() => assertPlanAllowed(plan)).toThrow(
      expect.objectContaining({ code: "EXPORT_GUARD_TRIPPED" }),
    );
  });

  it("unsubscribed contacts are suppressed: never added, never updated, not recorded", async () => {
    const unsubscribed = [syntheticEmail(1), syntheticEmail(2), syntheticEmail(155)];
    const { plan, ref } = await run({
      folder: base,
      segments: ["alpha", "beta", "gamma"],
      suppressed: unsubscribed,
    });
    expect(plan.counts).toMatchObject({ adds: 157, suppressed: 3, profiles: 160 });
    const keys = new Set((await entriesOf(ref as SnapshotRef)).map((entry) => entry.key));
    for (const key of unsubscribed) expect(keys.has(key)).toBe(false);
  });

  it("over the profile limit: a clear error and nothing written", async () => {
    const before = await store.list("newsletter");
    const { plan, ref } = await run({
      folder: base,
      segments: ["alpha", "beta", "gamma"],
      profileLimit: 159,
    });
    expect(plan.blocked).toBe(true);
    expect(ref).toBeUndefined();
    expect(() => assertPlanAllowed(plan)).toThrow(
      expect.objectContaining({
        code: "EXPORT_PROFILE_LIMIT",
        message: expect.stringContaining("160 distinct profiles") as string,
      }),
    );
    expect(await store.list("newsletter")).toEqual(before);
  });

  it("a segment without the mapped e-mail column is a source error, not 100 % invalid rows", async () => {
    const folder = join(root, "no-email");
    await writeSyntheticSegments(folder, [{ name: "alpha", profiles: range(0, 3) }]);
    await expect(
      collectDesiredContacts({
        source: createFilesSource({ path: folder }),
        segments: ["alpha"],
        mappings: { email: "EmailAddress" },
        tempDirectory: root,
      }),
    ).rejects.toMatchObject({
      code: "SOURCE_MALFORMED",
      message: expect.stringContaining("EmailAddress") as string,
    });
  });

  it("hashes ignore unmapped columns", () => {
    const a = mapRow({ ...syntheticProfile(1), CustomerId: "other" }, SYNTHETIC_MAPPINGS, {
      segment: "x",
      row: 1,
    });
    expect(a.ok && a.hash).toBe(expectedHash(1));
    expect(hashMappedFields({ email: "x@example.com" })).toMatch(/^[0-9a-f]{16}$/);
  });
});
