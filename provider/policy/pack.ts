/**
 * The ccx policy pack's program: `pulumi preview --policy-pack <@ccx/pulumi>/policy-pack` loads it
 * (through policy-pack/package.json), and constructing the pack serves it to the engine.
 */
import { PolicyPack } from "@pulumi/policy";
import { ccxPolicies } from "./policies.ts";

new PolicyPack("ccx", {
  policies: ccxPolicies,
  description:
    "ccx rules: removal guards, delete semantics, consent, schedules, sources, connections",
});
