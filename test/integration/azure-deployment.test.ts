/**
 * The Azure deployment (examples/azure) under Pulumi mocks: every resource registration is
 * recorded with its inputs, and the tests assert the wiring that makes the deployment safe —
 * the identity on the app, Key Vault references instead of secret env values, TLS on the
 * database, at least two replicas, and role assignments on the right scopes. `pulumi preview`
 * cannot run here (no azure-native plugin, no Azure), so this is the test of the program.
 *
 * Also checks the invariants of the container image's Dockerfile, which cannot be built here.
 */
import { readFile } from "node:fs/promises";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

const project = "ccx-azure";
const subscriptionId = "00000000-0000-0000-0000-00000000aaaa";
const tenantId = "00000000-0000-0000-0000-00000000bbbb";
const customerInsightsSubscription = "11111111-2222-3333-4444-555555555555";
const customerInsightsAccountId =
  `/subscriptions/${customerInsightsSubscription}/resourceGroups/ci-data` +
  "/providers/Microsoft.Storage/storageAccounts/cidatalake";
const registryId =
  `/subscriptions/${subscriptionId}/resourceGroups/shared` +
  "/providers/Microsoft.ContainerRegistry/registries/ccxregistry";

// Values that must never appear as a plain env value of any container.
const encryptionKey = Buffer.alloc(32, 7).toString("base64");
const bootstrapAdminToken = `ccx_${Buffer.alloc(32, 9).toString("base64url")}`;
const databasePassword = "p@ss/word:with?reserved#chars";

const roleGuids = {
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  acrPull: "7f951dca-d681-4e83-8f93-da4e4a3c5b1b",
};

/** One `newResource` call seen by the mocks, with the id and state the mocks answered. */
interface RecordedResource {
  type: string;
  name: string;
  id: string;
  /** Inputs with secrets revealed. */
  inputs: Record<string, unknown>;
  /** Inputs as serialized, secrets still wrapped. */
  rawInputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

const recorded: RecordedResource[] = [];

// The input property that holds each type's Azure name (others take the logical name).
const nameInputs: Record<string, string> = {
  "azure-native:resources:ResourceGroup": "resourceGroupName",
  "azure-native:keyvault:Vault": "vaultName",
  "azure-native:keyvault:Secret": "secretName",
  "azure-native:storage:StorageAccount": "accountName",
  "azure-native:storage:BlobContainer": "containerName",
  "azure-native:dbforpostgresql:Server": "serverName",
  "azure-native:dbforpostgresql:Database": "databaseName",
  "azure-native:dbforpostgresql:Configuration": "configurationName",
  "azure-native:dbforpostgresql:FirewallRule": "firewallRuleName",
};

/** The outputs Azure would compute, by resource type. */
function computedState(type: string, name: string, inputs: Record<string, unknown>) {
  switch (type) {
    case "azure-native:managedidentity:UserAssignedIdentity":
      return { clientId: `client-id-of-${name}`, principalId: `principal-id-of-${name}` };
    case "azure-native:operationalinsights:Workspace":
      return { customerId: `customer-id-of-${name}` };
    case "azure-native:dbforpostgresql:Server":
      return { fullyQualifiedDomainName: `${name}.postgres.database.azure.com` };
    case "azure-native:keyvault:Vault":
      return {
        properties: {
          ...asRecord(inputs.properties),
          vaultUri: `https://${name}.vault.azure.net/`,
        },
      };
    case "azure-native:keyvault:Secret": {
      const uri = `https://${String(inputs.vaultName)}.vault.azure.net/secrets/${name}`;
      return {
        properties: {
          ...asRecord(inputs.properties),
          secretUri: uri,
          secretUriWithVersion: `${uri}/v1`,
        },
      };
    }
    case "azure-native:app:ContainerApp": {
      const configuration = asRecord(inputs.configuration);
      const ingress = {
        ...asRecord(configuration.ingress),
        fqdn: `${name}.example.azurecontainerapps.io`,
      };
      return { configuration: { ...configuration, ingress } };
    }
    default:
      return {};
  }
}

// How the Pulumi SDK marks a secret value when it serializes resource inputs.
const secretSignatureKey = "4dabf18193072939515e22adb298388d";
const secretSignature = "1b47061264138c4ac30d75fd1eb44270";

function isSecretValue(value: unknown): value is { value: unknown } {
  return asRecord(value)[secretSignatureKey] === secretSignature;
}

/** The inputs with every secret wrapper replaced by its value. */
function reveal(value: unknown): unknown {
  if (isSecretValue(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, reveal(item)]));
  }
  return value;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

