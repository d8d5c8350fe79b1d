/**
 * Connection routes: admins create, change and delete connections to Constant Contact;
 * contributors see the name and type of the connections shared with them.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { canonicalJson, fingerprint, hashCanonical } from "../core/canonical-json.ts";
import { decideConsent } from "../core/consent.ts";
import { refreshTokenAgeDays } from "../core/refresh-token-age.ts";
import type {
  ConnectionVerifier,
  ConstantContactCredentials,
  VerifiedAccount,
} from "../core/connection-verifier.ts";
import { AppError, ConflictError, NotFoundError, ValidationError } from "../core/errors.ts";
import { sealCredentials } from "../secrets/connection-credentials.ts";
import type { ConnectionRecord, ConnectionWrite } from "../store/store.ts";
import type { AppDependencies, AppEnv } from "./app-env.ts";
import { conflictResponse, notFoundResponse, errorContent } from "./error-handler.ts";
import { auditActor } from "./request-context.ts";
import { json, protectedRoute } from "./route-table.ts";
import { NameParamsSchema } from "../../../contract/common.ts";
import {
  ConnectionListResponseSchema,
  ConnectionPutRequestSchema,
  ConnectionSchema,
  type Connection,
} from "../../../contract/connection.ts";

export const listConnectionsRoute = protectedRoute("connection.list", "listing connections", {
  method: "get",
  path: "/v1/connections",
  summary: "List connections",
  responses: { 200: { description: "Connections", content: json(ConnectionListResponseSchema) } },
});

export const getConnectionRoute = protectedRoute(
  "connection.read",
  "reading a connection's details",
  {
    method: "get",
    path: "/v1/connections/{name}",
    summary: "Get a connection's details",
    request: { params: NameParamsSchema },
    responses: {
      200: { description: "The connection", content: json(ConnectionSchema) },
      ...notFoundResponse,
    },
  },
);

export const putConnectionRoute = protectedRoute(
  "connection.manage",
  "creating or changing a connection",
  {
    method: "put",
    path: "/v1/connections/{name}",
    summary: "Create or change a connection (idempotent)",
    description:
      "Verifies new credentials against Constant Contact, encrypts them, and records the consent. " +
      "A repeated identical request changes nothing (same generation, no audit entry).",
    request: {
      params: NameParamsSchema,
      body: { required: true, content: json(ConnectionPutRequestSchema) },
    },
    responses: {
      200: { description: "Changed or unchanged", content: json(ConnectionSchema) },
      201: { description: "Created", content: json(ConnectionSchema) },
      ...conflictResponse,
      422: { description: "Constant Contact rejected the credentials", content: errorContent },
      503: { description: "Constant Contact could not be reached", content: errorContent },
    },
  },
);

export const deleteConnectionRoute = protectedRoute("connection.manage", "deleting a connection", {
  method: "delete",
  path: "/v1/connections/{name}",
  summary: "Delete a connection",
  description: "Refused (409) while exports are attached: delete or detach each first.",
  request: { params: NameParamsSchema },
  responses: {
    204: { description: "Deleted" },
    ...notFoundResponse,
    ...conflictResponse,
  },
});

function toConnection(record: ConnectionRecord, exports: string[], now: Date): Connection {
  return {
    name: record.name,
    type: "constant-contact",
    displayName: record.displayName,
    sharing: record.sharing,
    exportUser: record.exportUser,
    consent: record.consent,
    accountId: record.accountId,
    organizationName: record.organizationName,
    status: record.status,
    refreshTokenFingerprint: record.refreshTokenFingerprint,
    refreshTokenRefreshedAt: record.refreshTokenRefreshedAt,
    refreshTokenAgeDays: refreshTokenAgeDays(record.refreshTokenRefreshedAt, now),
    generation: record.generation,
    exports,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** Verifies credentials, turning every failure into an `AppError` the API can answer with. */
async function verifyCredentials(
  verifier: ConnectionVerifier,
  name: string,
  credentials: ConstantContactCredentials,
): Promise<VerifiedAccount> {
  try {
    return await verifier.verify(credentials);
  } catch (error) {
    if (error instanceof AppError && error.code === "VERIFIER_NOT_CONFIGURED") throw error;
    if (error instanceof AppError && !error.retryable) {
      throw new AppError(
        "CREDENTIALS_REJECTED",
        `Constant Contact rejected the credentials of connection '${name}' (${error.message}); ` +
          "run `ccx connect` for a fresh refresh token and apply again",
        { cause: error, details: { reason: error.code } },
      );
    }
    throw new AppError(
      "CTCT_UNAVAILABLE",
      `could not verify the credentials of connection '${name}' with Constant Contact; ` +
        "try again later",
      { cause: error, retryable: true },
    );
  }
}

/** What identifies the credentials a caller supplied, without keeping them readable. */
function credentialsInputHash(credentials: ConstantContactCredentials): string {
  return hashCanonical({
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    refreshToken: credentials.refreshToken,
  });
}

function sameWrite(existing: ConnectionRecord, write: ConnectionWrite): boolean {
  return (Object.keys(write) as Array<keyof ConnectionWrite>).every(
    (key) => canonicalJson(existing[key]) === canonicalJson(write[key]),
  );
}

