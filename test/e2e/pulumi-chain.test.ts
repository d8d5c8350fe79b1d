/**
 * The chain every ccx stack relies on: the real Pulumi CLI runs a TypeScript program on Node 24,
 * and the dynamic-provider plugin creates, updates in place and deletes a dynamic resource.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createPulumiWorkspace,
  previewSteps,
  type PulumiWorkspace,
} from "../support/pulumi-cli.ts";

const programDir = fileURLToPath(new URL("./fixtures/greeting/", import.meta.url));
const greetingType = "pulumi-nodejs:dynamic/ccx-e2e:Greeting";

describe("pulumi preview, up, update and destroy of a dynamic resource", () => {
  let stack: PulumiWorkspace;

  beforeAll(async () => {
    stack = await createPulumiWorkspace({
      binDir: inject("pulumiBin"),
      programDir,
      stack: "chain",
    });
    await stack.setConfig("message", "hello");
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it("previews a create without creating anything", async () => {
    const steps = await previewSteps(stack);
    expect(steps.find((step) => step.urn.includes(greetingType))?.op).toBe("create");
    const state = await stack.exportState();
    expect(state.deployment.resources ?? []).toHaveLength(0);
  });

  let createdId: unknown;

  it("creates the resource and exports its outputs", async () => {
    await stack.run(["up", "--yes", "--skip-preview"]);
    const outputs = await stack.outputs();
    expect(outputs).toMatchObject({ message: "hello", revision: 1 });
    createdId = outputs.greetingId;
    expect(createdId).toMatch(/^greeting-\d+$/);
  });

  it("updates in place when an input changes", async () => {
    await stack.setConfig("message", "hello again");
    const steps = await previewSteps(stack);
    expect(steps.find((step) => step.urn.includes(greetingType))?.op).toBe("update");

    await stack.run(["up", "--yes", "--skip-preview"]);
    const outputs = await stack.outputs();
    // Same id and a revision the provider's `update` counted: an update, not a replace.
    expect(outputs).toMatchObject({ message: "hello again", revision: 2, greetingId: createdId });
  });

  it("changes nothing when run again with the same inputs", async () => {
    const steps = await previewSteps(stack);
    expect(steps.filter((step) => step.op !== "same")).toEqual([]);
  });

  it("destroys everything", async () => {
    await stack.run(["destroy", "--yes", "--skip-preview"]);
    const state = await stack.exportState();
    expect(state.deployment.resources ?? []).toHaveLength(0);
  });
});
