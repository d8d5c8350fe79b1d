/**
 * `ccx plan --preview <file>`: the data plan of a whole stack change, read from `pulumi preview
 * --json` output, as one Markdown comment for a pull request (or JSON with `--json`). It needs no
 * reconciler and no token. The file comes from a pull request, so it is read with a size limit and
 * every failure is one clear line and exit 2, never a stack trace.
 */
import { open } from "node:fs/promises";
import { parseArgs } from "node:util";
import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";
import { renderPreviewMarkdown } from "./preview-markdown.ts";
import { PreviewFormatError, summarisePreview, type PreviewSummary } from "./preview-summary.ts";
import type { CommandIo } from "./remote-command.ts";

/**
 * The largest preview document read, in bytes. `pulumi preview --json` repeats each dynamic
 * resource's serialized provider (a few kilobytes), so this fits tens of thousands of resources.
 * @default 64 MiB
 */
export const MAX_PREVIEW_BYTES = 64 * 1024 * 1024;

/** The `--help` of the preview form, with its own exit codes. */
export const PREVIEW_HELP = `Usage: ccx plan --preview <file> [--json]

Reads the output of \`pulumi preview --json\` (a file, or - for standard input) and prints one
Markdown summary of the change for a pull request: per export, the definition change, adds,
updates, removals, suppressed opt-outs, Constant Contact requests and the guards' verdicts, under
one headline. Needs no reconciler and no token. Save the preview even when it fails:
  pulumi preview --json > preview.json || true

Options:
  --preview <file>     the preview document; - reads standard input
  --json               print the summary as JSON for other tools
  -h, --help           show this help

Exit codes (the same numbers as every ccx command's, exit-codes.ts):
  ${ExitCode.ok}  the summary was printed; no guard would trip
  ${ExitCode.failed}  the preview failed for another reason (a program error, an invalid input, a policy); the
     summary lists the errors
  ${ExitCode.usage}  bad usage, or the file is unreadable, too large or not \`pulumi preview --json\` output
  ${ExitCode.guard}  a guard would trip: the preview fails and \`pulumi up\` would not apply the change
`;

/** Reads at most `limit` bytes of `path` (`-`: standard input); more is an error. */
async function readLimited(
  path: string,
  limit: number,
  stdin: AsyncIterable<Uint8Array>,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const take = (chunk: Uint8Array) => {
    size += chunk.byteLength;
    if (size > limit) {
      throw new PreviewFormatError(
        `the preview is larger than ${limit / 1024 / 1024} MiB; is it \`pulumi preview --json\` output?`,
      );
    }
    chunks.push(chunk);
  };
  if (path === "-") {
    for await (const chunk of stdin) take(chunk);
  } else {
    const file = await open(path, "r");
    try {
      for await (const chunk of file.createReadStream({ highWaterMark: 1024 * 1024 })) {
        take(chunk as Buffer);
      }
    } finally {
      await file.close();
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The exit code a summary calls for: a guard trip first, then any other error. */
export function exitCodeOfSummary(summary: PreviewSummary): ExitCodeValue {
  if (summary.totals.guardTrips > 0) return ExitCode.guard;
  if (summary.totals.errors > 0) return ExitCode.failed;
  return ExitCode.ok;
}

/** Runs `ccx plan --preview <file> [--json]`. */
export async function runPlanPreview(
  argv: string[],
  io: CommandIo & { stdin?: AsyncIterable<Uint8Array> },
): Promise<number> {
  const fail = (message: string, withHelp = false) => {
    io.stderr.write(`ccx plan: ${message}\n${withHelp ? `\n${PREVIEW_HELP}` : ""}`);
    return ExitCode.usage;
  };
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        preview: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return fail((error as Error).message, true);
  }
  if (values.help === true) {
    io.stdout.write(PREVIEW_HELP);
    return ExitCode.ok;
  }
  const path = values.preview;
  if (path === undefined || path === "") return fail("name the preview file after --preview", true);

  let summary: PreviewSummary;
  try {
    const text = await readLimited(path, MAX_PREVIEW_BYTES, io.stdin ?? process.stdin);
    let document: unknown;
    try {
      // A byte-order mark is not JSON, but editors and some shells add one.
      document = JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch (error) {
      throw new PreviewFormatError(`the preview is not JSON (${(error as Error).message})`);
    }
    summary = summarisePreview(document);
  } catch (error) {
    if (error instanceof PreviewFormatError) return fail(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === "string") return fail(`cannot read ${path}: ${code}`);
    // Anything else (a structure too deep to walk, say) is still bad input, not a crash.
    return fail(`cannot summarise the preview: ${(error as Error).message}`);
  }
  io.stdout.write(
    values.json === true ? `${JSON.stringify(summary)}\n` : renderPreviewMarkdown(summary),
  );
  return exitCodeOfSummary(summary);
}
