/**
 * The contract of `ConstantContactConnection`: what `PUT /v1/connections/{name}` accepts and what
 * the connection routes return. Credentials are write-only: no response schema has them.
 */
import { z } from "zod";
import { ResourceNameSchema, TimestampSchema } from "./common.ts";

export const SharingSchema = z.enum(["admins", "contributors"]).meta({
  description:
    "Who may run and manage exports through this connection: admins only, or contributors too",
});

export const ConsentInputSchema = z
  .strictObject({
    accepted: z.literal(true, {
      error:
        "consent.accepted must be true: data, including personal data, leaves the platform and " +
        "the customer is responsible for consent",
    }),
    statementVersion: z
      .string()
      .min(1)
      .max(100)
      .meta({ description: "Version of the data-privacy statement agreed to", example: "2026-01" }),
    acceptedBy: z
      .string()
      .min(1)
      .max(320)
      .meta({ description: "Who agreed (name or e-mail)", example: "ada@example.com" }),
    accountId: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({
        description:
          "The Constant Contact account this agreement covers. Optional on create; required to " +
          "agree again when new credentials belong to a different account.",
      }),
  })
  .meta({
    id: "ConsentInput",
    description:
      "The data-privacy agreement: data, including personal data, leaves the platform for " +
      "Constant Contact, and the customer is responsible for the consent of the people in it",
  });

export const CredentialsInputSchema = z
  .strictObject({
    clientId: z.string().min(1).max(200),
    clientSecret: z.string().min(1).max(1000),
    refreshToken: z.string().min(1).max(8000),
  })
  .meta({
    id: "CredentialsInput",
    description:
      "OAuth client and refresh token (from `ccx connect`). Write-only: stored encrypted, never " +
      "returned; the reconciler rotates the refresh token from then on.",
  });

export const ConnectionPutRequestSchema = z
  .strictObject({
    displayName: z.string().min(1).max(200).meta({ description: "Name people see" }),
    sharing: SharingSchema.default("admins"),
    consent: ConsentInputSchema,
    credentials: CredentialsInputSchema.optional().meta({
      description:
        "Required to create a connection. Leave out on later changes to keep the stored " +
        "credentials (the reconciler rotates the refresh token); send new ones to replace them.",
    }),
    exportUser: z
      .string()
      .min(1)
      .max(320)
      .meta({ description: "The user recorded as running exports", example: "ada@example.com" }),
  })
  .meta({ id: "ConnectionPutRequest" });

export type ConnectionPutRequest = z.output<typeof ConnectionPutRequestSchema>;

export const ConsentRecordSchema = z
  .object({
    accepted: z.literal(true),
    statementVersion: z.string(),
    acceptedBy: z.string(),
    acceptedAt: TimestampSchema,
    accountId: z.string().meta({ description: "The Constant Contact account agreed to" }),
  })
  .meta({ id: "ConsentRecord" });

export type ConsentRecord = z.infer<typeof ConsentRecordSchema>;

export const ConnectionStatusSchema = z.enum(["connected", "needs-reauthorisation"]);
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

/** A connection as admins see it. */
export const ConnectionSchema = z
  .object({
    name: ResourceNameSchema,
    type: z.literal("constant-contact"),
    displayName: z.string(),
    sharing: SharingSchema,
    exportUser: z.string(),
    consent: ConsentRecordSchema,
    accountId: z.string(),
    organizationName: z.string(),
    status: ConnectionStatusSchema,
    refreshTokenFingerprint: z.string().meta({
      description:
        "Truncated SHA-256 of the refresh token last supplied, so a stack can see a change " +
        "without holding the token",
    }),
    refreshTokenRefreshedAt: TimestampSchema.meta({
      description:
        "When the refresh token was last used; Constant Contact refuses one unused for 180 days, " +
        "so the reconciler refreshes idle connections (connections.idleRefreshDays)",
    }),
    refreshTokenAgeDays: z.int().min(0).meta({
      description: "Whole days since the refresh token was last used",
    }),
    generation: z.int(),
    exports: z.array(z.string()).meta({ description: "Exports attached to this connection" }),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: "Connection" });

export type Connection = z.infer<typeof ConnectionSchema>;

/** A connection as contributors see it: name and type only. */
export const ConnectionRefSchema = z
  .object({ name: ResourceNameSchema, type: z.literal("constant-contact") })
  .meta({ id: "ConnectionRef" });

export const ConnectionListResponseSchema = z
  .object({
    items: z.array(z.union([ConnectionSchema, ConnectionRefSchema])).meta({
      description:
        "Admins get every connection in full; contributors get the name and type of the " +
        "connections shared with contributors",
    }),
  })
  .meta({ id: "ConnectionList" });
