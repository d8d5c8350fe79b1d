import { declareQuickstart } from "./quickstart-stack.ts";

const outputs = declareQuickstart({
  mappings: { email: "email", firstName: "first_name" },
  segments: ["high-value"],
});

export const {
  connectionName,
  sourceName,
  accountId,
  organizationName,
  exportName,
  generation,
  lastRun,
} = outputs;