let program: typeof import("../../examples/azure/reconciler-stack.ts");
let stackConfig: typeof import("../../examples/azure/stack-config.ts");

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = asRecord(reveal(args.inputs));
        const nameKey = nameInputs[args.type];
        const azureName = nameKey === undefined ? undefined : inputs[nameKey];
        const name = typeof azureName === "string" ? azureName : args.name;
        const group =
          typeof inputs.resourceGroupName === "string" ? inputs.resourceGroupName : name;
        const id =
          args.type === "azure-native:resources:ResourceGroup"
            ? `/subscriptions/${subscriptionId}/resourceGroups/${name}`
            : `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/${args.type}/${name}`;
        const state = { ...inputs, name, ...computedState(args.type, name, inputs) };
        recorded.push({
          type: args.type,
          name: args.name,
          id,
          inputs,
          rawInputs: asRecord(args.inputs),
          state,
        });
        return { id, state };
      },
      call(args) {
        switch (args.token) {
          case "azure-native:authorization:getClientConfig":
            return { clientId: "deployer", objectId: "deployer-object", subscriptionId, tenantId };
          case "azure-native:operationalinsights:getSharedKeys":
            return { primarySharedKey: "workspace-shared-key", secondarySharedKey: "other" };
          default:
            throw new Error(`unexpected invoke ${args.token}`);
        }
      },
    },
    project,
    "test",
    false,
  );
  // The program modules are imported only now, after the mocks are in place.
  program = await import("../../examples/azure/reconciler-stack.ts");
  stackConfig = await import("../../examples/azure/stack-config.ts");
});

beforeEach(() => {
  recorded.length = 0;
});

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

function baseArgs() {
  return {
    location: "westeurope",
    image: "ccxregistry.azurecr.io/ccx:0.1.0",
    database: { adminPassword: pulumi.secret(databasePassword) },
    encryptionKey: pulumi.secret(encryptionKey),
    bootstrapAdminToken: pulumi.secret(bootstrapAdminToken),
    customerInsightsStorageAccountId: customerInsightsAccountId,
  };
}

/** Runs the program and waits until the outputs (and so every registration) have resolved. */
async function deploy(args: Parameters<typeof program.deployReconciler>[0]) {
  const outputs = program.deployReconciler(args);
  const values = {
    reconcilerUrl: await valueOf(outputs.reconcilerUrl),
    keyVaultName: await valueOf(outputs.keyVaultName),
    identityClientId: await valueOf(outputs.identityClientId),
    snapshotStore: await valueOf(outputs.snapshotStore),
  };
  return values;
}

function ofType(type: string): RecordedResource[] {
  return recorded.filter((resource) => resource.type === `azure-native:${type}`);
}

function only(type: string): RecordedResource {
  const matches = ofType(type);
  expect(matches, `exactly one ${type}`).toHaveLength(1);
  return matches[0] as RecordedResource;
}

interface EnvVar {
  name: string;
  value?: string;
  secretRef?: string;
}
interface AppSecret {
  name: string;
  value?: string;
  keyVaultUrl?: string;
  identity?: string;
}
interface Probe {
  type: string;
  httpGet: { path: string; port: number };
}
interface ContainerAppInputs {
  environmentId: string;
  identity: { type: string; userAssignedIdentities: string[] };
  configuration: {
    ingress: { external: boolean; targetPort: number; allowInsecure: boolean };
    secrets: AppSecret[];
    registries?: { server: string; identity: string }[];
  };
  template: {
    containers: {
      name: string;
      image: string;
      env: EnvVar[];
      probes: Probe[];
      resources: { cpu: number; memory: string };
    }[];
    scale: {
      minReplicas: number;
      maxReplicas: number;
      rules: { name: string; http?: { metadata: Record<string, string> } }[];
    };
  };
}
interface RoleAssignmentInputs {
  principalId: string;
  principalType: string;
  roleDefinitionId: string;
  scope: string;
}

