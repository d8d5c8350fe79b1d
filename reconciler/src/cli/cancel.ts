/**
 * `ccx cancel <export>`: stops the export's queued or running run. A queued run is cancelled at
 * once; a running run is asked to stop and stops at its next checkpoint.
 */
import { ReconcilerApiError } from "./api-client.ts";
import { ExitCode } from "./exit-codes.ts";
import { runRemoteCommand, type CommandIo } from "./remote-command.ts";

const USAGE = `Usage: ccx cancel <export> [options]

Cancels the export's active run (queued: at once; running: at its next checkpoint, keeping
everything written so far consistent).

Options:
  --run <id>           cancel this run instead of the active one`;

/** Runs `ccx cancel <export>` and returns its exit code. */
export function run(argv: string[], io?: CommandIo): Promise<number> {
  return runRemoteCommand(
    {
      name: "cancel",
      usage: USAGE,
      options: { run: { type: "string" } },
      positionals: ["export"],
    },
    argv,
    async (context) => {
      const [name = ""] = context.positionals;
      let runId = context.option("run");
      if (runId === undefined) {
        const runs = await context.api.listRuns(name, 5);
        runId = runs.find((entry) => entry.status === "queued" || entry.status === "running")?.id;
        if (runId === undefined) {
          throw new ReconcilerApiError(
            409,
            "NO_ACTIVE_RUN",
            `export '${name}' has no queued or running run; nothing to cancel`,
          );
        }
      }
      const cancelled = await context.api.cancelRun(name, runId);
      if (context.values.json === true) {
        context.out(JSON.stringify(cancelled));
      } else if (cancelled.status === "cancelled") {
        context.out(`Cancelled run ${cancelled.id} of '${name}'.`);
      } else {
        context.out(
          `Asked run ${cancelled.id} of '${name}' to stop; it stops at its next checkpoint. ` +
            `Watch it with \`ccx runs ${name}\`.`,
        );
      }
      return ExitCode.ok;
    },
    io,
  );
}
