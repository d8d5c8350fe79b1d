import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PREVIEW_BYTES } from "./plan-preview.ts";
import { run } from "./plan.ts";

/** Runs `ccx plan <argv>` with captured output and `stdin` as standard input. */
async function ccxPlan(argv: string[], stdin = "") {
  let stdout = "";
  let stderr = "";
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await run(argv, {
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    // No endpoint and no token: the preview form must not need them.
    env: {},
    stdin: Readable.from([Buffer.from(stdin)]),
  } as Parameters<typeof run>[1]);
  return { code, stdout, stderr };
}

const fixtures = new URL("./fixtures/", import.meta.url).pathname;

describe("ccx plan --preview", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ccx-plan-preview-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("prints Markdown and exits 0 for a change no guard stops", async () => {
    const result = await ccxPlan(["--preview", join(fixtures, "preview-change.json")]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(
      /^## ccx data plan: 3 exports change; 1 would remove 3,000 members\n/,
    );
  });

  it("exits 3 when a guard would trip, and prints JSON with --json", async () => {
    const result = await ccxPlan([
      "--preview",
      join(fixtures, "preview-guard-trip.json"),
      "--json",
    ]);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ totals: { guardTrips: 1 } });
  });

  it("reads standard input for -", async () => {
    const result = await ccxPlan(
      ["--preview", "-"],
      JSON.stringify({ diagnostics: [{ severity: "error", message: "error: boom" }] }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("### Preview errors");
  });

  const bad: Array<[string, string[], string, RegExp]> = [
    ["no file", ["--preview"], "", /argument missing|name the preview file/],
    ["an unknown option", ["--preview", "-", "--nope"], "{}", /Unknown option '--nope'/],
    [
      "a missing file",
      ["--preview", "/nonexistent/preview.json"],
      "",
      /cannot read \/nonexistent\/preview\.json: ENOENT/,
    ],
    ["text that is not JSON", ["--preview", "-"], "Previewing update (dev):", /not JSON/],
    [
      "JSON of another shape",
      ["--preview", "-"],
      '{"steps":"all"}',
      /not the output of `pulumi preview --json`: steps/,
    ],
  ];
  for (const [title, argv, stdin, message] of bad) {
    it(`exits 2 with one line for ${title}`, async () => {
      const result = await ccxPlan(argv, stdin);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stdout).toBe("");
    });
  }

  it("walks a value nested 200,000 deep without overflowing the stack", async () => {
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    const urn = "urn:pulumi:s::p::pulumi-nodejs:dynamic/ccx:SegmentExport::deep";
    const document = `{"steps":[{"op":"update","urn":"${urn}","oldState":{"inputs":{"a":1}},"newState":{"inputs":{"a":${deep},"plan":{"adds":${deep}}}}}]}`;
    const result = await ccxPlan(["--preview", "-"], document);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("| deep | update | – | – | – | – | – | not planned |");
    expect(result.stdout).toContain("- a: 1 → \\[\\[\\[\\[…\\]\\]\\]\\]");
  });

  it("refuses a file over the size limit without reading all of it", async () => {
    const path = join(dir, "huge.json");
    await writeFile(path, Buffer.alloc(MAX_PREVIEW_BYTES + 1, 0x20));
    const result = await ccxPlan(["--preview", path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/larger than 64 MiB/);
  });

  it("documents its exit codes in --help", async () => {
    const result = await ccxPlan(["--preview", "-", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/3 {2}a guard would trip/);
  });
});
