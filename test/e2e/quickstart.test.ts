/**
 * `examples/quickstart` with the real Pulumi CLI against a real reconciler and the Constant Contact
 * emulator: preview → up → run → step 2 preview shows the data plan → up (in place) → run →
 * refresh shows the last run → destroy, with the Constant Contact list asserted after each step
 * and the state file scanned for secrets.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { refreshAccessToken } from "../../reconciler/src/ctct/oauth.ts";
import { getSource } from "../../reconciler/src/store/source-store.ts";
import { startCcxTestStack, type CcxTestStack } from "../support/ccx-stack.ts";
import {
  createPulumiWorkspace,
  previewSteps,
  type PreviewStep,
  type PulumiWorkspace,
} from "../support/pulumi-cli.ts";

const quickstart = fileURLToPath(new URL("../../examples/quickstart/", import.meta.url));
const CONNECTION_TYPE = "pulumi-nodejs:dynamic/ccx:ConstantContactConnection";
const SOURCE_TYPE = "pulumi-nodejs:dynamic/ccx:SegmentSource";
const EXPORT_TYPE = "pulumi-nodejs:dynamic/ccx:SegmentExport";
const LIST_NAME = "quickstart e2e newsletter";
/** How Pulumi marks a secret value in a state (its `sig` key and secret marker). */
const PULUMI_SECRET_SIG = "4dabf18193072939515e22adb298388d";
const PULUMI_SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** 300 high-value customers, and 100 newsletter sign-ups of whom 50 are high-value too. */
const highValue = Array.from({ length: 300 }, (_, i) => `customer${i}@example.com`);
const signups = Array.from({ length: 100 }, (_, i) => `customer${250 + i}@example.com`);

async function writeSegments(dir: string): Promise<void> {
  const csv = (emails: string[]) =>
    ["email,first_name,last_name", ...emails.map((e, i) => `${e},First${i},Last${i}`)].join("\n");
  await writeFile(join(dir, "high-value.csv"), `${csv(highValue)}\n`);
  await writeFile(join(dir, "newsletter-signups.csv"), `${csv(signups)}\n`);
}

const stepOf = (steps: PreviewStep[], type: string) =>
  steps.find((step) => step.urn.includes(`::${type}::`));

