/**
 * The Azure deployment of the ccx reconciler: reads stack config and declares the resources
 * (reconciler-stack.ts). How to create the config: docs/deploy-azure.md.
 */
import * as pulumi from "@pulumi/pulumi";
import { deployReconciler } from "./reconciler-stack.ts";
import { readStackConfig } from "./stack-config.ts";

const outputs = deployReconciler(readStackConfig(new pulumi.Config()));

export const reconcilerUrl = outputs.reconcilerUrl;
export const keyVaultName = outputs.keyVaultName;
export const identityClientId = outputs.identityClientId;
export const resourceGroupName = outputs.resourceGroupName;
export const containerAppName = outputs.containerAppName;
export const snapshotStore = outputs.snapshotStore;
export const databaseHost = outputs.databaseHost;
