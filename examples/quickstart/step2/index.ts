// Step 2 of the quickstart: map the last name too, and add a second segment.
import { declareQuickstart } from "../quickstart-stack.ts";

const outputs = declareQuickstart({
  mappings: { email: "email", firstName: "first_name", lastName: "last_name" },
  segments: ["high-value", "newsletter-signups"],
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
