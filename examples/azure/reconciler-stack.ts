/**
 * Everything the reconciler needs on Azure, declared by one function so that the stack program
 * (`index.ts`) stays a thin config reader and the tests can run it under Pulumi mocks.
 *
 * Shape of the deployment (docs/deploy-azure.md, DESIGN §4.5):
 *
 * - a resource group, a Log Analytics workspace and a Container Apps environment that ships the
 *   containers' logs to it;
 * - a user-assigned managed identity, created before the app so that its Key Vault and storage
 *   permissions exist when the first revision starts (a system-assigned identity would only
 *   exist after the app, too late to resolve the app's own Key Vault references);
 * - Azure Database for PostgreSQL flexible server with TLS required, and the `ccx` database:
 *   the replicas share it, which is the whole scale-out story (no home-made cluster);
 * - a Key Vault in RBAC mode holding the encryption key, the bootstrap admin token and the
 *   database URL; the app references them as Key Vault secrets through the identity and maps
 *   them to environment variables with `secretRef`, so no secret value is ever a plain env value;
 * - a storage account and a private blob container for export snapshots, shared by the replicas;
 * - role assignments for the identity: Key Vault Secrets User on the vault, Storage Blob Data
 *   Contributor on the snapshot container, Storage Blob Data Reader on the Customer Insights
 *   storage account, AcrPull on the registry when one is named;
 * - the reconciler as a Container App: external HTTPS ingress, at least two replicas, health
 *   probes and an HTTP concurrency scale rule.
 *
 * azure-native has no `exports` map, so ESM imports name each submodule's `index.js` (importing
 * submodules rather than the package root also halves type-checking time).
 */
import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app/index.js";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql/index.js";
import * as keyvault from "@pulumi/azure-native/keyvault/index.js";
import * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as storage from "@pulumi/azure-native/storage/index.js";

/** Built-in Azure role definitions (the GUIDs are the same in every tenant). */
export const builtInRoles = {
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  acrPull: "7f951dca-d681-4e83-8f93-da4e4a3c5b1b",
} as const;

/** The port `ccx serve` listens on inside the container (`CCX_PORT`). */
export const reconcilerPort = 8080;

/** A PostgreSQL firewall rule: an inclusive IPv4 range allowed to connect. */
export interface DatabaseFirewallRule {
  /** Rule name: letters, digits, `-` and `_`. */
  name: string;
  startIpAddress: string;
  endIpAddress: string;
}

/** Sizing and access of the PostgreSQL flexible server. */
export interface DatabaseArgs {
  /** Compute SKU. @default "Standard_B2s" (≈ 400 connections; B1ms allows only 50) */
  skuName?: string;
  /** SKU tier matching `skuName`: Burstable, GeneralPurpose or MemoryOptimized. @default "Burstable" */
  skuTier?: string;
  /** PostgreSQL major version. @default "17" */
  version?: string;
  /** Storage size in GiB. @default 32 */
  storageSizeGB?: number;
  /** Administrator login name (also the role the reconciler connects as). @default "ccxadmin" */
  adminLogin?: string;
  /** Administrator password, a secret (`pulumi config set --secret databaseAdminPassword …`). */
  adminPassword: pulumi.Input<string>;
  /**
   * Extra client ranges allowed to connect, beyond Azure services (which the Container Apps
   * environment needs). @default [] (no access from outside Azure)
   */
  firewallRules?: DatabaseFirewallRule[];
}

