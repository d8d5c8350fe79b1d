/**
 * Stack config of the Azure deployment (`pulumi config set <key> <value>` in this folder).
 *
 * | key | required | meaning |
 * |---|---|---|
 * | `location` | no | Azure region. Default `westeurope`. |
 * | `image` | yes | Reconciler image, e.g. `myregistry.azurecr.io/ccx:0.1.0`. |
 * | `containerRegistryId` | no | Resource id of the ACR holding `image` (pull with the identity). |
 * | `minReplicas` / `maxReplicas` | no | Default 2 / 5; `minReplicas` must be ≥ 2. |
 * | `cpu` / `memory` | no | Per replica. Default `0.5` / `1Gi`. |
 * | `databaseSku` / `databaseTier` | no | Default `Standard_B2s` / `Burstable`. |
 * | `databaseVersion` | no | PostgreSQL major version. Default `17`. |
 * | `databaseStorageGb` | no | Default 32. |
 * | `databaseAdminLogin` | no | Default `ccxadmin`. |
 * | `databaseAdminPassword` | yes, secret | Server administrator password. |
 * | `databaseFirewallRules` | no | `[{"name","startIpAddress","endIpAddress"}]`, beyond Azure services. |
 * | `encryptionKey` | yes, secret | `openssl rand -base64 32`. |
 * | `bootstrapAdminToken` | yes, secret | `openssl rand -base64 32`. |
 * | `customerInsightsStorageAccountId` | no | Storage account the identity may read segments from. |
 * | `keyVaultPurgeProtection` | no | Default `true`. |
 */
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseFirewallRule, ReconcilerStackArgs } from "./reconciler-stack.ts";

/** Reads {@link ReconcilerStackArgs} from the stack's config (namespace `ccx-azure`). */
export function readStackConfig(config: pulumi.Config): ReconcilerStackArgs {
  return {
    location: config.get("location") ?? "westeurope",
    image: config.require("image"),
    minReplicas: config.getNumber("minReplicas"),
    maxReplicas: config.getNumber("maxReplicas"),
    cpu: config.getNumber("cpu"),
    memory: config.get("memory"),
    database: {
      skuName: config.get("databaseSku"),
      skuTier: config.get("databaseTier"),
      version: config.get("databaseVersion"),
      storageSizeGB: config.getNumber("databaseStorageGb"),
      adminLogin: config.get("databaseAdminLogin"),
      adminPassword: config.requireSecret("databaseAdminPassword"),
      firewallRules: config.getObject<DatabaseFirewallRule[]>("databaseFirewallRules"),
    },
    encryptionKey: config.requireSecret("encryptionKey"),
    bootstrapAdminToken: config.requireSecret("bootstrapAdminToken"),
    customerInsightsStorageAccountId: config.get("customerInsightsStorageAccountId"),
    containerRegistryId: config.get("containerRegistryId"),
    keyVaultPurgeProtection: config.getBoolean("keyVaultPurgeProtection"),
  };
}
