/**
 * `ccx sources`: the segment sources this token may use — for admins every source with where its
 * data lives and which exports read it; for contributors the name, type and segments of the
 * sources shared with them (what an export's `source` and `segments` may name).
 */
import { ExitCode } from "./exit-codes.ts";
import { runRemoteCommand, type CommandIo } from "./remote-command.ts";
import { renderTable } from "./terminal.ts";

const USAGE = `Usage: ccx sources [options]

Lists the segment sources an export may name. Admins see every source, where its data lives
(folder, storage account, query or table; never a connection string) and the exports that read
it; contributors see the name, type and segments of the sources shared with contributors.`;

/** Where a source's data lives, in one cell; absent for what a contributor may not see. */
function whereOf(item: Record<string, unknown>): string {
  if (typeof item["path"] === "string") return item["path"];
  if (typeof item["accountUrl"] === "string") {
    const container = typeof item["container"] === "string" ? item["container"] : "";
    return `${item["accountUrl"]}/${container}${
      typeof item["prefix"] === "string" ? `/${item["prefix"]}` : ""
    }`;
  }
  const table = item["table"] as { name?: string; segmentColumn?: string } | undefined;
  if (table?.name !== undefined) return `table ${table.name} by ${table.segmentColumn ?? ""}`;
  const queries = item["queries"] as Record<string, string> | undefined;
  if (queries !== undefined) return `${Object.keys(queries).length} queries`;
  return "";
}

function segmentsOf(item: Record<string, unknown>): string {
  const listed = item["segments"] ?? Object.keys((item["queries"] as object | undefined) ?? {});
  const names = Array.isArray(listed) ? (listed as string[]) : [];
  return names.length === 0 ? "any" : names.join(", ");
}

/** Runs `ccx sources` and returns its exit code. */
export function run(argv: string[], io?: CommandIo): Promise<number> {
  return runRemoteCommand(
    { name: "sources", usage: USAGE, options: {}, positionals: [] },
    argv,
    async (context) => {
      const items = (await context.api.listSources()) as Array<Record<string, unknown>>;
      if (context.values.json === true) {
        context.out(JSON.stringify({ sources: items }));
        return ExitCode.ok;
      }
      if (items.length === 0) {
        context.out("No segment source is shared with this token. An admin creates sources.");
        return ExitCode.ok;
      }
      const admin = items.some((item) => typeof item["sharing"] === "string");
      context.out(
        admin
          ? renderTable(
              [
                { header: "Source" },
                { header: "Type" },
                { header: "Sharing" },
                { header: "Where" },
                { header: "Exports" },
              ],
              items.map((item) => [
                String(item["name"]),
                String(item["type"]),
                String(item["sharing"]),
                whereOf(item),
                ((item["exports"] as string[] | undefined) ?? []).join(", "),
              ]),
              context.style,
            )
          : renderTable(
              [{ header: "Source" }, { header: "Type" }, { header: "Segments" }],
              items.map((item) => [String(item["name"]), String(item["type"]), segmentsOf(item)]),
              context.style,
            ),
      );
      return ExitCode.ok;
    },
    io,
  );
}