/** What {@link deployReconciler} needs; `index.ts` reads it from stack config. */
export interface ReconcilerStackArgs {
  /** Azure region of every resource. @example "westeurope" */
  location: string;
  /** Container image of the reconciler. @example "myregistry.azurecr.io/ccx:0.1.0" */
  image: string;
  /** Replicas that always run; at least 2 so that one can restart while the other serves. @default 2 */
  minReplicas?: number;
  /** Upper bound for the HTTP scale rule. @default 5 */
  maxReplicas?: number;
  /** vCPU per replica (Consumption plan: 0.25 steps, memory = 2 GiB per vCPU). @default 0.5 */
  cpu?: number;
  /** Memory per replica. @default "1Gi" */
  memory?: string;
  /** Concurrent HTTP requests per replica before the scale rule adds one. @default 50 */
  concurrentRequestsPerReplica?: number;
  database: DatabaseArgs;
  /** AES-256-GCM key for secrets at rest: base64 of 32 random bytes (`openssl rand -base64 32`). */
  encryptionKey: pulumi.Input<string>;
  /**
   * Token of the first admin, used once to create the real API tokens: `ccx_` and 43 base64url
   * characters.
   */
  bootstrapAdminToken: pulumi.Input<string>;
  /**
   * Resource id of the storage account that Customer Insights exports segments to; the identity
   * gets Storage Blob Data Reader on it. @default undefined (no Blob source access)
   * @example "/subscriptions/…/resourceGroups/ci/providers/Microsoft.Storage/storageAccounts/cidata"
   */
  customerInsightsStorageAccountId?: string;
  /**
   * Resource id of the Azure Container Registry holding `image`; the identity gets AcrPull on it
   * and pulls with it. @default undefined (a public image)
   */
  containerRegistryId?: string;
  /**
   * Enable Key Vault purge protection (a deleted vault stays recoverable, and unpurgeable, for
   * the retention period; it cannot be turned off again). @default true
   */
  keyVaultPurgeProtection?: boolean;
  /** Tags on every resource that takes tags. @default { app: "ccx" } */
  tags?: Record<string, string>;
}

/** The stack outputs. */
export interface ReconcilerStackOutputs {
  /** `https://<fqdn>` of the reconciler: the provider's `ccx:endpoint`. */
  reconcilerUrl: pulumi.Output<string>;
  keyVaultName: pulumi.Output<string>;
  /** Client id of the managed identity (the container's `AZURE_CLIENT_ID`). */
  identityClientId: pulumi.Output<string>;
  resourceGroupName: pulumi.Output<string>;
  /** Name of the Container App (for `az containerapp exec` / `logs`). */
  containerAppName: pulumi.Output<string>;
  /** `azure-blob://<account>/<container>` where the replicas keep export snapshots. */
  snapshotStore: pulumi.Output<string>;
  databaseHost: pulumi.Output<string>;
}

const storageAccountIdPattern =
  /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]{3,24}$/i;
const containerRegistryIdPattern =
  /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[A-Za-z0-9]{5,50}$/i;

/**
 * The full id of a built-in role definition, in the subscription of the scope it is assigned on.
 * @example roleDefinitionId("0000…", builtInRoles.keyVaultSecretsUser)
 */