function containerApp(): ContainerAppInputs {
  return only("app:ContainerApp").inputs as unknown as ContainerAppInputs;
}

function roleAssignments(): RoleAssignmentInputs[] {
  return ofType("authorization:RoleAssignment").map(
    (resource) => resource.inputs as unknown as RoleAssignmentInputs,
  );
}

/** The message of the error `action` throws; fails the test when it throws nothing. */
function thrownMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("expected an error, none was thrown");
}

function roleId(subscription: string, guid: string): string {
  return `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

describe("the Azure deployment under Pulumi mocks", () => {
  it("declares the resource group, logs, environment, identity, database, vault, storage and app", async () => {
    await deploy(baseArgs());
    const counts = Object.fromEntries(
      [
        "resources:ResourceGroup",
        "operationalinsights:Workspace",
        "app:ManagedEnvironment",
        "managedidentity:UserAssignedIdentity",
        "dbforpostgresql:Server",
        "dbforpostgresql:Database",
        "keyvault:Vault",
        "keyvault:Secret",
        "storage:StorageAccount",
        "storage:BlobContainer",
        "app:ContainerApp",
      ].map((type) => [type, ofType(type).length]),
    );
    expect(counts).toEqual({
      "resources:ResourceGroup": 1,
      "operationalinsights:Workspace": 1,
      "app:ManagedEnvironment": 1,
      "managedidentity:UserAssignedIdentity": 1,
      "dbforpostgresql:Server": 1,
      "dbforpostgresql:Database": 1,
      "keyvault:Vault": 1,
      "keyvault:Secret": 3,
      "storage:StorageAccount": 1,
      "storage:BlobContainer": 1,
      "app:ContainerApp": 1,
    });
  });

  it("wires the Container Apps environment to the Log Analytics workspace", async () => {
    await deploy(baseArgs());
    const workspace = only("operationalinsights:Workspace");
    const environment = only("app:ManagedEnvironment");
    expect(environment.inputs.appLogsConfiguration).toEqual({
      destination: "log-analytics",
      logAnalyticsConfiguration: {
        customerId: workspace.state.customerId,
        sharedKey: "workspace-shared-key",
      },
    });
    expect(containerApp().environmentId).toBe(environment.id);
  });

  it("attaches the user-assigned identity to the app and exports its client id", async () => {
    const outputs = await deploy(baseArgs());
    const identity = only("managedidentity:UserAssignedIdentity");
    expect(containerApp().identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: [identity.id],
    });
    expect(outputs.identityClientId).toBe(identity.state.clientId);
    const env = containerApp().template.containers.flatMap((container) => container.env);
    expect(env).toContainEqual({ name: "AZURE_CLIENT_ID", value: identity.state.clientId });
  });

  it("references every app secret from Key Vault through the identity, never by value", async () => {
    await deploy(baseArgs());
    const identity = only("managedidentity:UserAssignedIdentity");
    const vault = only("keyvault:Vault");
    const vaultSecrets = ofType("keyvault:Secret");
    const secretUris = new Map(
      vaultSecrets.map((secret) => [
        String(secret.inputs.secretName),
        asRecord(secret.state.properties).secretUri,
      ]),
    );
    for (const secret of vaultSecrets) {
      expect(secret.inputs.vaultName).toBe(vault.state.name);
    }
    const appSecrets = containerApp().configuration.secrets;
    expect(appSecrets.map((secret) => secret.name).sort()).toEqual([
      "bootstrap-admin-token",
      "database-url",
      "encryption-key",
    ]);
    for (const secret of appSecrets) {
      expect(secret.value, `${secret.name} has no inline value`).toBeUndefined();
      expect(secret.identity).toBe(identity.id);
      expect(secret.keyVaultUrl).toMatch(/^https:\/\/.+\.vault\.azure\.net\/secrets\/[^/]+$/);
    }
    expect(Object.fromEntries(appSecrets.map((s) => [s.name, s.keyVaultUrl]))).toEqual({
      "encryption-key": secretUris.get("ccx-encryption-key"),
      "bootstrap-admin-token": secretUris.get("ccx-bootstrap-admin-token"),
      "database-url": secretUris.get("ccx-database-url"),
    });
  });

  it("stores the secret values in Key Vault, with a TLS-verifying database URL", async () => {
    await deploy(baseArgs());
    const server = only("dbforpostgresql:Server");
    const valueOfSecret = (name: string) =>
      asRecord(
        ofType("keyvault:Secret").find((s) => s.inputs.secretName === name)?.inputs.properties,
      ).value;
    expect(valueOfSecret("ccx-encryption-key")).toBe(encryptionKey);
    expect(valueOfSecret("ccx-bootstrap-admin-token")).toBe(bootstrapAdminToken);
    const url = new URL(String(valueOfSecret("ccx-database-url")));
    expect(url.protocol).toBe("postgres:");
    expect(url.hostname).toBe(server.state.fullyQualifiedDomainName);
    expect(url.pathname).toBe("/ccx");
    expect(decodeURIComponent(url.password)).toBe(databasePassword);
    expect(url.searchParams.get("sslmode")).toBe("verify-full");
    // Kept encrypted in the Pulumi state: the values reach the engine marked secret.
    for (const secret of ofType("keyvault:Secret")) {
      expect(isSecretValue(secret.rawInputs.properties), String(secret.inputs.secretName)).toBe(
        true,
      );
    }
    expect(isSecretValue(server.rawInputs.administratorLoginPassword)).toBe(true);
  });

  it("puts no secret in a plain env value of any container", async () => {
    await deploy(baseArgs());
    const app = containerApp();
    const secretNames = new Set(app.configuration.secrets.map((secret) => secret.name));
    const secretValues = [
      encryptionKey,
      bootstrapAdminToken,
      databasePassword,
      encodeURIComponent(databasePassword),
    ];
    const env = app.template.containers.flatMap((container) => container.env);
    expect(env.length).toBeGreaterThan(0);
    for (const variable of env) {
      if (variable.secretRef !== undefined) {
        expect(variable.value, variable.name).toBeUndefined();
        expect(
          secretNames.has(variable.secretRef),
          `${variable.name} → ${variable.secretRef}`,
        ).toBe(true);
        continue;
      }
      expect(variable.name).not.toMatch(/KEY|TOKEN|PASSWORD|SECRET|DATABASE_URL|CONNECTION/);
      for (const secret of secretValues) {
        expect(String(variable.value)).not.toContain(secret);
      }
    }
    const bySecret = Object.fromEntries(
      env.filter((v) => v.secretRef !== undefined).map((v) => [v.name, v.secretRef]),
    );
    expect(bySecret).toEqual({
      CCX_ENCRYPTION_KEY: "encryption-key",
      CCX_BOOTSTRAP_ADMIN_TOKEN: "bootstrap-admin-token",
      CCX_DATABASE_URL: "database-url",
    });
  });

  it("sets the reconciler's plain settings: address, port and snapshot store", async () => {
    const outputs = await deploy(baseArgs());
    const account = only("storage:StorageAccount");
    const container = only("storage:BlobContainer");
    const env = containerApp().template.containers.flatMap((c) => c.env);
    expect(env).toContainEqual({ name: "CCX_HOST", value: "0.0.0.0" });
    expect(env).toContainEqual({ name: "CCX_PORT", value: "8080" });
    const store = `azure-blob://${String(account.state.name)}/${String(container.state.name)}`;
    expect(env).toContainEqual({ name: "CCX_SNAPSHOT_STORE", value: store });
    expect(outputs.snapshotStore).toBe(store);
    expect(account.inputs).toMatchObject({
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
    });
    expect(container.inputs.publicAccess).toBe("None");
  });

  it("requires TLS on the database and opens it to Azure services only", async () => {
    await deploy(baseArgs());
    const server = only("dbforpostgresql:Server");
    const tls = only("dbforpostgresql:Configuration");
    expect(tls.inputs).toMatchObject({
      serverName: server.state.name,
      configurationName: "require_secure_transport",
      value: "ON",
    });
    expect(only("dbforpostgresql:Database").inputs).toMatchObject({
      serverName: server.state.name,
      databaseName: "ccx",
    });
    const rules = ofType("dbforpostgresql:FirewallRule").map((rule) => rule.inputs);
    expect(rules).toEqual([
      expect.objectContaining({ startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" }),
    ]);
  });

  it("adds configured firewall rules and database sizing", async () => {
    await deploy({
      ...baseArgs(),
      database: {
        adminPassword: databasePassword,
        skuName: "Standard_D2ds_v5",
        skuTier: "GeneralPurpose",
        version: "16",
        storageSizeGB: 128,
        firewallRules: [
          { name: "office", startIpAddress: "203.0.113.0", endIpAddress: "203.0.113.255" },
        ],
      },
    });
    expect(only("dbforpostgresql:Server").inputs).toMatchObject({
      sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
      version: "16",
      storage: { storageSizeGB: 128 },
    });
    const rules = ofType("dbforpostgresql:FirewallRule").map(
      (rule) => rule.inputs.firewallRuleName,
    );
    expect(rules).toEqual(["AllowAzureServices", "office"]);
  });

  it("runs at least two replicas with probes, resources, ingress and an HTTP scale rule", async () => {
    const outputs = await deploy(baseArgs());
    const app = containerApp();
    expect(app.template.scale.minReplicas).toBe(2);
    expect(app.template.scale.maxReplicas).toBeGreaterThanOrEqual(2);
    expect(app.template.scale.rules).toEqual([
      { name: "http-concurrency", http: { metadata: { concurrentRequests: "50" } } },
    ]);
    expect(app.configuration.ingress).toMatchObject({
      external: true,
      targetPort: 8080,
      allowInsecure: false,
    });
    const [container] = app.template.containers;
    expect(container?.image).toBe("ccxregistry.azurecr.io/ccx:0.1.0");
    expect(container?.resources).toEqual({ cpu: 0.5, memory: "1Gi" });
    const probe = (type: string) => container?.probes.find((p) => p.type === type)?.httpGet;
    expect(probe("Liveness")).toMatchObject({ path: "/healthz", port: 8080 });
    expect(probe("Readiness")).toMatchObject({ path: "/readyz", port: 8080 });
    expect(outputs.reconcilerUrl).toBe("https://ccx-reconciler.example.azurecontainerapps.io");
  });

  it("refuses fewer than two replicas, and a maximum below the minimum", () => {
    expect(() => program.deployReconciler({ ...baseArgs(), minReplicas: 1 })).toThrow(
      /at least 2 replicas/,
    );
    expect(() =>
      program.deployReconciler({ ...baseArgs(), minReplicas: 3, maxReplicas: 2 }),
    ).toThrow(/maxReplicas/);
    expect(recorded).toEqual([]);
  });

  it("gives the identity exactly the roles it needs, on the right scopes", async () => {
    await deploy(baseArgs());
    const identity = only("managedidentity:UserAssignedIdentity");
    const vault = only("keyvault:Vault");
    const container = only("storage:BlobContainer");
    const assignments = roleAssignments();
    for (const assignment of assignments) {
      expect(assignment.principalId).toBe(identity.state.principalId);
      expect(assignment.principalType).toBe("ServicePrincipal");
    }
    const grants = assignments.map(({ scope, roleDefinitionId }) => ({ scope, roleDefinitionId }));
    expect(grants).toHaveLength(3);
    expect(grants).toEqual(
      expect.arrayContaining([
        {
          scope: vault.id,
          roleDefinitionId: roleId(subscriptionId, roleGuids.keyVaultSecretsUser),
        },
        {
          scope: container.id,
          roleDefinitionId: roleId(subscriptionId, roleGuids.storageBlobDataContributor),
        },
        {
          scope: customerInsightsAccountId,
          // The role definition id lives in the subscription of the Customer Insights account.
          roleDefinitionId: roleId(customerInsightsSubscription, roleGuids.storageBlobDataReader),
        },
      ]),
    );
  });

  it("uses RBAC authorization on the vault, in the deployer's tenant", async () => {
    const outputs = await deploy(baseArgs());
    const vault = only("keyvault:Vault");
    expect(vault.inputs.properties).toMatchObject({
      tenantId,
      enableRbacAuthorization: true,
      enablePurgeProtection: true,
    });
    expect(outputs.keyVaultName).toBe(vault.state.name);
  });

  it("skips the Customer Insights grant when no account is configured", async () => {
    const { customerInsightsStorageAccountId: _omitted, ...args } = baseArgs();
    await deploy(args);
    expect(roleAssignments().map((a) => a.roleDefinitionId)).toEqual(
      expect.not.arrayContaining([
        roleId(customerInsightsSubscription, roleGuids.storageBlobDataReader),
      ]),
    );
    expect(roleAssignments()).toHaveLength(2);
  });

  it("pulls from a named registry with the identity and AcrPull", async () => {
    await deploy({ ...baseArgs(), containerRegistryId: registryId });
    const identity = only("managedidentity:UserAssignedIdentity");
    expect(containerApp().configuration.registries).toEqual([
      { server: "ccxregistry.azurecr.io", identity: identity.id },
    ]);
    expect(roleAssignments()).toContainEqual(
      expect.objectContaining({
        scope: registryId,
        roleDefinitionId: roleId(subscriptionId, roleGuids.acrPull),
      }),
    );
  });

  it("rejects resource ids that are not a storage account or a registry", () => {
    expect(() =>
      program.deployReconciler({ ...baseArgs(), customerInsightsStorageAccountId: "cidatalake" }),
    ).toThrow(/storage account resource id/);
    expect(() =>
      program.deployReconciler({ ...baseArgs(), containerRegistryId: customerInsightsAccountId }),
    ).toThrow(/container registry resource id/);
    expect(() =>
      program.deployReconciler({
        ...baseArgs(),
        image: "docker.example/ccx:1",
        containerRegistryId: registryId,
      }),
    ).toThrow(/not in the registry 'ccxregistry'/);
  });

  it("accepts only a bootstrap token of the reconciler's shape, without echoing it", () => {
    expect(program.checkBootstrapAdminToken(bootstrapAdminToken)).toBe(bootstrapAdminToken);
    for (const bad of ["ccx_short", bootstrapAdminToken.slice(4), `${bootstrapAdminToken}=`]) {
      const message = thrownMessage(() => program.checkBootstrapAdminToken(bad));
      expect(message).toMatch(/43 base64url/);
      expect(message).not.toContain(bad);
    }
  });

  it("accepts only a base64 key of 32 bytes, without echoing it", () => {
    expect(program.checkEncryptionKey(encryptionKey)).toBe(encryptionKey);
    const short = Buffer.alloc(16, 1).toString("base64");
    const message = thrownMessage(() => program.checkEncryptionKey(short));
    expect(message).toMatch(/32 random bytes/);
    expect(message).not.toContain(short);
  });
});

