import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeFields } from "../core/contact-fields.ts";
import type { DiffChange } from "../core/diff.ts";
import type { DesiredRow } from "./desired-contacts.ts";
import { importChunks, removalChunks } from "./write-chunks.ts";
import type { WriteChunk } from "./write-chunks.ts";

function row(i: number): DesiredRow {
  return {
    key: `p${String(i).padStart(4, "0")}@example.com`,
    hash: `h${i}`,
    fields: `{"firstName":"N${i}"}`,
  };
}

async function* changes(count: number): AsyncGenerator<DiffChange<DesiredRow>> {
  for (let i = 0; i < count; i += 1) {
    const desired = row(i);
    if (i % 3 === 0) yield { kind: "add", desired };
    else if (i % 3 === 1)
      yield { kind: "update", desired, previous: { key: desired.key, hash: "old" } };
    else yield { kind: "unchanged", desired, previous: { key: desired.key, hash: desired.hash } };
  }
}

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** An import chunk's body as text (it is UTF-8 bytes). */
function bodyText(chunk: WriteChunk | undefined): string {
  return (chunk?.body as Buffer).toString("utf8");
}

describe("importChunks", () => {
  it("sends adds and updates only, at most maxItems per chunk, keys and kinds in body order", async () => {
    const chunks = await collect(importChunks(changes(30), ["list-1"], { maxItems: 8 }));
    expect(chunks.map((chunk) => chunk.itemCount)).toEqual([8, 8, 4]);
    expect(chunks.map((chunk) => chunk.index)).toEqual([0, 1, 2]);
    const first = chunks[0];
    const body = JSON.parse(bodyText(first)) as {
      import_data: Array<{ email: string }>;
      list_ids: string[];
    };
    expect(body.list_ids).toEqual(["list-1"]);
    expect(body.import_data.map((item) => item.email)).toEqual(
      first?.keys.toString("utf8").split("\n"),
    );
    expect(first?.kinds.toString("latin1")).toBe("auauauau");
    expect(first).toMatchObject({ adds: 4, updates: 4, phase: "import" });
  });

  it("writes the exact JSON body, keys and kinds, also for non-ASCII values and keys", async () => {
    const contacts = [
      { email: "zoë@exämple.com", firstName: "Zoë", lastName: "中村 \u{1F600}" },
      { email: "ann@example.com", companyName: 'The "Best", Co' },
      { email: "bo@example.com", firstName: "Bo" },
    ];
    const input: Array<DiffChange<DesiredRow>> = contacts.map((contact, i) => {
      const desired = { key: contact.email, hash: `h${i}`, fields: encodeFields(contact) };
      return i === 1
        ? { kind: "update", desired, previous: { key: contact.email, hash: "old" } }
        : { kind: "add", desired };
    });
    const items = contacts.map(({ email, firstName, lastName, companyName }) => ({
      email,
      ...(firstName === undefined ? {} : { first_name: firstName }),
      ...(lastName === undefined ? {} : { last_name: lastName }),
      ...(companyName === undefined ? {} : { company_name: companyName }),
    }));
    // Two items fit in 200 bytes (184), three do not (229).
    const [first, second, ...rest] = await collect(
      importChunks(from(input), ["list-1"], { maxBytes: 200 }),
    );
    expect(rest).toEqual([]);
    // UTF-8 bytes, sent as they are.
    expect(Buffer.isBuffer(first?.body)).toBe(true);
    expect(bodyText(first)).toBe(
      JSON.stringify({ import_data: items.slice(0, 2), list_ids: ["list-1"] }),
    );
    expect(first?.hash).toBe(
      createHash("sha256")
        .update(first?.body as Buffer)
        .digest("hex"),
    );
    expect([
      first?.keys.toString("utf8"),
      first?.kinds.toString("latin1"),
      first?.adds,
      first?.updates,
    ]).toEqual(["zoë@exämple.com\nann@example.com", "au", 1, 1]);
    expect(bodyText(second)).toBe(
      JSON.stringify({ import_data: items.slice(2), list_ids: ["list-1"] }),
    );
    expect([
      second?.index,
      second?.keys.toString("utf8"),
      second?.kinds.toString("latin1"),
    ]).toEqual([1, "bo@example.com", "a"]);
  });

  it.each([
    ["ASCII only", ["a@b.co", "c@d.co", "e@f.co"], "list-1"],
    ["non-ASCII after ASCII", ["a@b.co", "zoë@b.co", "e@f.co"], "list-1"],
    ["non-ASCII last", ["a@b.co", "c@d.co", "zoë@b.co"], "list-1"],
    ["a non-ASCII list id", ["a@b.co", "c@d.co"], "list-é"],
    ["both", ["zoë@b.co", "c@d.co"], "list-é"],
  ])("gives the same body text whatever its characters (%s)", async (_name, emails, list) => {
    const input: Array<DiffChange<DesiredRow>> = emails.map((email) => ({
      kind: "add",
      desired: { key: email, hash: "h", fields: encodeFields({ email, lastName: "Lee" }) },
    }));
    const [chunk] = await collect(importChunks(from(input), [list]));
    const items = emails.map((email) => ({ email, last_name: "Lee" }));
    expect(bodyText(chunk)).toBe(JSON.stringify({ import_data: items, list_ids: [list] }));
    expect(chunk?.keys.toString("utf8")).toBe(emails.join("\n"));
  });

  it("keeps every body under maxBytes", async () => {
    const chunks = await collect(importChunks(changes(60), ["list-1"], { maxBytes: 400 }));
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect((chunk.body as Buffer).length).toBeLessThanOrEqual(400);
    expect(chunks.reduce((sum, chunk) => sum + chunk.itemCount, 0)).toBe(40);
  });

  it("hands each chunk keys and kinds of its own (the buffers they are gathered in are reused)", async () => {
    const chunks = await collect(importChunks(changes(30), ["list-1"], { maxItems: 8 }));
    expect(chunks.map((chunk) => chunk.keys.toString("utf8").split("\n")[0])).toEqual([
      "p0000@example.com",
      "p0012@example.com",
      "p0024@example.com",
    ]);
    expect(chunks.map((chunk) => chunk.kinds.toString("latin1"))).toEqual([
      "auauauau",
      "auauauau",
      "auau",
    ]);
  });

  it("is deterministic: the same changes give the same hashes", async () => {
    const once = await collect(importChunks(changes(30), ["l"], { maxItems: 8 }));
    const twice = await collect(importChunks(changes(30), ["l"], { maxItems: 8 }));
    expect(twice.map((chunk) => chunk.hash)).toEqual(once.map((chunk) => chunk.hash));
    const other = await collect(importChunks(changes(31), ["l"], { maxItems: 8 }));
    expect(other.at(-1)?.hash).not.toBe(once.at(-1)?.hash);
  });
});

describe("removalChunks", () => {
  it("removes membership by contact id, 500 per activity", () => {
    const leavers = Array.from({ length: 1_001 }, (_, i) => ({ key: `k${i}`, contactId: `c${i}` }));
    const chunks = [...removalChunks(leavers, ["list-1"])];
    expect(chunks.map((chunk) => chunk.itemCount)).toEqual([500, 500, 1]);
    expect(chunks[2]?.body).toEqual({ source: { contact_ids: ["c1000"] }, list_ids: ["list-1"] });
    expect(chunks.every((chunk) => chunk.phase === "remove")).toBe(true);
    expect(chunks[2]?.keys.toString("utf8")).toBe("k1000");
  });
});
