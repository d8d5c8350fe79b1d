/**
 * The second half of the export permission: contributors manage exports only on connections and
 * sources shared with contributors, and never an export whose connection or source is gone (it
 * was on something they cannot see, so it is treated as admin-only). The role check of the route
 * has already passed.
 */
import { ForbiddenError } from "../core/errors.ts";
import { mayUseConnection, mayUseSource } from "../core/permissions.ts";
import type { SourceRecord } from "../store/source-store.ts";
import type { ConnectionRecord, ExportRecord } from "../store/store.ts";
import type { Principal } from "./app-env.ts";

/** Throws 403 when `principal` may not manage exports through `connection`. */
export function assertMayUseConnection(
  principal: Principal,
  connection: ConnectionRecord | undefined,
  doing: string,
): void {
  if (connection === undefined || mayUseConnection(principal.role, connection.sharing)) return;
  throw new ForbiddenError(
    `${doing} through connection '${connection.name}' needs the admin role, because the ` +
      `connection is shared with admins only; this token has ${principal.role}`,
    { details: { connection: connection.name, sharing: connection.sharing, role: principal.role } },
  );
}

/** Throws 403 when `principal` may not read segments from `source`. */
export function assertMayUseSource(
  principal: Principal,
  source: SourceRecord | undefined,
  doing: string,
): void {
  if (source === undefined || mayUseSource(principal.role, source.sharing)) return;
  throw new ForbiddenError(
    `${doing} with source '${source.name}' needs the admin role, because the source is shared ` +
      `with admins only; this token has ${principal.role}. Use a source shared with ` +
      "contributors (`ccx sources`)",
    { details: { source: source.name, sharing: source.sharing, role: principal.role } },
  );
}

/**
 * Throws 403 unless `principal` may manage the stored export `record`: admins always; others
 * only while its connection and source exist and are shared with them.
 */
export function assertMayManageStoredExport(
  principal: Principal,
  record: ExportRecord,
  connection: ConnectionRecord | undefined,
  source: SourceRecord | undefined,
  doing: string,
): void {
  if (principal.role !== "admin") {
    const gone =
      connection === undefined
        ? `connection '${record.connectionName}'`
        : source === undefined
          ? `source '${record.definition.source}'`
          : undefined;
    if (gone !== undefined) {
      throw new ForbiddenError(
        `${doing} '${record.name}' needs the admin role, because its ${gone} no longer exists; ` +
          `this token has ${principal.role}. Ask an admin to repair or delete the export`,
        { details: { export: record.name, role: principal.role } },
      );
    }
  }
  assertMayUseConnection(principal, connection, doing);
  assertMayUseSource(principal, source, doing);
}

/** True when `principal` may manage the stored export (same rule, as a value). */
export function mayManageStoredExport(
  principal: Principal,
  record: ExportRecord,
  connection: ConnectionRecord | undefined,
  source: SourceRecord | undefined,
): boolean {
  try {
    assertMayManageStoredExport(principal, record, connection, source, "managing an export");
    return true;
  } catch {
    return false;
  }
}
