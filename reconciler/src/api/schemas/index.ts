/**
 * The API contract shared by the reconciler and the Pulumi provider: zod schemas only, no I/O.
 */
export * from "./common.ts";
export * from "./connection.ts";
export * from "./export.ts";
export * from "./run.ts";