export function roleDefinitionId(subscriptionId: string, roleGuid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

/** The subscription of an ARM resource id, or undefined when the id names none. */
export function subscriptionOf(resourceId: string): string | undefined {
  return /^\/subscriptions\/([^/]+)\//i.exec(resourceId)?.[1];
}

/**
 * Throws a clean `RunError` (no stack trace in `pulumi up`) when the arguments cannot make a
 * working deployment. Secret values are checked where they resolve, in {@link deployReconciler}.
 */
export function validateStackArgs(args: ReconcilerStackArgs): void {
  const minReplicas = args.minReplicas ?? 2;
  const maxReplicas = args.maxReplicas ?? 5;
  if (!Number.isInteger(minReplicas) || minReplicas < 2) {
    throw new pulumi.RunError(
      `minReplicas is ${minReplicas}; the reconciler runs at least 2 replicas so that a restart ` +
        "or a revision rollout never takes it offline. Set `minReplicas` to 2 or more.",
    );
  }
  if (!Number.isInteger(maxReplicas) || maxReplicas < minReplicas) {
    throw new pulumi.RunError(
      `maxReplicas (${maxReplicas}) must be an integer no smaller than minReplicas (${minReplicas}).`,
    );
  }
  if (args.image.trim() === "") {
    throw new pulumi.RunError("image is empty; set `image` to the reconciler's container image.");
  }
  if (
    args.customerInsightsStorageAccountId !== undefined &&
    !storageAccountIdPattern.test(args.customerInsightsStorageAccountId)
  ) {
    throw new pulumi.RunError(
      "customerInsightsStorageAccountId is not a storage account resource id; expected " +
        "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name> " +
        "(Portal: the storage account → Endpoints → Storage account resource ID).",
    );
  }
  if (
    args.containerRegistryId !== undefined &&
    !containerRegistryIdPattern.test(args.containerRegistryId)
  ) {
    throw new pulumi.RunError(
      "containerRegistryId is not a container registry resource id; expected " +
        "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>.",
    );
  }
  if (args.containerRegistryId !== undefined) {
    const registry = args.containerRegistryId.split("/").at(-1)?.toLowerCase() ?? "";
    if (!args.image.toLowerCase().startsWith(`${registry}.`)) {
      throw new pulumi.RunError(
        `image '${args.image}' is not in the registry '${registry}' named by containerRegistryId; ` +
          `use '<registry login server>/<repository>:<tag>', e.g. '${registry}.azurecr.io/ccx:0.1.0'.`,
      );
    }
  }
  for (const rule of args.database.firewallRules ?? []) {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(rule.name)) {
      throw new pulumi.RunError(
        `database firewall rule name '${rule.name}' may only hold letters, digits, '-' and '_'.`,
      );
    }
  }
}

/**
 * Returns the encryption key when it is the base64 of exactly 32 bytes, and throws otherwise;
 * the message never contains the key.
 */
export function checkEncryptionKey(key: string): string {
  const trimmed = key.trim();
  if (Buffer.from(trimmed, "base64").toString("base64") !== trimmed || trimmed.length !== 44) {
    throw new pulumi.RunError(
      "encryptionKey must be the base64 encoding of exactly 32 random bytes; create one with " +
        '`pulumi config set --secret encryptionKey "$(openssl rand -base64 32)"`.',
    );
  }
  return trimmed;
}

/**
 * Returns the bootstrap admin token when it has the reconciler's token shape (`ccx_` and 43
 * base64url characters), and throws otherwise; the message never contains the token.
 */
export function checkBootstrapAdminToken(token: string): string {
  if (!/^ccx_[A-Za-z0-9_-]{43}$/.test(token.trim())) {
    throw new pulumi.RunError(
      "bootstrapAdminToken must be 'ccx_' followed by 43 base64url characters; create one with " +
        "`pulumi config set --secret bootstrapAdminToken " +
        "\"ccx_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')\"`.",
    );
  }
  return token.trim();
}

/** The image's registry host (`myregistry.azurecr.io/ccx:1` → `myregistry.azurecr.io`). */
function registryServerOf(image: string): string {
  const [first = ""] = image.split("/");
  return first;
}

