import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockWriter } from "./block-writer.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ccx-block-writer-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes `lines` as the sorter does (a line, else the block then the line and its break). */
async function writeLines(file: string, lines: readonly string[]): Promise<void> {
  const handle = await open(file, "w");
  const writer = new BlockWriter(handle);
  const newline = Buffer.from("\n");
  try {
    for (const line of lines) {
      const bytes = Buffer.from(line);
      if (writer.addLine(bytes, 0, bytes.length)) continue;
      await writer.flushWith(bytes, 0, bytes.length);
      if (!writer.add(newline, 0, 1)) await writer.flushWith(newline, 0, 1);
    }
    await writer.flush();
  } finally {
    await writer.settle();
    await handle.close();
  }
}

describe("BlockWriter", () => {
  it("writes lines across many blocks, and lines longer than a block, in order", async () => {
    // About 4 MB of lines of up to 232 bytes: the block boundaries fall in different places.
    const lines = Array.from({ length: 30_000 }, (_, i) => `${i}:${"é".repeat(i % 113)}`);
    lines.splice(9_000, 0, "x".repeat(1_048_575), "y".repeat(1_500_000));
    // A line that fits in the block but for its line break: both go after the block.
    lines.unshift("a".repeat(1_048_570), "bcdef");
    const file = join(root, "lines.txt");
    await writeLines(file, lines);
    expect(await readFile(file, "utf8")).toBe(`${lines.join("\n")}\n`);
  });
});
