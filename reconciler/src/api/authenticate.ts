/**
 * Authentication of `/v1/*`: `Authorization: Bearer ccx_…`, looked up by its SHA-256 among the
 * stored tokens, or matched against the bootstrap admin token's hash. Also reads the Pulumi
 * origin headers that the audit log and runs record.
 */
import { createMiddleware } from "hono/factory";
import { UnauthenticatedError, ValidationError } from "../core/errors.ts";
import { hashesEqual, hashToken, looksLikeToken, TOKEN_PREFIX } from "../auth/api-token.ts";
import type { AppDependencies, AppEnv, RequestOrigin } from "./app-env.ts";

/** The principal name of the bootstrap admin token in logs and the audit log. */
export const BOOTSTRAP_ADMIN_NAME = "bootstrap-admin";

export function authenticate(deps: Pick<AppDependencies, "store" | "bootstrapAdminTokenHash">) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization");
    if (header === undefined || header.trim() === "") throw new UnauthenticatedError();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    if (token === undefined) {
      throw new UnauthenticatedError(
        "the Authorization header must be `Bearer <token>` with one ccx API token",
      );
    }
    if (!looksLikeToken(token)) {
      throw new UnauthenticatedError(
        `the API token is malformed: ccx tokens start with '${TOKEN_PREFIX}' followed by 43 ` +
          "characters; create one with `ccx token create`",
      );
    }
    const tokenHash = hashToken(token);
    if (
      deps.bootstrapAdminTokenHash !== undefined &&
      hashesEqual(tokenHash, deps.bootstrapAdminTokenHash)
    ) {
      c.set("principal", { name: BOOTSTRAP_ADMIN_NAME, role: "admin" });
    } else {
      const record = await deps.store.findTokenByHash(tokenHash);
      if (record === undefined) {
        throw new UnauthenticatedError(
          "the API token is unknown or revoked; create one with `ccx token create`",
        );
      }
      c.set("principal", { name: record.name, role: record.role });
    }
    c.set("origin", readOrigin(c.req.header("x-ccx-stack"), c.req.header("x-ccx-update-id")));
    await next();
  });
}

const ORIGIN_VALUE = /^[\x21-\x7e]{1,256}$/;

function readOrigin(stack: string | undefined, updateId: string | undefined): RequestOrigin {
  const origin: RequestOrigin = {};
  for (const [header, value, key] of [
    ["x-ccx-stack", stack, "stack"],
    ["x-ccx-update-id", updateId, "updateId"],
  ] as const) {
    if (value === undefined) continue;
    if (!ORIGIN_VALUE.test(value)) {
      throw new ValidationError(
        `header ${header} must be 1-256 printable characters without spaces, e.g. 'org/project/dev'`,
        { details: { header } },
      );
    }
    origin[key] = value;
  }
  return origin;
}
