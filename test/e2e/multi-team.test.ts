/**
 * `examples/multi-team` with the real Pulumi CLI: an admin stack owns the connection and shares it;
 * a team stack with a contributor token finds it through a stack reference and declares an export:
 * preview → up → run → a change previewed with its data plan → up (in place) → refresh shows the
 * last run → destroy. A contributor stack that declares a connection fails, naming the admin role.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getSource } from "../../reconciler/src/store/source-store.ts";
import { startCcxTestStack, type CcxTestStack } from "../support/ccx-stack.ts";
import {
  createPulumiWorkspace,
  previewSteps,
  type PreviewStep,
  type PulumiWorkspace,
} from "../support/pulumi-cli.ts";

const example = fileURLToPath(new URL("../../examples/multi-team/", import.meta.url));
const contributorConnection = fileURLToPath(
  new URL("./fixtures/contributor-connection/", import.meta.url),
);
const EXPORT_TYPE = "pulumi-nodejs:dynamic/ccx:SegmentExport";
const LIST_NAME = "multi-team e2e loyalty";

const gold = Array.from({ length: 200 }, (_, i) => `gold${i}@example.com`);
const silver = Array.from({ length: 40 }, (_, i) => `silver${i}@example.com`);

async function writeSegment(dir: string, name: string, emails: string[]): Promise<void> {
  const rows = emails.map((email, i) => `${email},First${i},Last${i}`);
  await writeFile(join(dir, `${name}.csv`), `email,first_name,last_name\n${rows.join("\n")}\n`);
}

const exportStep = (steps: PreviewStep[]) =>
  steps.find((step) => step.urn.includes(`::${EXPORT_TYPE}::`));

describe("examples/multi-team with the real Pulumi CLI", () => {
  let ccx: CcxTestStack;
  let admin: PulumiWorkspace;
  let team: PulumiWorkspace;
  let segmentsDir: string;
  let accountId: string;
  let credentials: { clientId: string; clientSecret: string; refreshToken: string };
  const workspaces: PulumiWorkspace[] = [];

  const listMembers = (): string[] => {
    const list = ccx.emulator.inspect.lists(accountId).find((l) => l.name === LIST_NAME);
    return list === undefined ? [] : ccx.emulator.inspect.listMembers(list.listId);
  };
  const setConfig = async (stack: PulumiWorkspace, values: Array<[string, string, boolean?]>) => {
    for (const [key, value, secret] of values) {
      await stack.setConfig(key, value, { secret: secret === true });
    }
  };

  beforeAll(async () => {
    ccx = await startCcxTestStack();
    segmentsDir = await mkdtemp(join(ccx.segmentsRoot, "multi-team-"));
    await writeSegment(segmentsDir, "loyalty-gold", gold);
    await writeSegment(segmentsDir, "loyalty-silver", silver);
    ({ accountId, credentials } = ccx.newCredentials("Contoso shared"));
    const binDir = inject("pulumiBin");
    admin = await createPulumiWorkspace({
      binDir,
      programDir: join(example, "admin"),
      stack: "prod",
    });
    workspaces.push(admin);
    // The team's stack lives in the same backend, so its stack reference resolves.
    const backend = { PULUMI_BACKEND_URL: admin.env.PULUMI_BACKEND_URL };
    team = await createPulumiWorkspace({
      binDir,
      programDir: join(example, "team"),
      stack: "loyalty",
      env: backend,
    });
    workspaces.push(team);
    await setConfig(admin, [
      ["ccx:endpoint", ccx.reconciler.url],
      ["ccx:token", ccx.tokens.admin, true],
      ["consentBy", "ada@contoso.com"],
      ["clientId", credentials.clientId],
      ["clientSecret", credentials.clientSecret, true],
      ["refreshToken", credentials.refreshToken, true],
      ["segmentsPath", segmentsDir],
    ]);
    await setConfig(team, [
      ["ccx:endpoint", ccx.reconciler.url],
      ["ccx:token", ccx.tokens.contributor, true],
      ["adminStack", "organization/ccx-multi-team-admin/prod"],
      ["listName", LIST_NAME],
    ]);
  });

  afterAll(async () => {
    for (const workspace of workspaces.reverse()) await workspace.dispose();
    await ccx?.close();
    if (segmentsDir !== undefined) await rm(segmentsDir, { recursive: true, force: true });
  });

  it("the admin stack creates the shared connection", async () => {
    await admin.run(["up", "--yes", "--skip-preview"]);
    expect(await admin.outputs()).toEqual({
      connectionName: "shared-marketing",
      sourceName: "loyalty-segments",
    });
    expect((await ccx.reconciler.store.getConnection("shared-marketing"))?.sharing).toBe(
      "contributors",
    );
    // The team sees the source's name and type, never its folder.
    const json = await ccx.api<unknown>("contributor", "GET", "/v1/sources");
    expect(JSON.stringify(json)).not.toContain(segmentsDir);
    expect(json).toEqual({ items: [{ name: "loyalty-segments", type: "files" }] });
  });

  it("the team stack previews, then creates its export with a contributor token", async () => {
    expect(exportStep(await previewSteps(team))?.op).toBe("create");
    await team.run(["up", "--yes", "--skip-preview"]);
    expect(await team.outputs()).toMatchObject({ exportName: "loyalty", generation: 1 });
  });

  it("runs the team's export into the shared account", async () => {
    const run = await ccx.runExport("loyalty");
    expect(run).toMatchObject({ status: "succeeded", counts: { added: 200 } });
    expect(listMembers()).toEqual([...gold].sort());
  });

  it("previews a new segment with its data plan, then applies it in place", async () => {
    await setConfig(team, [["segments", JSON.stringify(["loyalty-gold", "loyalty-silver"])]]);
    const step = exportStep(await previewSteps(team));
    expect(step?.op).toBe("update");
    expect(step?.newState?.inputs?.plan).toMatchObject({ adds: 40, updates: 0, removals: 0 });

    await team.run(["up", "--yes", "--skip-preview"]);
    expect(await team.outputs()).toMatchObject({ generation: 2 });
    const run = await ccx.runExport("loyalty");
    expect(run).toMatchObject({ status: "succeeded", counts: { added: 40 } });
    expect(listMembers()).toEqual([...gold, ...silver].sort());
  });

  it("shows the last run after `pulumi refresh`", async () => {
    await team.run(["refresh", "--yes", "--skip-preview"]);
    const state = await team.exportState();
    const stored = state.deployment.resources?.find((resource) => resource.type === EXPORT_TYPE);
    expect(stored?.outputs?.lastRun).toMatchObject({ status: "succeeded", counts: { added: 40 } });
    for (const secret of ccx.secrets) expect(JSON.stringify(state)).not.toContain(secret);
  });

  it("a contributor stack cannot create a connection, and is told which role can", async () => {
    const rogue = await createPulumiWorkspace({
      binDir: inject("pulumiBin"),
      programDir: contributorConnection,
      stack: "rogue",
    });
    workspaces.push(rogue);
    const spare = ccx.newCredentials("Rogue").credentials;
    await setConfig(rogue, [
      ["ccx:endpoint", ccx.reconciler.url],
      ["ccx:token", ccx.tokens.contributor, true],
      ["clientId", spare.clientId],
      ["clientSecret", spare.clientSecret, true],
      ["refreshToken", spare.refreshToken, true],
    ]);
    const failure = await rogue.run(["up", "--yes", "--skip-preview"]).then(
      () => new Error("pulumi up succeeded"),
      (error: unknown) => error as Error,
    );
    expect(failure.message).toMatch(/creating or changing a connection needs the admin role/);
    expect(await ccx.reconciler.store.getConnection("team-owned")).toBeUndefined();
  });

  it("destroys the team stack, then the admin stack; the list keeps its members", async () => {
    await team.run(["destroy", "--yes", "--skip-preview"]);
    await admin.run(["destroy", "--yes", "--skip-preview"]);
    expect(await ccx.reconciler.store.getConnection("shared-marketing")).toBeUndefined();
    expect(await getSource(ccx.reconciler.store, "loyalty-segments")).toBeUndefined();
    expect(listMembers()).toHaveLength(240);
  });
});
