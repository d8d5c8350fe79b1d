/**
 * The version of all of an export's segments together: changes whenever any segment's data
 * changes. Reads no rows: sources report versions from file times, blob ETags or query hashes.
 */
import { createHash } from "node:crypto";
import { openSegmentSource, type SourceOpener } from "../sources/open-source.ts";
import type { ExportDefinition } from "../../../contract/export.ts";
import type { ExportRecord } from "../store/store.ts";
import type { SourceVersionReader } from "./triggers.ts";

export function createSourceVersionReader(opener: SourceOpener): SourceVersionReader {
  return (record: ExportRecord) => readSourceVersion(record.definition, opener);
}

/** The version of the segments `definition` reads (a stored or a proposed definition). */
export async function readSourceVersion(
  definition: Pick<ExportDefinition, "source" | "segments">,
  opener: SourceOpener,
): Promise<string> {
  const source = await openSegmentSource(opener, definition.source);
  try {
    const hash = createHash("sha256");
    for (const segment of definition.segments) {
      const resolved = await source.resolve(segment);
      hash.update(`${segment}\u0000${resolved.version}\u0000`);
    }
    return hash.digest("hex");
  } finally {
    await source.close();
  }
}
