import { describe, expect, it } from "vitest";
import { ValidationError } from "../core/errors.ts";
import { chunkImportBodies, toImportItem } from "./import-chunker.ts";
import type { ImportChunk, ImportChunkLimits, ImportContact } from "./import-chunker.ts";

const LIST = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

function* contacts(count: number, padding = 0): Generator<ImportContact> {
  for (let i = 0; i < count; i += 1) {
    yield { email: `person${i}@example.com`, firstName: "x".repeat(padding) || undefined };
  }
}

async function collect(
  input: Iterable<ImportContact>,
  limits?: ImportChunkLimits,
  listIds: string[] = [LIST],
): Promise<ImportChunk[]> {
  const chunks: ImportChunk[] = [];
  for await (const chunk of chunkImportBodies(input, listIds, limits)) chunks.push(chunk);
  return chunks;
}

interface ParsedBody {
  import_data: Array<Record<string, string>>;
  list_ids: string[];
}

describe("chunkImportBodies item limit", () => {
  const cases: Array<[number, number[]]> = [
    [0, []],
    [1, [1]],
    [40_000, [40_000]],
    [40_001, [40_000, 1]],
    [80_000, [40_000, 40_000]],
    [100_000, [40_000, 40_000, 20_000]],
  ];
  it.each(cases)("%i contacts make chunks of %j", async (count, sizes) => {
    const chunks = await collect(contacts(count));
    expect(chunks.map((chunk) => chunk.itemCount)).toEqual(sizes);
    for (const chunk of chunks) {
      expect(chunk.bytes).toBe(Buffer.byteLength(chunk.body));
      expect((JSON.parse(chunk.body) as ParsedBody).import_data).toHaveLength(chunk.itemCount);
    }
  });
});

describe("chunkImportBodies byte limit", () => {
  // One item of `{"email":"personN@example.com","first_name":"xxx…"}`; measure a body of n items.
  const bodyOf = async (count: number): Promise<number> =>
    (await collect(contacts(count, 100), { maxBytes: 100_000_000 }))[0]?.bytes ?? 0;

  it("fills a body up to exactly the limit and starts a new one past it", async () => {
    const exact = await bodyOf(50);
    const atLimit = await collect(contacts(50, 100), { maxBytes: exact });
    expect(atLimit.map((chunk) => chunk.itemCount)).toEqual([50]);
    expect(atLimit[0]?.bytes).toBe(exact);

    const underLimit = await collect(contacts(50, 100), { maxBytes: exact - 1 });
    expect(underLimit.map((chunk) => chunk.itemCount)).toEqual([49, 1]);
    for (const chunk of underLimit) expect(chunk.bytes).toBeLessThanOrEqual(exact - 1);
  });

  it("keeps every body of a large, multi-byte input within 3,500,000 bytes", async () => {
    function* wide(): Generator<ImportContact> {
      for (let i = 0; i < 30_000; i += 1) {
        yield {
          email: `p${i}@example.com`,
          firstName: "Zoë",
          lastName: "Ångström".repeat(5),
          customFields: { notes: "ü".repeat(60) },
        };
      }
    }
    const chunks = await collect(wide());
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.reduce((sum, chunk) => sum + chunk.itemCount, 0)).toBe(30_000);
    for (const chunk of chunks) {
      expect(chunk.bytes).toBe(Buffer.byteLength(chunk.body));
      expect(chunk.bytes).toBeLessThanOrEqual(3_500_000);
    }
    // Bodies are filled, not split early: all but the last are within one item of the limit.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.bytes).toBeGreaterThan(3_499_000);
  });

  it("rejects a contact that cannot fit in any body", async () => {
    await expect(collect(contacts(1, 500), { maxBytes: 200 })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});

describe("chunkImportBodies list ids and duplicates", () => {
  const listCases: Array<[number, boolean]> = [
    [0, false],
    [1, true],
    [50, true],
    [51, false],
  ];
  it.each(listCases)("%i list ids accepted: %s", async (count, accepted) => {
    const ids = Array.from({ length: count }, () => LIST);
    const result = collect(contacts(1), {}, ids);
    if (accepted) await expect(result).resolves.toHaveLength(1);
    else await expect(result).rejects.toBeInstanceOf(ValidationError);
  });

  it("keeps the last occurrence of a repeated e-mail within a chunk", async () => {
    const [chunk] = await collect([
      { email: "Ann@Example.COM", firstName: "First" },
      { email: "bob@example.com" },
      { email: " ann@example.com ", firstName: "Later" },
    ]);
    const body = JSON.parse(chunk?.body ?? "{}") as ParsedBody;
    expect(body.import_data).toEqual([
      { email: "bob@example.com" },
      { email: "ann@example.com", first_name: "Later" },
    ]);
    expect(body.list_ids).toEqual([LIST]);
    expect(chunk?.bytes).toBe(Buffer.byteLength(chunk?.body ?? ""));
  });
});

describe("toImportItem", () => {
  const cases: Array<[string, ImportContact, Record<string, string>]> = [
    ["e-mail only, normalised", { email: "  A@B.Example " }, { email: "a@b.example" }],
    [
      "all fields",
      {
        email: "a@b.example",
        firstName: "Ann",
        lastName: "Lee",
        jobTitle: "CTO",
        companyName: "Acme",
        phone: "+1 555 0100",
        customFields: { tier: "gold" },
      },
      {
        email: "a@b.example",
        first_name: "Ann",
        last_name: "Lee",
        job_title: "CTO",
        company_name: "Acme",
        phone: "+1 555 0100",
        "cf:tier": "gold",
      },
    ],
    [
      "empty values are left out",
      { email: "a@b.example", firstName: "", lastName: "  ", customFields: { tier: "" } },
      { email: "a@b.example" },
    ],
  ];
  it.each(cases)("%s", (_name, contact, item) => {
    expect(toImportItem(contact)).toEqual(item);
  });
});