describe("examples/quickstart with the real Pulumi CLI", () => {
  let ccx: CcxTestStack;
  let stack: PulumiWorkspace;
  let segmentsDir: string;
  let accountId: string;
  let credentials: { clientId: string; clientSecret: string; refreshToken: string };

  /** E-mails on the quickstart's list in the emulator (none before the list exists). */
  const listMembers = (): string[] => {
    const list = ccx.emulator.inspect.lists(accountId).find((l) => l.name === LIST_NAME);
    return list === undefined ? [] : [...ccx.emulator.inspect.listMembers(list.listId)].sort();
  };

  /**
   * What the stack's state holds, as the README says: no secret in plain text anywhere; the
   * connection's credentials only as a secret input, encrypted by the stack's secrets provider,
   * which decrypts to the credentials as handed over, whose refresh token is spent; in the
   * outputs only a fingerprint of them.
   */
  const expectStateHoldsOnlyEncryptedCredentials = async () => {
    const state = await stack.exportState();
    const text = JSON.stringify(state);
    for (const secret of ccx.secrets) expect(text).not.toContain(secret);
    const connection = state.deployment.resources?.find((r) => r.type === CONNECTION_TYPE);
    expect(connection?.inputs?.["credentials"]).toEqual({
      [PULUMI_SECRET_SIG]: PULUMI_SECRET_VALUE,
      ciphertext: expect.stringMatching(/^v1:/) as string,
    });
    expect(connection?.outputs?.["credentialsFingerprint"]).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(JSON.stringify(connection?.outputs ?? {})).not.toContain(credentials.clientSecret);

    const decrypted = await stack.exportState({ showSecrets: true });
    const held = decrypted.deployment.resources?.find((r) => r.type === CONNECTION_TYPE)?.inputs?.[
      "credentials"
    ] as { plaintext: string };
    expect(JSON.parse(held.plaintext)).toEqual(credentials);
    // That refresh token was exchanged when the reconciler verified the connection, so the copy
    // in the state cannot be replayed.
    ccx.emulator.clock.advance(1_100);
    await expect(
      refreshAccessToken(
        { ...credentials, tokenUrl: ccx.emulator.tokenUrl },
        credentials.refreshToken,
      ),
    ).rejects.toMatchObject({ errorKey: "invalid_grant" });
  };

  beforeAll(async () => {
    ccx = await startCcxTestStack();
    segmentsDir = await mkdtemp(join(ccx.segmentsRoot, "quickstart-"));
    await writeSegments(segmentsDir);
    const created = ccx.newCredentials("Contoso quickstart");
    accountId = created.accountId;
    credentials = created.credentials;
    stack = await createPulumiWorkspace({
      binDir: inject("pulumiBin"),
      programDir: quickstart,
      stack: "e2e",
    });
    const config: Array<[string, string, boolean]> = [
      ["ccx:endpoint", ccx.reconciler.url, false],
      ["ccx:token", ccx.tokens.admin, true],
      ["consentBy", "ada@contoso.com", false],
      ["clientId", created.credentials.clientId, false],
      ["clientSecret", created.credentials.clientSecret, true],
      ["refreshToken", created.credentials.refreshToken, true],
      ["segmentsPath", segmentsDir, false],
      ["listName", LIST_NAME, false],
    ];
    for (const [key, value, secret] of config) {
      await stack.setConfig(key, value, { secret });
    }
  });

  afterAll(async () => {
    await stack?.dispose();
    await ccx?.close();
    if (segmentsDir !== undefined) await rm(segmentsDir, { recursive: true, force: true });
  });

  it("previews the connection, the source and the export without creating anything", async () => {
    const steps = await previewSteps(stack);
    expect(stepOf(steps, CONNECTION_TYPE)?.op).toBe("create");
    expect(stepOf(steps, SOURCE_TYPE)?.op).toBe("create");
    expect(stepOf(steps, EXPORT_TYPE)?.op).toBe("create");
    expect(await ccx.reconciler.store.getConnection("marketing")).toBeUndefined();
    expect(await getSource(ccx.reconciler.store, "segments")).toBeUndefined();
    expect(listMembers()).toEqual([]);
  });

  it("creates all three with `pulumi up`; nothing is sent to the list before a run", async () => {
    await stack.run(["up", "--yes", "--skip-preview"]);
    expect(await stack.outputs()).toMatchObject({
      connectionName: "marketing",
      sourceName: "segments",
      exportName: "newsletter",
      organizationName: "Contoso quickstart",
      generation: 1,
    });
    expect(listMembers()).toEqual([]);
    await expectStateHoldsOnlyEncryptedCredentials();
  });

  it("runs the export: the list holds exactly the segment", async () => {
    const run = await ccx.runExport("newsletter");
    expect(run).toMatchObject({ status: "succeeded", generation: 1 });
    expect(run.counts).toMatchObject({ added: 300 });
    expect(listMembers()).toEqual([...highValue].sort());
  });

  it("step 2's preview shows the data plan of a new mapping and a new segment", async () => {
    await stack.switchProgram(join(quickstart, "step2"));
    const steps = await previewSteps(stack);
    // Unchanged: `preview --json` lists it as "same", or not at all.
    expect([undefined, "same"]).toContain(stepOf(steps, CONNECTION_TYPE)?.op);
    const exportStep = stepOf(steps, EXPORT_TYPE);
    expect(exportStep?.op).toBe("update");
    // 50 sign-ups are new; the 300 on the list get their newly mapped last name.
    expect(exportStep?.newState?.inputs?.plan).toMatchObject({
      adds: 50,
      updates: 300,
      removals: 0,
      suppressed: 0,
    });
  });

  it("applies step 2 in place, and the next run sends only the change", async () => {
    await stack.run(["up", "--yes", "--skip-preview"]);
    expect(await stack.outputs()).toMatchObject({ exportName: "newsletter", generation: 2 });
    const run = await ccx.runExport("newsletter");
    expect(run).toMatchObject({ status: "succeeded", generation: 2 });
    expect(run.counts).toMatchObject({ added: 50, updated: 300 });
    expect(listMembers()).toEqual([...new Set([...highValue, ...signups])].sort());
    expect(ccx.emulator.inspect.contact("customer0@example.com", accountId)).toMatchObject({
      lastName: "Last0",
    });
    await expectStateHoldsOnlyEncryptedCredentials();
  });

  it("shows the last run and a hand edit of the list after `pulumi refresh`", async () => {
    // Someone adds a member in Constant Contact by hand; the next run reports it, not fights it.
    const list = ccx.emulator.inspect.lists(accountId).find((l) => l.name === LIST_NAME);
    ccx.emulator.seedContact(accountId, { email: "by-hand@example.com", listIds: [list!.listId] });
    const run = await ccx.runExport("newsletter");
    expect(run.counts).toMatchObject({ added: 0, updated: 0, removed: 0, listDrift: 1 });

    await stack.run(["refresh", "--yes", "--skip-preview"]);
    const state = await stack.exportState();
    const exported = state.deployment.resources?.find((resource) => resource.type === EXPORT_TYPE);
    expect(exported?.outputs).toMatchObject({
      lastRun: { id: run.id, status: "succeeded" },
      listDrift: 1,
    });
  });

  it("destroys the stack: the reconciler forgets all three, the list keeps its members", async () => {
    await stack.run(["destroy", "--yes", "--skip-preview"]);
    expect(await ccx.reconciler.store.getConnection("marketing")).toBeUndefined();
    expect(await getSource(ccx.reconciler.store, "segments")).toBeUndefined();
    expect(listMembers()).toHaveLength(351);
    const state = await stack.exportState();
    expect(state.deployment.resources ?? []).toHaveLength(0);
  });
});
