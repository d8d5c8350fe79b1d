/**
 * Which Constant Contact list an export writes to: `listId` as declared, or `list: { name,
 * create }` adopted by exact name (CONTRACT §2.6) and created when asked and missing.
 */
import { AppError } from "../core/errors.ts";
import type { ExportDefinition } from "../../../contract/export.ts";
import type { CtctClient } from "../ctct/client.ts";

/** The resolved list. */
export interface ResolvedList {
  listId: string;
  /** Members before the run, when the service reported it. */
  membershipCount: number | undefined;
  /** True when this call created the list. */
  created: boolean;
}

/**
 * Resolves the export's list. With `mayCreate: false` (plans) a missing list that the export
 * would create resolves to undefined: a plan treats it as a new, empty list.
 * @throws AppError `EXPORT_LIST_NOT_FOUND` when the list does not exist and may not be created.
 */
export async function resolveExportList(
  client: CtctClient,
  definition: Pick<ExportDefinition, "listId" | "list">,
  options: { mayCreate: boolean },
): Promise<ResolvedList | undefined> {
  if (definition.listId !== undefined) {
    try {
      const list = await client.getList(definition.listId);
      return { listId: list.listId, membershipCount: list.membershipCount, created: false };
    } catch (error) {
      if (error instanceof AppError && error.code === "CTCT_NOT_FOUND") {
        throw new AppError(
          "EXPORT_LIST_NOT_FOUND",
          `Constant Contact has no list ${definition.listId}; fix listId or use list: { name, create: true }`,
          { cause: error, details: { listId: definition.listId } },
        );
      }
      throw error;
    }
  }
  const wanted = definition.list;
  if (wanted === undefined) {
    throw new AppError("VALIDATION_FAILED", "the export names neither listId nor list");
  }
  const found = await client.findListByName(wanted.name);
  if (found !== undefined) {
    // The search reports the count; a service that leaves it out is asked for the list itself.
    const list = found.membershipCount === undefined ? await client.getList(found.listId) : found;
    return { listId: list.listId, membershipCount: list.membershipCount, created: false };
  }
  if (wanted.create !== true) {
    throw new AppError(
      "EXPORT_LIST_NOT_FOUND",
      `Constant Contact has no list named '${wanted.name}'; create it or set list.create: true`,
      { details: { listName: wanted.name } },
    );
  }
  if (!options.mayCreate) return undefined;
  const created = await client.createList({ name: wanted.name });
  return { listId: created.listId, membershipCount: 0, created: true };
}
