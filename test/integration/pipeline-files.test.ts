/**
 * The `files` source on real files: CSV edge cases (BOM, CRLF, quoted commas, quotes and line
 * breaks), JSON Lines, folders of part files, versions, and clear errors.
 */
import { mkdtemp, rm, utimes, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFilesSource } from "../../reconciler/src/sources/files-source.ts";
import type { SegmentRow } from "../../reconciler/src/sources/segment-source.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ccx-files-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rowsOf(folder: string, segment: string): Promise<SegmentRow[]> {
  const resolved = await createFilesSource({ path: folder }).resolve(segment);
  const rows: SegmentRow[] = [];
  for await (const row of resolved.rows()) rows.push(row);
  return rows;
}

describe("files source", () => {
  it("parses a CSV with BOM, CRLF, quoted commas, escaped quotes and a line break in a field", async () => {
    const folder = join(root, "csv-edge");
    await mkdir(folder);
    await writeFile(
      join(folder, "vip.csv"),
      "\uFEFFEmail,FirstName,Company\r\n" +
        'ann@example.com,Ann,"Fabrikam, Inc."\r\n' +
        'bo@example.com,"Bo ""B"" Ng","Line one\r\nline two"\r\n' +
        "\r\n" +
        "chen@example.com,,Northwind\r\n",
    );
    expect(await rowsOf(folder, "vip")).toEqual([
      { Email: "ann@example.com", FirstName: "Ann", Company: "Fabrikam, Inc." },
      { Email: "bo@example.com", FirstName: 'Bo "B" Ng', Company: "Line one\r\nline two" },
      { Email: "chen@example.com", FirstName: "", Company: "Northwind" },
    ]);
  });

  it("parses JSON Lines with a BOM, CRLF, numbers and nulls", async () => {
    const folder = join(root, "jsonl");
    await mkdir(folder);
    await writeFile(
      join(folder, "vip.jsonl"),
      '\uFEFF{"Email":"ann@example.com","Score":42,"FirstName":null}\r\n\r\n{"Email":"bo@example.com","FirstName":"Bo, B"}\n',
    );
    expect(await rowsOf(folder, "vip")).toEqual([
      { Email: "ann@example.com", Score: "42" },
      { Email: "bo@example.com", FirstName: "Bo, B" },
    ]);
  });

  it("reads a folder of part files in natural order, each with its own header", async () => {
    const folder = join(root, "parts");
    await mkdir(join(folder, "vip"), { recursive: true });
    await writeFile(join(folder, "vip", "vip_10.csv"), "Email\nc@example.com\n");
    await writeFile(join(folder, "vip", "vip_2.csv"), "Email\nb@example.com\n");
    await writeFile(join(folder, "vip", "vip_1.csv"), "Email\na@example.com\n");
    await writeFile(join(folder, "vip", "notes.txt"), "ignored");
    await writeFile(join(folder, "vip", "vip_3.jsonl"), '{"Email":"d@example.com"}\n');
    const rows = await rowsOf(folder, "vip");
    expect(rows.map((row) => row.Email)).toEqual([
      "a@example.com",
      "b@example.com",
      "d@example.com",
      "c@example.com",
    ]);
  });

  it("reports a version that changes when a file changes, and not otherwise", async () => {
    const folder = join(root, "version");
    await mkdir(folder);
    const file = join(folder, "vip.csv");
    await writeFile(file, "Email\na@example.com\n");
    const source = createFilesSource({ path: folder });
    const first = (await source.resolve("vip")).version;
    expect((await source.resolve("vip")).version).toBe(first);
    await utimes(file, new Date(), new Date(Date.now() + 5_000));
    const touched = (await source.resolve("vip")).version;
    expect(touched).not.toBe(first);
    await writeFile(file, "Email\na@example.com\nb@example.com\n");
    expect((await source.resolve("vip")).version).not.toBe(touched);
  });

  it.each([
    ["a missing segment", "nope", "SOURCE_NOT_FOUND"],
    ["a name with a slash", "../etc", "SOURCE_NOT_FOUND"],
    ["a segment that is both a file and a folder", "twice", "SOURCE_MALFORMED"],
  ])("fails clearly on %s", async (_name, segment, code) => {
    const folder = join(root, "errors");
    await mkdir(join(folder, "twice"), { recursive: true });
    await writeFile(join(folder, "twice.csv"), "Email\n");
    await expect(createFilesSource({ path: folder }).resolve(segment)).rejects.toMatchObject({
      code,
    });
  });

  it("fails with the file and line, but no value, on a malformed CSV", async () => {
    const folder = join(root, "malformed");
    await mkdir(folder);
    await writeFile(
      join(folder, "vip.csv"),
      "Email,FirstName\nann@example.com,Ann\nsecret@example.com,Bo,extra\n",
    );
    const error = await rowsOf(folder, "vip").then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: "SOURCE_MALFORMED",
      message: expect.stringContaining("vip.csv") as string,
    });
    expect((error as Error).message).toMatch(/line 3/);
    expect((error as Error).message).not.toContain("secret@example.com");
  });

  it("fails on a JSON Lines file with a broken line", async () => {
    const folder = join(root, "bad-jsonl");
    await mkdir(folder);
    await writeFile(join(folder, "vip.jsonl"), '{"Email":"a@example.com"}\n{"Email":\n');
    await expect(rowsOf(folder, "vip")).rejects.toMatchObject({
      code: "SOURCE_MALFORMED",
      message: expect.stringContaining("line 2") as string,
    });
  });
});
