/**
 * Schemas shared by every part of the API contract. This folder is imported by the Pulumi
 * provider as well as the reconciler, so it imports nothing but zod and pure helpers.
 */
import { z } from "zod";

/** A resource name in a URL: lowercase letters, digits, `.`, `_` and `-`, 1–100 characters. */
export const ResourceNameSchema = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$/,
    "use 1-100 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
  )
  .meta({ description: "Resource name", example: "newsletter-eu" });

export const NameParamsSchema = z.object({
  name: ResourceNameSchema.meta({ param: { name: "name", in: "path" } }),
});

const originValue = z
  .string()
  .regex(/^[\x21-\x7e]{1,256}$/, "use 1-256 printable characters without spaces");

/**
 * Optional headers that say which Pulumi stack and update a request comes from; recorded in the
 * audit log and on runs.
 */
export const OriginHeadersSchema = z.object({
  "x-ccx-stack": originValue.optional().meta({
    param: { name: "x-ccx-stack", in: "header" },
    description: "Pulumi stack that sends the request, e.g. `org/project/dev`",
  }),
  "x-ccx-update-id": originValue.optional().meta({
    param: { name: "x-ccx-update-id", in: "header" },
    description: "Id of the Pulumi update that sends the request",
  }),
});

/** ISO 8601 timestamp in UTC, as returned by the API. */
export const TimestampSchema = z.iso.datetime().meta({ example: "2026-11-23T10:00:00.000Z" });

/** Every error response: `{ error: { code, message, details } }`. */
export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "Stable error code", example: "VALIDATION_FAILED" }),
      message: z.string().meta({ description: "What happened and what to do next" }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: "ErrorResponse" });

export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;