export function registerConnectionRoutes(app: OpenAPIHono<AppEnv>, deps: AppDependencies): void {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());

  app.openapi(listConnectionsRoute, async (c) => {
    const principal = c.get("principal");
    const connections = await store.listConnections();
    if (principal.role === "admin") {
      const items = await Promise.all(
        connections.map(async (record) =>
          toConnection(record, await store.listAttachedExportNames(record.id), now()),
        ),
      );
      return c.json({ items }, 200);
    }
    // Contributors see the name and type of connections shared with them, nothing else.
    const items = connections
      .filter((record) => record.sharing === "contributors")
      .map((record) => ({ name: record.name, type: "constant-contact" as const }));
    return c.json({ items }, 200);
  });

  app.openapi(getConnectionRoute, async (c) => {
    const { name } = c.req.valid("param");
    const record = await store.getConnection(name);
    if (record === undefined) throw new NotFoundError(`connection '${name}' does not exist`);
    return c.json(toConnection(record, await store.listAttachedExportNames(record.id), now()), 200);
  });

  app.openapi(putConnectionRoute, async (c) => {
    const { name } = c.req.valid("param");
    const request = c.req.valid("json");
    const existing = await store.getConnection(name);
    const supplied = request.credentials;

    let account: { accountId: string; organizationName: string };
    let sealed: { keyId: string; ciphertext: string };
    let inputHash: string;
    let refreshTokenFingerprint: string;
    let status = existing?.status ?? "connected";
    let credentialsChanged = false;
    if (
      existing !== undefined &&
      (supplied === undefined || existing.credentialsInputHash === credentialsInputHash(supplied))
    ) {
      // No credentials, or the same as last supplied: the reconciler owns (and may have rotated)
      // the refresh token since, so keep what is stored.
      account = { accountId: existing.accountId, organizationName: existing.organizationName };
      sealed = { keyId: existing.credentialsKeyId, ciphertext: existing.credentialsCiphertext };
      inputHash = existing.credentialsInputHash;
      refreshTokenFingerprint = existing.refreshTokenFingerprint;
    } else {
      if (supplied === undefined) {
        throw new ValidationError(
          `creating connection '${name}' needs credentials (clientId, clientSecret and the ` +
            "refresh token from `ccx connect`)",
          {
            details: {
              target: "json",
              issues: [{ path: "credentials", message: "required to create a connection" }],
            },
          },
        );
      }
      const verified = await verifyCredentials(deps.verifier, name, supplied);
      account = { accountId: verified.accountId, organizationName: verified.organizationName };
      const kept: ConstantContactCredentials = {
        ...supplied,
        refreshToken: verified.rotatedRefreshToken ?? supplied.refreshToken,
      };
      sealed = sealCredentials(deps.secretBox, name, kept);
      inputHash = credentialsInputHash(supplied);
      refreshTokenFingerprint = fingerprint(supplied.refreshToken);
      status = "connected";
      credentialsChanged = true;
    }

    const decision = decideConsent(existing?.consent, request.consent, account.accountId, now());
    const write: ConnectionWrite = {
      displayName: request.displayName,
      sharing: request.sharing,
      exportUser: request.exportUser,
      consent: decision.consent,
      accountId: account.accountId,
      organizationName: account.organizationName,
      status,
      credentialsKeyId: sealed.keyId,
      credentialsCiphertext: sealed.ciphertext,
      credentialsInputHash: inputHash,
      refreshTokenFingerprint,
    };

    if (existing !== undefined && sameWrite(existing, write)) {
      return c.json(
        toConnection(existing, await store.listAttachedExportNames(existing.id), now()),
        200,
      );
    }

    const actor = auditActor(c);
    const saved = await store.transaction(async (tx) => {
      const record =
        existing === undefined
          ? await tx.insertConnection(name, write)
          : await tx.updateConnection(existing.id, write, {
              keepCredentials: !credentialsChanged,
            });
      const changed =
        existing === undefined
          ? []
          : (
              ["displayName", "sharing", "exportUser", "accountId", "organizationName"] as const
            ).filter((field) => existing[field] !== write[field]);
      await tx.appendAudit({
        ...actor,
        action: existing === undefined ? "connection.create" : "connection.update",
        targetType: "connection",
        targetName: name,
        generation: record.generation,
        details: {
          sharing: record.sharing,
          accountId: record.accountId,
          ...(existing === undefined ? {} : { changed, credentialsChanged }),
          ...(existing !== undefined && existing.sharing !== record.sharing
            ? { sharingChangedFrom: existing.sharing }
            : {}),
        },
      });
      if (decision.isNew) {
        await tx.appendAudit({
          ...actor,
          action: "connection.consent",
          targetType: "connection",
          targetName: name,
          generation: record.generation,
          details: { ...decision.consent },
        });
      }
      return record;
    });
    const body = toConnection(saved, await store.listAttachedExportNames(saved.id), now());
    return existing === undefined ? c.json(body, 201) : c.json(body, 200);
  });

  app.openapi(deleteConnectionRoute, async (c) => {
    const { name } = c.req.valid("param");
    const actor = auditActor(c);
    const inUse = (exports: string[], cause?: unknown) =>
      new ConflictError(
        "CONNECTION_IN_USE",
        `connection '${name}' is used by ${exports.length} export(s): ${exports.join(", ")}; ` +
          "delete or detach each of them first",
        { details: { exports }, cause },
      );
    try {
      await store.transaction(async (tx) => {
        const record = await tx.getConnection(name, { forUpdate: true });
        if (record === undefined) throw new NotFoundError(`connection '${name}' does not exist`);
        const exports = await tx.listAttachedExportNames(record.id);
        if (exports.length > 0) throw inUse(exports);
        await tx.deleteConnection(record.id);
        await tx.appendAudit({
          ...actor,
          action: "connection.delete",
          targetType: "connection",
          targetName: name,
          generation: record.generation,
          details: { accountId: record.accountId },
        });
      });
    } catch (error) {
      // An export attached between the check and the delete: the foreign key refused it.
      if (error instanceof AppError && error.code === "CONNECTION_IN_USE") {
        const record = await store.getConnection(name);
        throw inUse(
          record === undefined ? [] : await store.listAttachedExportNames(record.id),
          error,
        );
      }
      throw error;
    }
    return c.body(null, 204);
  });
}
