/**
 * The serialized providers, driven through `@pulumi/pulumi`'s own dynamic-provider gRPC server the
 * way the engine drives them: the provider text comes from a real serialization, settings arrive
 * through `Configure`, and nothing but the property bags crosses the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCcxTestStack, type CcxTestStack } from "../support/ccx-stack.ts";
import {
  serializeProviders,
  startDynamicProviderServer,
  type DynamicProviderServer,
} from "../support/dynamic-provider-grpc.ts";

const CONNECTION_URN = "urn:pulumi:dev::grpc-test::pulumi-nodejs:dynamic:Resource::marketing";
const SOURCE_URN = "urn:pulumi:dev::grpc-test::pulumi-nodejs:dynamic:Resource::crm";
const EXPORT_URN = "urn:pulumi:dev::grpc-test::pulumi-nodejs:dynamic:Resource::newsletter";
/** `DiffResponse.changes` of the provider protocol. */
const DIFF_NONE = 1;
const DIFF_SOME = 2;

let stack: CcxTestStack;
let providers: { connection: string; segmentSource: string; segmentExport: string };
const servers: DynamicProviderServer[] = [];

/** A provider server configured with the token of `role`, as stack config would configure it. */
async function serverAs(role: keyof CcxTestStack["tokens"]): Promise<DynamicProviderServer> {
  // No CCX_* variables: the settings must arrive through Configure.
  const server = await startDynamicProviderServer({ CCX_ENDPOINT: "", CCX_TOKEN: "" });
  servers.push(server);
  await server.configure({ "ccx:endpoint": stack.reconciler.url, "ccx:token": stack.tokens[role] });
  return server;
}

function connectionProperties(name: string): Record<string, unknown> {
  return {
    __provider: providers.connection,
    name,
    displayName: "Contoso marketing",
    sharing: "contributors",
    consent: { accepted: true, statementVersion: "2026-01", acceptedBy: "ada@contoso.com" },
    credentials: stack.newCredentials("Contoso marketing").credentials,
    exportUser: "ada@contoso.com",
    caller: { stack: "dev", project: "grpc-test" },
  };
}

function exportProperties(segments: string[]): Record<string, unknown> {
  return {
    __provider: providers.segmentExport,
    name: "newsletter",
    connection: "marketing",
    list: { name: "grpc newsletter", create: true },
    mappings: { email: "email", firstName: "first_name" },
    segments,
    source: "crm",
    schedule: { manualOnly: true },
    caller: { stack: "dev", project: "grpc-test" },
  };
}

beforeAll(async () => {
  [stack, providers] = await Promise.all([startCcxTestStack(), serializeProviders()]);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await stack?.close();
});

describe("the serialized providers behind the dynamic-provider gRPC server", () => {
  it("serialize without capturing a setting or a secret", () => {
    for (const text of Object.values(providers)) {
      expect(text).toContain("@ccx/pulumi/");
      expect(text).not.toContain(stack.reconciler.url);
      for (const secret of stack.secrets) expect(text).not.toContain(secret);
    }
  });

  it("check returns failures per property", async () => {
    const server = await serverAs("admin");
    const properties = connectionProperties("marketing");
    const result = await server.check(
      CONNECTION_URN,
      {},
      {
        ...properties,
        consent: { accepted: false, statementVersion: "2026-01", acceptedBy: "ada@contoso.com" },
      },
    );
    expect(result.failures.map((failure) => failure.property)).toEqual(["consent.accepted"]);
  });

  it("creates, diffs, updates, reads and deletes a connection and an export", async () => {
    const server = await serverAs("admin");
    const properties = connectionProperties("marketing");
    const created = await server.create(CONNECTION_URN, properties);
    expect(created.id).toBe("marketing");
    expect(created.properties).toMatchObject({ status: "connected", generation: 1 });
    for (const secret of stack.secrets) expect(JSON.stringify(created)).not.toContain(secret);

    const olds = { ...created.properties, __provider: providers.connection };
    expect((await server.diff(CONNECTION_URN, "marketing", olds, properties)).changes).toBe(
      DIFF_NONE,
    );
    const renamed = await server.diff(CONNECTION_URN, "marketing", olds, {
      ...properties,
      name: "marketing-eu",
    });
    expect(renamed).toMatchObject({ changes: DIFF_SOME, replaces: ["name"] });
    const updated = await server.update(CONNECTION_URN, "marketing", olds, {
      ...properties,
      displayName: "Marketing EU",
    });
    expect(updated).toMatchObject({ displayName: "Marketing EU", generation: 2 });

    const connectionString = "postgres://crm:grpc-s3cret@127.0.0.1:1/crm";
    const sourceProperties = {
      __provider: providers.segmentSource,
      name: "crm",
      type: "postgres",
      sharing: "contributors",
      connectionString,
      queries: { "high-value": "SELECT 1", signups: "SELECT 2" },
      caller: { stack: "dev", project: "grpc-test" },
    };
    const { queries: _queries, ...withoutQueries } = sourceProperties;
    const checked = await server.check(SOURCE_URN, {}, withoutQueries);
    expect(checked.failures.map((failure) => failure.property)).toEqual(["queries"]);
    const source = await server.create(SOURCE_URN, sourceProperties);
    expect(source).toMatchObject({ id: "crm", properties: { type: "postgres", generation: 1 } });
    expect(JSON.stringify(source)).not.toContain(connectionString);
    const sourceOlds = { ...source.properties, __provider: providers.segmentSource };
    expect((await server.diff(SOURCE_URN, "crm", sourceOlds, sourceProperties)).changes).toBe(
      DIFF_NONE,
    );

    const first = await server.create(EXPORT_URN, exportProperties(["high-value"]));
    expect(first.properties).toMatchObject({ generation: 1, attached: true, lastRun: null });
    const exportOlds = { ...first.properties, __provider: providers.segmentExport };
    const changed = exportProperties(["high-value", "signups"]);
    expect((await server.diff(EXPORT_URN, "newsletter", exportOlds, changed)).changes).toBe(
      DIFF_SOME,
    );
    expect(await server.update(EXPORT_URN, "newsletter", exportOlds, changed)).toMatchObject({
      generation: 2,
      segments: ["high-value", "signups"],
    });
    const read = await server.read(EXPORT_URN, "newsletter", exportOlds);
    expect(read).toMatchObject({ id: "newsletter", properties: { generation: 2 } });

    await expect(server.delete(CONNECTION_URN, "marketing", olds)).rejects.toThrow(/newsletter/);
    await expect(server.delete(SOURCE_URN, "crm", sourceOlds)).rejects.toThrow(/newsletter/);
    await server.delete(EXPORT_URN, "newsletter", exportOlds);
    await server.delete(SOURCE_URN, "crm", sourceOlds);
    await server.delete(CONNECTION_URN, "marketing", olds);
    expect((await server.read(CONNECTION_URN, "marketing", olds)).id).toBe("");
  });

  it("tells a contributor which role creating a connection needs", async () => {
    const server = await serverAs("contributor");
    await expect(server.create(CONNECTION_URN, connectionProperties("team"))).rejects.toThrow(
      /creating or changing a connection needs the admin role/,
    );
  });
});
