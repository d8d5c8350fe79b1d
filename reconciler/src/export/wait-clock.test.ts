import { describe, expect, it } from "vitest";
import { WaitClock } from "./wait-clock.ts";

/** A promise settled by hand, and a clock moved by hand: nothing depends on real time. */
function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("WaitClock", () => {
  it("counts the time until each wait settles, and overlapping waits once", async () => {
    let now = 0;
    const clock = new WaitClock(() => now);
    const first = deferred();
    const second = deferred();
    const waitingFirst = clock.during(first.promise);
    now = 10;
    const waitingSecond = clock.during(second.promise);
    now = 30;
    expect(clock.totalMs).toBe(30);
    first.resolve();
    await waitingFirst;
    now = 50;
    second.resolve();
    await waitingSecond;
    now = 80; // own work: not waiting
    expect(clock.totalMs).toBe(50);
  });

  it("counts a wait that fails, and passes the failure on", async () => {
    let now = 0;
    const clock = new WaitClock(() => now);
    const failing = clock.during(Promise.reject(new Error("down")));
    now = 5;
    await expect(failing).rejects.toThrow("down");
    expect(clock.totalMs).toBe(5);
  });
});
