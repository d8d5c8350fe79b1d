/**
 * Snapshot stores on a real directory and on Azurite: round trips, immutability, sorted-input
 * enforcement, and detection of truncated or foreign files.
 */
import { mkdtemp, readFile, rm, writeFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerClient } from "@azure/storage-blob";
import type { SnapshotEntry } from "../../reconciler/src/core/diff.ts";
import { createAzureSnapshotStore } from "../../reconciler/src/snapshots/azure-snapshot-store.ts";
import { createLocalSnapshotStore } from "../../reconciler/src/snapshots/local-snapshot-store.ts";
import type { SnapshotStore } from "../../reconciler/src/snapshots/snapshot-store.ts";
import { startAzurite } from "../support/azurite.ts";
import type { Azurite } from "../support/azurite.ts";

function entries(count: number): SnapshotEntry[] {
  const keys = Array.from({ length: count }, (_, i) => `user${i}@example.com`).sort();
  return keys.map((key, i) =>
    i % 3 === 0 ? { key, hash: `h${i}` } : { key, hash: `h${i}`, contactId: `id-${i}` },
  );
}

async function collect(items: AsyncIterable<SnapshotEntry>): Promise<SnapshotEntry[]> {
  const out: SnapshotEntry[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* unsortedAfter(count: number): AsyncGenerator<SnapshotEntry> {
  yield* entries(count);
  yield { key: "a-too-late@example.com", hash: "h" };
}

let root: string;
let azurite: Azurite;
let container: ContainerClient;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ccx-snapshots-"));
  azurite = await startAzurite();
  container = await azurite.createContainer("snapshots");
});
afterAll(async () => {
  await azurite?.stop();
  await rm(root, { recursive: true, force: true });
});

const stores: Array<[string, () => SnapshotStore]> = [
  ["local, gzip", () => createLocalSnapshotStore({ root: join(root, "gz") })],
  ["local, plain", () => createLocalSnapshotStore({ root: join(root, "plain"), gzipLevel: 0 })],
  ["Azurite, gzip", () => createAzureSnapshotStore({ container })],
  ["Azurite, plain", () => createAzureSnapshotStore({ container, prefix: "plain", gzipLevel: 0 })],
];

describe.each(stores)("snapshot store: %s", (_name, open) => {
  it("round-trips entries, with and without contact ids, in order", async () => {
    const store = open();
    const written = entries(10_000);
    const ref = await store.write("newsletter", written);
    expect(ref).toMatchObject({ exportName: "newsletter", entries: 10_000 });
    expect(ref.bytes).toBeGreaterThan(0);
    expect(await collect(store.read(ref.id))).toEqual(written);
  });

  it("writes each snapshot under a new id and lists them oldest first", async () => {
    const store = open();
    const a = await store.write("orders", entries(3));
    const b = await store.write("orders", entries(0));
    expect(a.id).not.toBe(b.id);
    expect(await store.list("orders")).toEqual([a.id, b.id].sort());
    expect(await collect(store.read(b.id))).toEqual([]);
    await store.delete(a.id);
    expect(await store.list("orders")).toEqual([b.id]);
  });

  it("refuses unsorted or repeated keys and leaves nothing behind", async () => {
    const store = open();
    await expect(store.write("unsorted", unsortedAfter(1_000))).rejects.toMatchObject({
      code: "UNSORTED_INPUT",
    });
    await expect(
      store.write("unsorted", [
        { key: "a@example.com", hash: "1" },
        { key: "a@example.com", hash: "2" },
      ]),
    ).rejects.toMatchObject({ code: "UNSORTED_INPUT" });
    expect(await store.list("unsorted")).toEqual([]);
  });

  it("reports a missing snapshot", async () => {
    const store = open();
    await expect(
      collect(store.read("newsletter/20260101T000000000Z-00000000.tsv.gz")),
    ).rejects.toMatchObject({
      code: "SNAPSHOT_NOT_FOUND",
    });
    await expect(collect(store.read("../../etc/passwd"))).rejects.toMatchObject({
      code: "SNAPSHOT_NOT_FOUND",
    });
  });
});

describe("snapshot integrity (local directory)", () => {
  it("detects a truncated file instead of reading half a snapshot", async () => {
    const store = createLocalSnapshotStore({ root: join(root, "truncate"), gzipLevel: 0 });
    const ref = await store.write("newsletter", entries(100));
    const path = join(root, "truncate", ref.id);
    const text = await readFile(path, "utf8");
    await writeFile(path, text.slice(0, text.lastIndexOf("\tend")));
    await expect(collect(store.read(ref.id))).rejects.toMatchObject({ code: "SNAPSHOT_CORRUPT" });
  });

  it("detects a truncated gzip stream and a file that is not a snapshot", async () => {
    const store = createLocalSnapshotStore({ root: join(root, "corrupt") });
    const ref = await store.write("newsletter", entries(5_000));
    const path = join(root, "corrupt", ref.id);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(collect(store.read(ref.id))).rejects.toMatchObject({ code: "SNAPSHOT_CORRUPT" });
    await writeFile(path, gzipSync("email,hash\n"));
    await expect(collect(store.read(ref.id))).rejects.toMatchObject({ code: "SNAPSHOT_CORRUPT" });
  });

  it("stores the documented line format", async () => {
    const store = createLocalSnapshotStore({ root: join(root, "format"), gzipLevel: 0 });
    const ref = await store.write("newsletter", [
      { key: "a@example.com", hash: "0123456789abcdef", contactId: "c-1" },
      { key: "b@example.com", hash: "fedcba9876543210" },
    ]);
    expect(await readFile(join(root, "format", ref.id), "utf8")).toBe(
      "ccx-snapshot\t1\na@example.com\t0123456789abcdef\tc-1\nb@example.com\tfedcba9876543210\t\n\tend\t2\n",
    );
    expect(
      (await readdir(join(root, "format", "newsletter"))).filter((name) =>
        name.endsWith(".partial"),
      ),
    ).toEqual([]);
  });
});
