/**
 * The second half of the export permission: contributors manage exports only on connections
 * shared with contributors. The role check of the route has already passed.
 */
import { ForbiddenError } from "../core/errors.ts";
import { mayUseConnection } from "../core/permissions.ts";
import type { ConnectionRecord } from "../store/store.ts";
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
