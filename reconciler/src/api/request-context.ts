/** Small helpers shared by the route modules. */
import type { Context } from "hono";
import type { AuditEntryInput } from "../store/store.ts";
import type { AppEnv } from "./app-env.ts";

/** Who and where from, for an audit entry. */
export function auditActor(
  c: Context<AppEnv>,
): Pick<AuditEntryInput, "actorName" | "actorRole" | "stack" | "updateId"> {
  const principal = c.get("principal");
  const origin = c.get("origin");
  return {
    actorName: principal.name,
    actorRole: principal.role,
    ...(origin.stack === undefined ? {} : { stack: origin.stack }),
    ...(origin.updateId === undefined ? {} : { updateId: origin.updateId }),
  };
}
