/**
 * The `ccx` command line: a table of subcommands, each loaded only when it runs so that
 * `ccx --help` stays fast and one command's dependencies never slow another.
 */

/** A subcommand: parses its own arguments and returns the process exit code. */
export interface Command {
  run(argv: string[]): Promise<number>;
}

interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

const commands: Record<string, CommandEntry> = {
  connect: {
    summary: "Authorize ccx with a Constant Contact account (OAuth, local callback)",
    load: () => import("./src/cli/connect.ts"),
  },
  demo: {
    summary: "Run the whole product on this machine, end to end",
    load: () => import("./src/cli/demo.ts"),
  },
  emulator: {
    summary: "Run a local Constant Contact V3 emulator (prints its URL and a ready token)",
    load: () => import("../emulator/cli.ts"),
  },
  serve: {
    summary: "Run the reconciler API on the configured store",
    load: () => import("./src/cli/serve.ts"),
  },
  secrets: {
    summary: "Show which key seals each stored secret, or re-encrypt all under the active key",
    load: () => import("./src/cli/secrets.ts"),
  },
  token: {
    summary: "Create, list or revoke API tokens (admin, contributor, viewer)",
    load: () => import("./src/cli/token.ts"),
  },
  status: {
    summary: "List exports: status, schedule, last refresh and counts, your permissions",
    load: () => import("./src/cli/status.ts"),
  },
  sources: {
    summary: "List the segment sources exports may name (admins: where their data lives)",
    load: () => import("./src/cli/sources.ts"),
  },
  runs: {
    summary: "Show an export's run history with counts and causes",
    load: () => import("./src/cli/runs.ts"),
  },
  run: {
    summary: "Run an export now and follow its progress",
    load: () => import("./src/cli/run.ts"),
  },
  plan: {
    summary: "Show what running an export would change, and whether a guard stops it",
    load: () => import("./src/cli/plan.ts"),
  },
  cancel: {
    summary: "Cancel an export's queued or running run",
    load: () => import("./src/cli/cancel.ts"),
  },
};

/** The help text that lists every subcommand. */
export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(
    ([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`,
  );
  return [
    "Usage: ccx <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `ccx <command> --help` for a command's options.",
  ].join("\n");
}

/** Runs `ccx` with the given arguments and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    process.stderr.write(`ccx: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const command = await entry.load();
  return command.run(rest);
}
