import type { TestProject } from "vitest/node";
import { ensurePulumiCli } from "../support/pulumi-cli.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Folder holding `pulumi`, `pulumi-language-nodejs` and the dynamic-provider shim. */
    pulumiBin: string;
  }
}

/** Finds or builds the Pulumi CLI once for the whole e2e run. */
export default async function setup(project: TestProject): Promise<void> {
  project.provide("pulumiBin", await ensurePulumiCli());
}
