/**
 * The provider's steps (check, diff, create, read, update, delete) against a real reconciler and
 * the Constant Contact emulator, called the way the dynamic-provider server calls them.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as connection from "../../provider/connection-behaviour.ts";
import type {
  ConstantContactConnectionInputs,
  ConstantContactConnectionOutputs,
} from "../../provider/connection.ts";
import * as segmentExport from "../../provider/segment-export-behaviour.ts";
import * as segmentSource from "../../provider/segment-source-behaviour.ts";
import type { SegmentSourceInputs, SegmentSourceOutputs } from "../../provider/segment-source.ts";
import type { SegmentExportInputs } from "../../provider/segment-export.ts";
import { configureFromStack } from "../../provider/settings.ts";
import { UNKNOWN } from "../../provider/unknowns.ts";
import { startCcxTestStack, type CcxTestStack } from "../support/ccx-stack.ts";

let stack: CcxTestStack;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

function useToken(role: keyof CcxTestStack["tokens"]): void {
  const settings: Record<string, string> = {
    "ccx:endpoint": stack.reconciler.url,
    "ccx:token": stack.tokens[role],
  };
  configureFromStack({ get: (key) => settings[key] });
}

function connectionInputs(name = "marketing"): ConstantContactConnectionInputs {
  const { credentials } = stack.newCredentials("Contoso marketing");
  return {
    name,
    displayName: "Contoso marketing",
    sharing: "contributors",
    consent: { accepted: true, statementVersion: "2026-01", acceptedBy: "ada@contoso.com" },
    credentials,
    exportUser: "ada@contoso.com",
    caller: { stack: "dev", project: "provider-test" },
  };
}

function exportInputs(connectionName: string, name = "newsletter"): SegmentExportInputs {
  return {
    name,
    connection: connectionName,
    list: { name: `list-${name}`, create: true },
    mappings: { email: "email", firstName: "first_name" },
    segments: ["high-value"],
    source: "segments",
    schedule: { manualOnly: true },
  };
}

function sourceInputs(name: string, path: string): SegmentSourceInputs {
  return {
    name,
    type: "files",
    sharing: "contributors",
    path,
    caller: { stack: "dev", project: "provider-test" },
  };
}

beforeAll(async () => {
  stack = await startCcxTestStack();
  useToken("admin");
  await segmentSource.createSource(sourceInputs("segments", stack.segmentsRoot));
});
afterAll(async () => {
  await stack?.close();
});

describe("check", () => {
  it("reports each bad input against its property", async () => {
    const inputs = connectionInputs();
    const consentMissing = await connection.checkConnection(inputs, {
      ...inputs,
      consent: { ...inputs.consent, accepted: false },
    });
    expect(consentMissing.failures?.map((failure) => failure.property)).toEqual([
      "consent.accepted",
    ]);

    const base = exportInputs("marketing");
    const bad = await segmentExport.checkExport(base, {
      ...base,
      mappings: { firstName: "first_name" } as SegmentExportInputs["mappings"],
      schedule: { cron: "every day" },
    });
    const properties = bad.failures?.map((failure) => failure.property).sort();
    expect(properties).toEqual(["mappings.email", "schedule.cron"]);
    expect(bad.failures?.find((f) => f.property === "schedule.cron")?.reason).toMatch(/cron/);
  });

  it("does not fail on inputs that are unknown during preview", async () => {
    const base = exportInputs("marketing");
    const result = await segmentExport.checkExport(base, {
      ...base,
      connection: UNKNOWN,
      listId: UNKNOWN,
      list: undefined,
    });
    expect(result.failures).toEqual([]);
  });
});

describe("a segment source through its lifecycle", () => {
  const connectionString = "postgres://segments:s3cr3t-provider-test@127.0.0.1:1/crm";
  const postgres: SegmentSourceInputs = {
    name: "crm",
    type: "postgres",
    sharing: "contributors",
    connectionString,
    queries: { vip: "SELECT email FROM customers WHERE vip" },
    caller: { stack: "dev", project: "provider-test" },
  };
  let outputs: SegmentSourceOutputs;

  it("reports bad inputs against their property", async () => {
    const missing = await segmentSource.checkSource(
      {},
      {
        ...postgres,
        connectionString: undefined,
      },
    );
    expect(missing.failures?.map((failure) => failure.property)).toEqual(["connectionString"]);
    const both = await segmentSource.checkSource(
      {},
      {
        ...postgres,
        table: { name: "segment_members", segmentColumn: "segment" },
      },
    );
    expect(both.failures?.map((failure) => failure.property)).toEqual(["queries"]);
    const foreign = await segmentSource.checkSource(
      {},
      {
        name: "lake",
        type: "azure-blob",
        accountUrl: "http://contoso.blob.core.windows.net",
        container: "exports",
      },
    );
    expect(foreign.failures?.map((failure) => failure.property)).toEqual(["accountUrl"]);
  });

  it("creates a postgres source whose outputs hold a fingerprint, never the connection string", async () => {
    useToken("admin");
    const created = await segmentSource.createSource(postgres);
    outputs = created.outs as SegmentSourceOutputs;
    expect(created.id).toBe("crm");
    expect(outputs).toMatchObject({ type: "postgres", sharing: "contributors", generation: 1 });
    expect(outputs.connectionStringFingerprint).toMatch(/^sha256:/);
    expect(JSON.stringify(created)).not.toContain("s3cr3t-provider-test");
    await expect(segmentSource.createSource(postgres)).rejects.toThrow(/adopt: true/);
  });

  it("diffs nothing, a new query, a new connection string, and a rename that replaces", async () => {
    expect((await segmentSource.diffSource("crm", outputs, postgres)).changes).toBe(false);
    const query = {
      ...postgres,
      queries: { vip: "SELECT email FROM customers WHERE tier = 'vip'" },
    };
    expect(await segmentSource.diffSource("crm", outputs, query)).toMatchObject({
      changes: true,
      replaces: [],
    });
    const rotated = { ...postgres, connectionString: `${connectionString}?sslmode=disable` };
    expect((await segmentSource.diffSource("crm", outputs, rotated)).changes).toBe(true);
    expect(
      (await segmentSource.diffSource("crm", outputs, { ...postgres, name: "crm-2" })).replaces,
    ).toEqual(["name"]);

    const updated = await segmentSource.updateSource("crm", outputs, query);
    expect(updated.outs).toMatchObject({ generation: 2, queries: query.queries });
    expect((await segmentSource.readSource("crm", outputs)).props).toMatchObject({
      generation: 2,
      connectionStringFingerprint: outputs.connectionStringFingerprint,
    });
  });

  it("refuses contributors, and a folder outside the reconciler's roots", async () => {
    useToken("contributor");
    await expect(
      segmentSource.createSource(sourceInputs("team-folder", stack.segmentsRoot)),
    ).rejects.toThrow(/creating or changing a source needs the admin role/);
    useToken("admin");
    await expect(segmentSource.createSource(sourceInputs("etc", "/etc"))).rejects.toThrow(
      /SOURCE_OUTSIDE_ROOTS/,
    );
  });

  it("deletes the source; reading it afterwards finds nothing", async () => {
    useToken("admin");
    await segmentSource.deleteSource("crm", outputs);
    expect((await segmentSource.readSource("crm")).id).toBe("");
    await segmentSource.deleteSource("crm", outputs);
  });
});

describe("a connection and an export through their lifecycle", () => {
  let connectionOutputs: ConstantContactConnectionOutputs;
  let inputs: ConstantContactConnectionInputs;

  it("creates a connection verified against Constant Contact, with no secret in its outputs", async () => {
    useToken("admin");
    inputs = connectionInputs();
    const created = await connection.createConnection(inputs);
    connectionOutputs = created.outs as ConstantContactConnectionOutputs;
    expect(created.id).toBe("marketing");
    expect(connectionOutputs).toMatchObject({
      status: "connected",
      organizationName: "Contoso marketing",
      generation: 1,
    });
    const serialized = JSON.stringify(created);
    for (const secret of stack.secrets) expect(serialized).not.toContain(secret);
  });

  it("refuses to take over an existing connection unless adopt is set", async () => {
    await expect(connection.createConnection({ ...inputs })).rejects.toThrow(/adopt: true/);
    const adopted = await connection.createConnection({ ...inputs, adopt: true });
    expect(adopted.id).toBe("marketing");
    connectionOutputs = adopted.outs as ConstantContactConnectionOutputs;
  });

  it("diffs: nothing, an in-place change, and a rename that replaces", async () => {
    expect((await connection.diffConnection("marketing", connectionOutputs, inputs)).changes).toBe(
      false,
    );
    const renamed = await connection.diffConnection("marketing", connectionOutputs, {
      ...inputs,
      name: "marketing-2",
    });
    expect(renamed).toMatchObject({ changes: true, replaces: ["name"] });
    const display = await connection.diffConnection("marketing", connectionOutputs, {
      ...inputs,
      displayName: "New",
    });
    expect(display).toMatchObject({ changes: true, replaces: [] });
  });

  it("updates in place without replaying the refresh token the reconciler has rotated", async () => {
    // The refresh token in `inputs` was spent when the reconciler verified it: sending it again
    // would be rejected by Constant Contact. An update that keeps the credentials must succeed.
    const updated = await connection.updateConnection("marketing", connectionOutputs, {
      ...inputs,
      displayName: "Marketing EU",
    });
    expect(updated.outs).toMatchObject({ displayName: "Marketing EU", status: "connected" });
    expect(updated.outs?.generation).toBeGreaterThan(connectionOutputs.generation);
  });

  it("lets a contributor manage exports on the shared connection, but not create connections", async () => {
    useToken("contributor");
    await expect(connection.createConnection(connectionInputs("other"))).rejects.toThrow(
      /creating or changing a connection needs the admin role/,
    );

    const created = await segmentExport.createExport(exportInputs("marketing"));
    expect(created.id).toBe("newsletter");
    expect(created.outs).toMatchObject({ generation: 1, attached: true, lastRun: null });

    const outs = created.outs!;
    const same = await segmentExport.diffExport("newsletter", outs, exportInputs("marketing"));
    expect(same.changes).toBe(false);
    const changedInputs = { ...exportInputs("marketing"), segments: ["high-value", "signups"] };
    expect((await segmentExport.diffExport("newsletter", outs, changedInputs)).changes).toBe(true);

    const updated = await segmentExport.updateExport("newsletter", outs, changedInputs);
    expect(updated.outs).toMatchObject({ generation: 2, segments: ["high-value", "signups"] });

    const read = await segmentExport.readExport("newsletter");
    expect(read).toMatchObject({ id: "newsletter", props: { generation: 2 } });
  });

  it("lets a viewer look but not change", async () => {
    useToken("viewer");
    expect((await segmentExport.readExport("newsletter")).id).toBe("newsletter");
    await expect(
      segmentExport.createExport(exportInputs("marketing", "viewer-export")),
    ).rejects.toThrow(/FORBIDDEN/);
  });

  it("refuses to delete a connection while an export uses it, naming the export", async () => {
    useToken("admin");
    await expect(connection.deleteConnection("marketing", connectionOutputs)).rejects.toThrow(
      /newsletter/,
    );
    await segmentExport.deleteExport("newsletter", {} as never);
    expect((await segmentExport.readExport("newsletter")).id).toBe("");
    await connection.deleteConnection("marketing", connectionOutputs);
    expect((await connection.readConnection("marketing")).id).toBe("");
  });
});

describe("the data plan in check", () => {
  let segments: string;

  beforeAll(async () => {
    segments = await mkdtemp(join(stack.segmentsRoot, "plan-"));
    const csv = (from: number, to: number) =>
      ["email,first_name", ...range(from, to).map((i) => `p${i}@example.com,P${i}`)].join("\n");
    await writeFile(join(segments, "all.csv"), `${csv(0, 100)}\n`);
    await writeFile(join(segments, "half.csv"), `${csv(0, 50)}\n`);
    await writeFile(join(segments, "more.csv"), `${csv(100, 120)}\n`);
    useToken("admin");
    await segmentSource.createSource(sourceInputs("plan-segments", segments));
    await connection.createConnection(connectionInputs("plans"));
  });
  afterAll(async () => {
    await rm(segments, { recursive: true, force: true });
  });

  const planned = (segmentNames: string[]): SegmentExportInputs => ({
    ...exportInputs("plans", "planned"),
    source: "plan-segments",
    segments: segmentNames,
  });

  it("plans a new export, keeps the plan while nothing changes, and plans a change", async () => {
    const first = await segmentExport.checkExport({}, planned(["all"]));
    expect(first.failures).toEqual([]);
    expect(first.inputs?.plan).toMatchObject({ adds: 100, removals: 0, profiles: 100 });

    const created = await segmentExport.createExport(first.inputs!);
    const run = await stack.runExport("planned");
    expect(run.status).toBe("succeeded");

    const same = await segmentExport.checkExport(first.inputs!, planned(["all"]));
    expect(same.inputs?.plan).toEqual(first.inputs?.plan);

    const grown = await segmentExport.checkExport(first.inputs!, planned(["all", "more"]));
    expect(grown.failures).toEqual([]);
    expect(grown.inputs?.plan).toMatchObject({ adds: 20, updates: 0, removals: 0 });
    expect(grown.inputs?.plan?.summary).toMatch(/^\+20 adds/);
    expect(created.id).toBe("planned");
  });

  it("fails the check, naming the guard, when a change would remove too much", async () => {
    const shrunk = await segmentExport.checkExport(planned(["all"]), planned(["half"]));
    expect(shrunk.failures).toHaveLength(1);
    expect(shrunk.failures?.[0]).toMatchObject({ property: "guards" });
    expect(shrunk.failures?.[0]?.reason).toMatch(/50/);
  });

  it("says why when a plan cannot be made, without failing the check", async () => {
    const orphan = { ...planned(["all"]), name: "orphan", connection: "not-created-yet" };
    const result = await segmentExport.checkExport({}, orphan);
    expect(result.failures).toEqual([]);
    expect(result.inputs?.plan?.summary).toMatch(/^not planned: /);
  });
});
