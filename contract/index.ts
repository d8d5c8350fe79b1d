/**
 * The API contract shared by the reconciler, the `ccx` CLI and the Pulumi provider: zod schemas,
 * the types they infer, the compatibility level, and the one client of the API. Defined here once
 * and compiled into each package that uses it.
 */
export * from "./common.ts";
export * from "./connection.ts";
export * from "./export.ts";
export * from "./me.ts";
export * from "./plan.ts";
export * from "./run.ts";
export * from "./scheduling.ts";
export * from "./source.ts";
export * from "./version.ts";