describe("the stack config", () => {
  it("reads settings and secrets from the project's namespace, and runs the program", async () => {
    pulumi.runtime.setAllConfig(
      {
        [`${project}:image`]: "ccxregistry.azurecr.io/ccx:1.2.3",
        [`${project}:minReplicas`]: "3",
        [`${project}:databaseAdminPassword`]: databasePassword,
        [`${project}:encryptionKey`]: encryptionKey,
        [`${project}:bootstrapAdminToken`]: bootstrapAdminToken,
        [`${project}:databaseFirewallRules`]: JSON.stringify([
          { name: "office", startIpAddress: "203.0.113.1", endIpAddress: "203.0.113.1" },
        ]),
      },
      [
        `${project}:databaseAdminPassword`,
        `${project}:encryptionKey`,
        `${project}:bootstrapAdminToken`,
      ],
    );
    const args = stackConfig.readStackConfig(new pulumi.Config());
    expect(args).toMatchObject({
      location: "westeurope",
      image: "ccxregistry.azurecr.io/ccx:1.2.3",
      minReplicas: 3,
      database: { firewallRules: [{ name: "office" }] },
    });
    const key = pulumi.output(args.encryptionKey);
    expect(await pulumi.isSecret(key)).toBe(true);
    expect(await valueOf(key)).toBe(encryptionKey);
    expect(await pulumi.isSecret(pulumi.output(args.database.adminPassword))).toBe(true);

    // The stack program itself: config in, resources and outputs out.
    const stack = await import("../../examples/azure/index.ts");
    expect(await valueOf(stack.reconcilerUrl)).toMatch(/^https:\/\/.+/);
    expect(await valueOf(stack.containerAppName)).toBe(only("app:ContainerApp").state.name);
    expect(containerApp().template.scale.minReplicas).toBe(3);
    expect(containerApp().template.containers[0]?.image).toBe("ccxregistry.azurecr.io/ccx:1.2.3");
  });
});