/** Declares the whole deployment and returns the stack outputs. */
export function deployReconciler(args: ReconcilerStackArgs): ReconcilerStackOutputs {
  validateStackArgs(args);
  const tags = args.tags ?? { app: "ccx" };
  const location = args.location;
  const minReplicas = args.minReplicas ?? 2;
  const maxReplicas = args.maxReplicas ?? 5;
  const db = args.database;
  const adminLogin = db.adminLogin ?? "ccxadmin";

  const client = authorization.getClientConfigOutput();

  const group = new resources.ResourceGroup("ccx", { location, tags });
  const resourceGroupName = group.name;

  // --- Logs -------------------------------------------------------------------------------
  const workspace = new operationalinsights.Workspace("ccx-logs", {
    resourceGroupName,
    location,
    sku: { name: "PerGB2018" },
    retentionInDays: 30,
    tags,
  });
  const workspaceKeys = operationalinsights.getSharedKeysOutput({
    resourceGroupName,
    workspaceName: workspace.name,
  });
  const environment = new app.ManagedEnvironment("ccx-env", {
    resourceGroupName,
    location,
    appLogsConfiguration: {
      destination: "log-analytics",
      logAnalyticsConfiguration: {
        customerId: workspace.customerId,
        sharedKey: pulumi.secret(workspaceKeys.apply((keys) => keys.primarySharedKey ?? "")),
      },
    },
    tags,
  });

  // --- Identity ---------------------------------------------------------------------------
  const identity = new managedidentity.UserAssignedIdentity("ccx-reconciler", {
    resourceGroupName,
    location,
    tags,
  });
  const assignRole = (
    name: string,
    scope: pulumi.Input<string>,
    subscriptionId: pulumi.Input<string>,
    roleGuid: string,
    description: string,
  ): authorization.RoleAssignment =>
    new authorization.RoleAssignment(name, {
      principalId: identity.principalId,
      // Without the type, ARM looks the new identity up in Entra ID and may not find it yet.
      principalType: "ServicePrincipal",
      roleDefinitionId: pulumi.output(subscriptionId).apply((id) => roleDefinitionId(id, roleGuid)),
      scope,
      description,
    });

  // --- Database ---------------------------------------------------------------------------
  const server = new dbforpostgresql.Server("ccx-db", {
    resourceGroupName,
    location,
    version: db.version ?? "17",
    sku: { name: db.skuName ?? "Standard_B2s", tier: db.skuTier ?? "Burstable" },
    storage: { storageSizeGB: db.storageSizeGB ?? 32, autoGrow: "Enabled" },
    administratorLogin: adminLogin,
    administratorLoginPassword: pulumi.secret(db.adminPassword),
    authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
    backup: { backupRetentionDays: 7, geoRedundantBackup: "Disabled" },
    network: { publicNetworkAccess: "Enabled" },
    tags,
  });
  // A flexible server applies one change at a time (others fail with ServerBusy), so the
  // configuration, the database and the firewall rules are chained with dependsOn.
  const requireTls = new dbforpostgresql.Configuration("ccx-db-require-tls", {
    resourceGroupName,
    serverName: server.name,
    configurationName: "require_secure_transport",
    value: "ON",
    source: "user-override",
  });
  const database = new dbforpostgresql.Database(
    "ccx-db-ccx",
    {
      resourceGroupName,
      serverName: server.name,
      databaseName: "ccx",
      charset: "UTF8",
      collation: "en_US.utf8",
    },
    { dependsOn: [requireTls] },
  );
  // 0.0.0.0–0.0.0.0 is Azure's notation for "Azure services": the Container Apps environment
  // has no fixed outbound address on the Consumption plan. TLS and the password protect the
  // rest; a VNet-integrated environment with private access is the stricter variant.
  const firewallRules: dbforpostgresql.FirewallRule[] = [];
  let previous: pulumi.Resource = database;
  for (const rule of [
    { name: "AllowAzureServices", startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" },
    ...(db.firewallRules ?? []),
  ]) {
    const created: dbforpostgresql.FirewallRule = new dbforpostgresql.FirewallRule(
      `ccx-db-fw-${rule.name}`,
      {
        resourceGroupName,
        serverName: server.name,
        firewallRuleName: rule.name,
        startIpAddress: rule.startIpAddress,
        endIpAddress: rule.endIpAddress,
      },
      { dependsOn: [previous] },
    );
    firewallRules.push(created);
    previous = created;
  }
  // `verify-full`: node-postgres checks the certificate and the host name (Azure's server
  // certificates chain to public roots that Node trusts). The password is URL-encoded.
  const databaseUrl = pulumi.secret(
    pulumi
      .all([server.fullyQualifiedDomainName, database.name, pulumi.output(db.adminPassword)])
      .apply(
        ([host, name, password]) =>
          `postgres://${encodeURIComponent(adminLogin)}:${encodeURIComponent(password)}@${host}:5432/${name}?sslmode=verify-full`,
      ),
  );

  // --- Key Vault --------------------------------------------------------------------------
  const vault = new keyvault.Vault("ccx-kv", {
    resourceGroupName,
    location,
    properties: {
      tenantId: client.tenantId,
      sku: { family: "A", name: "standard" },
      // Access by Azure RBAC (role assignments), not by vault access policies.
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      // Purge protection cannot be set to false explicitly, only left out.
      ...(args.keyVaultPurgeProtection === false ? {} : { enablePurgeProtection: true }),
    },
    tags,
  });
  // Secrets are written through ARM (control plane), which the deploying principal's
  // Contributor/Owner role allows; the values sit in Pulumi state encrypted as secrets.
  const vaultSecret = (name: string, value: pulumi.Input<string>): keyvault.Secret =>
    new keyvault.Secret(`ccx-kv-${name}`, {
      resourceGroupName,
      vaultName: vault.name,
      secretName: name,
      properties: { value: pulumi.secret(value), contentType: "text/plain" },
      tags,
    });
  const secretEntries = {
    encryptionKey: vaultSecret(
      "ccx-encryption-key",
      pulumi.secret(pulumi.output(args.encryptionKey).apply(checkEncryptionKey)),
    ),
    bootstrapAdminToken: vaultSecret(
      "ccx-bootstrap-admin-token",
      pulumi.secret(pulumi.output(args.bootstrapAdminToken).apply(checkBootstrapAdminToken)),
    ),
    databaseUrl: vaultSecret("ccx-database-url", databaseUrl),
  };

  // --- Snapshot store ---------------------------------------------------------------------
  const snapshotAccount = new storage.StorageAccount("ccxsnapshots", {
    resourceGroupName,
    location,
    kind: "StorageV2",
    sku: { name: "Standard_LRS" },
    accessTier: "Hot",
    allowBlobPublicAccess: false,
    // Only Entra ID (the managed identity) may read and write; no account keys, no SAS.
    allowSharedKeyAccess: false,
    defaultToOAuthAuthentication: true,
    enableHttpsTrafficOnly: true,
    minimumTlsVersion: "TLS1_2",
    tags,
  });
  const snapshotContainer = new storage.BlobContainer("ccx-snapshots", {
    resourceGroupName,
    accountName: snapshotAccount.name,
    containerName: "snapshots",
    publicAccess: "None",
  });
  const snapshotStore = pulumi.interpolate`azure-blob://${snapshotAccount.name}/${snapshotContainer.name}`;

  // --- Permissions of the identity --------------------------------------------------------
  const roleAssignments = [
    assignRole(
      "ccx-kv-secrets-user",
      vault.id,
      client.subscriptionId,
      builtInRoles.keyVaultSecretsUser,
      "ccx reconciler reads its secrets",
    ),
    assignRole(
      "ccx-snapshots-contributor",
      snapshotContainer.id,
      client.subscriptionId,
      builtInRoles.storageBlobDataContributor,
      "ccx reconciler reads and writes export snapshots",
    ),
  ];
  if (args.customerInsightsStorageAccountId !== undefined) {
    const scope = args.customerInsightsStorageAccountId;
    roleAssignments.push(
      assignRole(
        "ccx-ci-data-reader",
        scope,
        // The account may live in another subscription: use the role definition id there.
        subscriptionOf(scope) ?? client.subscriptionId,
        builtInRoles.storageBlobDataReader,
        "ccx reconciler reads Customer Insights segment exports",
      ),
    );
  }
  if (args.containerRegistryId !== undefined) {
    const scope = args.containerRegistryId;
    roleAssignments.push(
      assignRole(
        "ccx-acr-pull",
        scope,
        subscriptionOf(scope) ?? client.subscriptionId,
        builtInRoles.acrPull,
        "ccx reconciler pulls its image",
      ),
    );
  }

  // --- The reconciler ---------------------------------------------------------------------
  // Container App secret names → Key Vault secrets. Container Apps fetches the values with the
  // identity (the versionless URI follows rotations) and hands them to the container as env.
  const appSecrets = [
    { name: "encryption-key", env: "CCX_ENCRYPTION_KEY", secret: secretEntries.encryptionKey },
    {
      name: "bootstrap-admin-token",
      env: "CCX_BOOTSTRAP_ADMIN_TOKEN",
      secret: secretEntries.bootstrapAdminToken,
    },
    { name: "database-url", env: "CCX_DATABASE_URL", secret: secretEntries.databaseUrl },
  ];
  const healthProbe = (type: string, path: string, periodSeconds: number, failures: number) => ({
    type,
    httpGet: { path, port: reconcilerPort, scheme: "HTTP" },
    periodSeconds,
    failureThreshold: failures,
    timeoutSeconds: 5,
  });
  const reconciler = new app.ContainerApp(
    "ccx-reconciler",
    {
      resourceGroupName,
      location,
      environmentId: environment.id,
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
      configuration: {
        activeRevisionsMode: "Single",
        ingress: {
          external: true,
          targetPort: reconcilerPort,
          transport: "auto",
          allowInsecure: false,
          traffic: [{ latestRevision: true, weight: 100 }],
        },
        secrets: appSecrets.map(({ name, secret }) => ({
          name,
          // The URI is not sensitive, but Pulumi marks all of `properties` secret because the
          // value is: unsecret it so that previews show which secret the app references.
          keyVaultUrl: pulumi.unsecret(
            secret.properties.apply((properties) => properties.secretUri),
          ),
          identity: identity.id,
        })),
        ...(args.containerRegistryId === undefined
          ? {}
          : { registries: [{ server: registryServerOf(args.image), identity: identity.id }] }),
      },
      template: {
        containers: [
          {
            name: "reconciler",
            image: args.image,
            resources: { cpu: args.cpu ?? 0.5, memory: args.memory ?? "1Gi" },
            env: [
              // The reconciler listens on loopback by default; ingress reaches it from outside.
              { name: "CCX_HOST", value: "0.0.0.0" },
              { name: "CCX_PORT", value: String(reconcilerPort) },
              { name: "CCX_SNAPSHOT_STORE", value: snapshotStore },
              // Read by DefaultAzureCredential to pick this identity (not a secret).
              { name: "AZURE_CLIENT_ID", value: identity.clientId },
              ...appSecrets.map(({ name, env }) => ({ name: env, secretRef: name })),
            ],
            probes: [
              // Startup allows migrations to run (up to 5 minutes) before liveness counts.
              healthProbe("Startup", "/healthz", 10, 30),
              healthProbe("Liveness", "/healthz", 15, 3),
              healthProbe("Readiness", "/readyz", 10, 3),
            ],
          },
        ],
        scale: {
          minReplicas,
          maxReplicas,
          rules: [
            {
              name: "http-concurrency",
              http: {
                metadata: {
                  concurrentRequests: String(args.concurrentRequestsPerReplica ?? 50),
                },
              },
            },
          ],
        },
      },
      tags,
    },
    {
      // The first revision resolves its Key Vault references and connects to the database at
      // start: permissions, TLS enforcement and firewall rules must exist before it does.
      dependsOn: [...roleAssignments, requireTls, ...firewallRules],
    },
  );

  const fqdn = reconciler.configuration.apply((configuration) => configuration?.ingress?.fqdn);
  return {
    reconcilerUrl: pulumi.interpolate`https://${fqdn}`,
    keyVaultName: vault.name,
    identityClientId: identity.clientId,
    resourceGroupName,
    containerAppName: reconciler.name,
    snapshotStore,
    databaseHost: server.fullyQualifiedDomainName,
  };
}
