import { describe, expect, it } from "vitest";
import { ActivityEngine } from "./activities.ts";
import { Account } from "./state/account.ts";

function engine(timing: "realistic" | "instant" = "realistic", speed?: number) {
  return new ActivityEngine({ timing, itemsPerSecond: () => speed });
}

describe("ActivityEngine (CONTRACT §2.2)", () => {
  it("follows the realistic timing and applies effects once, at completion", () => {
    const activities = engine();
    const account = new Account("a1", "Org", "o@example.com");
    let applied = 0;
    const activity = activities.create(
      account,
      "contacts_json_import",
      2000,
      {},
      () => {
        applied += 1;
        return { status: { person_count: 2000 }, errors: [] };
      },
      0,
    );
    const at = (ms: number) => {
      activities.settle(ms);
      return [activity.state, activity.percentDone, applied] as const;
    };
    expect(at(999)).toEqual(["initialized", 0, 0]);
    expect(at(1000)).toEqual(["processing", 0, 0]);
    expect(at(2500)).toEqual(["processing", 50, 0]); // 1 s + 2 s of processing
    expect(at(3999)).toEqual(["processing", 99, 0]);
    expect(at(4000)).toEqual(["completed", 100, 1]);
    expect(at(9000)).toEqual(["completed", 100, 1]);
    expect(activity.status).toEqual({ person_count: 2000 });
    expect(activity.startedAt).toBe(1000);
    expect(activity.completedAt).toBe(4000);
  });

  it("instant timing completes at the next settle", () => {
    const activities = engine("instant");
    const account = new Account("a1", "Org", "o@example.com");
    const activity = activities.create(
      account,
      "contact_delete",
      5,
      {},
      () => ({ status: {}, errors: [] }),
      100,
    );
    expect(activity.state).toBe("initialized");
    activities.settle(100);
    expect(activity.state).toBe("completed");
  });

  it("applies due effects in completion order", () => {
    const activities = engine();
    const account = new Account("a1", "Org", "o@example.com");
    const order: string[] = [];
    activities.create(
      account,
      "contacts_json_import",
      5000,
      {},
      () => (order.push("big"), { status: {}, errors: [] }),
      0,
    );
    activities.create(
      account,
      "contacts_json_import",
      1,
      {},
      () => (order.push("small"), { status: {}, errors: [] }),
      10,
    );
    activities.settle(60_000);
    expect(order).toEqual(["small", "big"]);
  });

  it("failed outcomes apply no effects unless partial; stuck ones never finish", () => {
    const activities = engine();
    const account = new Account("a1", "Org", "o@example.com");
    const fractions: number[] = [];
    const effect = (fraction: number) => (fractions.push(fraction), { status: {}, errors: [] });
    const failed = activities.create(account, "contacts_json_import", 10, {}, effect, 0, {
      outcome: "failed",
    });
    const partial = activities.create(account, "contacts_json_import", 10, {}, effect, 0, {
      outcome: "timed_out",
      partialFraction: 0.5,
    });
    const stuck = activities.create(account, "contacts_json_import", 10, {}, effect, 0, {
      stuck: "initialized",
    });
    const stalled = activities.create(account, "contacts_json_import", 10, {}, effect, 0, {
      stuck: "processing",
      stallPercent: 30,
    });
    activities.settle(86_400_000);
    expect([failed.state, partial.state, stuck.state, stalled.state]).toEqual([
      "failed",
      "timed_out",
      "initialized",
      "processing",
    ]);
    expect(fractions).toEqual([0.5]);
    expect(stalled.percentDone).toBe(30);
    expect(failed.errors.length).toBeGreaterThan(0);
    expect(activities.queuedCount(account)).toBe(2);
  });

  it("a processing speed override sets the duration", () => {
    const activities = engine("realistic", 10);
    const account = new Account("a1", "Org", "o@example.com");
    const activity = activities.create(
      account,
      "contacts_json_import",
      100,
      {},
      () => ({ status: {}, errors: [] }),
      0,
    );
    activities.settle(10_999);
    expect(activity.state).toBe("processing");
    activities.settle(11_000);
    expect(activity.state).toBe("completed");
  });
});