/** A Dockerfile instruction, continuation lines joined. */
interface Instruction {
  keyword: string;
  args: string;
}

function parseDockerfile(text: string): Instruction[][] {
  const joined = text.replace(/\\\r?\n/g, " ");
  const instructions = joined
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
  const stages: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

describe("the Dockerfile", () => {
  let stages: Instruction[][];
  let dockerignore: string[];

  beforeAll(async () => {
    stages = parseDockerfile(await readFile(new URL("../../Dockerfile", import.meta.url), "utf8"));
    dockerignore = (await readFile(new URL("../../.dockerignore", import.meta.url), "utf8"))
      .split(/\r?\n/)
      .map((line) => line.trim());
  });

  it("builds in stages, every one on Node 24", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(stage[0]?.args).toMatch(/^node:24[-.@\w]*(\s+AS\s+\S+)?$/i);
    }
    const deps = stages.slice(0, -1).flat();
    // The image installs the packed package with its production dependencies only.
    expect(
      deps.some(
        (i) => i.keyword === "RUN" && /npm install\b.*--omit=dev.*ccx-reconciler-/.test(i.args),
      ),
    ).toBe(true);
    expect(
      deps.some((i) => i.keyword === "RUN" && /npm pack --workspace @ccx\/reconciler/.test(i.args)),
    ).toBe(true);
  });

  it("runs the final stage as a non-root user, with a health check and the serve command", () => {
    const final = stages.at(-1) ?? [];
    const user = final.filter((i) => i.keyword === "USER").at(-1)?.args;
    expect(user, "final stage sets USER").toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const healthcheck = final.find((i) => i.keyword === "HEALTHCHECK")?.args ?? "";
    expect(healthcheck).toContain("/healthz");
    expect(healthcheck).toContain("fetch(");
    expect(final.find((i) => i.keyword === "CMD")?.args).toBe('["node", "bin/ccx.js", "serve"]');
    expect(final.find((i) => i.keyword === "EXPOSE")?.args).toBe("8080");
  });

  it("bakes no secret into ENV or ARG", () => {
    const declared = stages
      .flat()
      .filter((i) => i.keyword === "ENV" || i.keyword === "ARG")
      .flatMap((i) => i.args.split(/\s+/).map((pair) => pair.split("=")[0] ?? ""));
    expect(declared.length).toBeGreaterThan(0);
    for (const name of declared) {
      expect(name).not.toMatch(/KEY|TOKEN|PASSWORD|SECRET|DATABASE_URL|CONNECTION/i);
    }
  });

  it("keeps dependencies, caches, history and tests out of the build context", () => {
    for (const entry of ["node_modules", ".cache", ".git", "test", "docs"]) {
      expect(dockerignore).toContain(entry);
    }
  });
});
