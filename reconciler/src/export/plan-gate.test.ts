import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.ts";
import type { PlannedExport } from "./export-planner.ts";
import { PlanGate } from "./plan-gate.ts";

function fakePlan(adds: number): PlannedExport {
  return { export: "news", counts: { adds } } as unknown as PlannedExport;
}

function gateAt(clock: { now: number }, reuseMs = 300_000, perTokenPerMinute = 3): PlanGate {
  return new PlanGate({ reuseMs, perTokenPerMinute, now: () => clock.now });
}

describe("PlanGate", () => {
  it("reuses a plan while its key is unchanged and the reuse window lasts", async () => {
    const clock = { now: 0 };
    const gate = gateAt(clock);
    let made = 0;
    const make = async () => fakePlan(++made);
    expect(await gate.plan("viewer", "k1", make)).toMatchObject({
      counts: { adds: 1 },
      reused: false,
    });
    clock.now = 299_999;
    expect(await gate.plan("viewer", "k1", make)).toMatchObject({
      counts: { adds: 1 },
      reused: true,
    });
    // Another key (a changed definition or source version) is planned afresh.
    expect(await gate.plan("viewer", "k2", make)).toMatchObject({
      counts: { adds: 2 },
      reused: false,
    });
    clock.now = 300_000;
    expect(await gate.plan("viewer", "k1", make)).toMatchObject({
      counts: { adds: 3 },
      reused: false,
    });
    expect(made).toBe(3);
  });

  it("never reuses without a key or with reuse turned off", async () => {
    const clock = { now: 0 };
    let made = 0;
    const make = async () => fakePlan(++made);
    const gate = gateAt(clock, 0, 10);
    await gate.plan("a", "k", make);
    await gate.plan("a", "k", make);
    await gate.plan("a", undefined, make);
    expect(made).toBe(3);
  });

  it("limits fresh plans per token per minute, with the wait in the error; reused plans are free", async () => {
    const clock = { now: 1_000 };
    const gate = gateAt(clock, 300_000, 2);
    const make = async () => fakePlan(1);
    await gate.plan("viewer", "a", make);
    clock.now = 21_000;
    await gate.plan("viewer", "b", make);
    await gate.plan("viewer", "a", make); // reused
    const refused = await gate.plan("viewer", "c", make).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({
      code: "PLAN_RATE_LIMITED",
      retryable: true,
      details: { limitPerMinute: 2, retryAfterSeconds: 40 },
    });
    // Other tokens have their own allowance, and the token's own comes back after a minute.
    await expect(gate.plan("admin", "c", make)).resolves.toMatchObject({ reused: false });
    clock.now = 61_000;
    await expect(gate.plan("viewer", "d", make)).resolves.toMatchObject({ reused: false });
  });

  it("counts a failed plan against the token (it may have spent requests) but keeps none", async () => {
    const clock = { now: 0 };
    const gate = gateAt(clock, 300_000, 1);
    const failing = async (): Promise<PlannedExport> => {
      throw new AppError("SOURCE_NOT_FOUND", "no such segment");
    };
    await expect(gate.plan("viewer", "k", failing)).rejects.toMatchObject({
      code: "SOURCE_NOT_FOUND",
    });
    await expect(gate.plan("viewer", "k", async () => fakePlan(1))).rejects.toMatchObject({
      code: "PLAN_RATE_LIMITED",
    });
  });
});
