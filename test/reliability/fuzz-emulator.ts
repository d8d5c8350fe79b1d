/**
 * Scenario "fuzz-emulator": schemathesis against the emulator with Constant Contact's official
 * V3 document (`shared/constant-contact/v3-openapi.yaml`), cut down to the operations in the
 * contract's scope (CONTRACT §1) — the emulator implements those and answers 404/405 to the
 * rest. A list, a contact, a custom field and a completed import exist beforehand and the
 * fuzzer draws path ids from them part of the time. Rate limits are off: throttling is its own
 * scenario, and here it would only hide the operations behind 429s.
 * Promise: zero 5xx answers and zero answers that break the official schema.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { startEmulator } from "../../emulator/index.ts";
import { ScenarioReport, secondsSince, type ScenarioResult } from "./scenario.ts";
import { runSchemathesis } from "./schemathesis.ts";
import type { FuzzSize } from "./fuzz-reconciler.ts";

const officialSpec = fileURLToPath(
  new URL("../../../shared/constant-contact/v3-openapi.yaml", import.meta.url),
);

/** CONTRACT §1: the operations ccx calls (and the emulator therefore implements). */
export const CONTRACT_OPERATIONS: Readonly<Record<string, readonly string[]>> = {
  "/account/summary": ["get"],
  "/contact_lists": ["get", "post"],
  "/contact_lists/{list_id}": ["get", "put", "delete"],
  "/contacts": ["get"],
  "/contacts/{contact_id}": ["get"],
  "/activities/contacts_json_import": ["post"],
  "/activities/remove_list_memberships": ["post"],
  "/activities/add_list_memberships": ["post"],
  "/activities/contact_exports": ["post"],
  "/contact_exports/{file_export_id}": ["get"],
  "/activities/{activity_id}": ["get"],
  "/activities": ["get"],
  "/contact_custom_fields": ["get", "post"],
};

interface SwaggerDocument {
  paths: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/** The official document with only the contract's operations left. */
export async function contractScopedSpec(): Promise<SwaggerDocument> {
  const document = parse(await readFile(officialSpec, "utf8")) as SwaggerDocument;
  const paths: SwaggerDocument["paths"] = {};
  for (const [path, methods] of Object.entries(CONTRACT_OPERATIONS)) {
    const item = document.paths[path];
    if (item === undefined) throw new Error(`the official document has no ${path}`);
    paths[path] = Object.fromEntries(
      Object.entries(item).filter(([key]) => methods.includes(key) || key === "parameters"),
    );
  }
  return { ...document, paths };
}

export async function fuzzEmulator(size: FuzzSize): Promise<ScenarioResult> {
  const report = new ScenarioReport("fuzz-emulator");
  const started = performance.now();
  const emulator = await startEmulator({ activityTiming: "instant", rateLimits: false });
  const work = await mkdtemp(join(tmpdir(), "ccx-fuzz-emulator-"));
  try {
    const app = emulator.createApp();
    const { accountId } = emulator.createAccount();
    const { accessToken } = emulator.issueTokens(app.clientId, accountId);
    const { listId } = emulator.seedList(accountId, { name: "Customers" });
    const { contactId } = emulator.seedContact(accountId, {
      email: "ann@example.com",
      firstName: "Ann",
      listIds: [listId],
    });
    emulator.seedCustomField(accountId, { label: "Tier" });
    const imported = await fetch(`${emulator.apiBaseUrl}/activities/contacts_json_import`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ import_data: [{ email: "bob@example.com" }], list_ids: [listId] }),
    });
    const { activity_id: activityId } = (await imported.json()) as { activity_id: string };
    const exported = await fetch(`${emulator.apiBaseUrl}/activities/contact_exports`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ list_ids: [listId] }),
    });
    const { activity_id: exportId } = (await exported.json()) as { activity_id: string };

    const specPath = join(work, "ctct-v3-contract-scope.json");
    await writeFile(specPath, JSON.stringify(await contractScopedSpec()));
    const outcome = await runSchemathesis({
      schema: specPath,
      baseUrl: emulator.apiBaseUrl,
      headers: { Authorization: `Bearer ${accessToken}` },
      maxExamples: size.maxExamples,
      knownPathValues: {
        list_id: [listId],
        contact_id: [contactId],
        activity_id: [activityId, exportId],
        file_export_id: [exportId],
      },
    });
    report.trials = outcome.operationsTested;
    report.figures["testCases"] = outcome.testCases;
    report.figures["failures"] = outcome.failures.length;
    report.figures["requests"] = emulator.inspect.totalRequests();
    report.figures["seconds"] = secondsSince(started);
    for (const failure of outcome.failures) report.fail(failure);
    for (const error of outcome.errors) report.fail(`fuzzer error: ${error}`);
    report.expect(outcome.testCases > 0, "schemathesis generated no test case");
  } finally {
    await emulator.close();
    await rm(work, { recursive: true, force: true });
  }
  return report.result();
}
