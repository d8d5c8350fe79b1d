import { describe, expect, it } from "vitest";
import { MIN_POLL_DELAY_MS, PollPacer } from "./poll-pacer.ts";
import type { PollPurpose } from "./poll-pacer.ts";

const MAX = 5_000;

function delay(
  pacer: PollPacer,
  purpose: PollPurpose,
  inFlight: string[],
  nowMs: number,
  progressed: boolean,
): number {
  return pacer.nextDelayMs({ purpose, inFlight, progressed, nowMs });
}

describe("PollPacer", () => {
  it("without any progress seen, grows the pause by half from a second up to the maximum", () => {
    const pacer = new PollPacer(MAX);
    const delays: number[] = [];
    for (let poll = 0; poll < 6; poll += 1) {
      pacer.observe("a", undefined, poll * 1_000);
      delays.push(delay(pacer, "finish-all", ["a"], 0, false));
    }
    expect(delays).toEqual([1_500, 2_250, 3_375, MAX, MAX, MAX]);
  });

  it("once every chunk is sent, an activity finishing elsewhere does not bring polls back to every second", () => {
    const pacer = new PollPacer(MAX);
    const next = (): number => delay(pacer, "finish-all", ["b"], 0, true);
    expect([next(), next(), next(), next()]).toEqual([1_500, 2_250, 3_375, MAX]);
  });

  it("while the window is full, a finished activity brings the next poll back to a second", () => {
    const pacer = new PollPacer(MAX);
    const next = (progressed: boolean): number =>
      pacer.nextDelayMs({ purpose: "free-a-slot", inFlight: ["a"], progressed, nowMs: 0 });
    expect([next(false), next(false), next(true), next(false)]).toEqual([
      1_500,
      2_250,
      MIN_POLL_DELAY_MS,
      1_500,
    ]);
  });

  it("polls when the last activity is expected to finish, from how fast its percent rose", () => {
    const pacer = new PollPacer(10_000);
    pacer.observe("a", 10, 0);
    pacer.observe("a", 40, 3_000); // 10 % a second: 6 s to go
    pacer.observe("b", 0, 0);
    pacer.observe("b", 80, 2_000); // 40 % a second: 0.5 s to go
    expect(delay(pacer, "finish-all", ["a", "b"], 3_000, false)).toBe(6_000);
    expect(delay(pacer, "free-a-slot", ["a", "b"], 3_000, false)).toBe(MIN_POLL_DELAY_MS);
  });

  it("never waits longer than the maximum, nor less than a second", () => {
    const pacer = new PollPacer(MAX);
    pacer.observe("slow", 1, 0);
    pacer.observe("slow", 2, 1_000); // 98 s to go
    pacer.observe("done-soon", 0, 0);
    pacer.observe("done-soon", 99, 1_000);
    expect(delay(pacer, "finish-all", ["slow"], 1_000, false)).toBe(MAX);
    expect(delay(pacer, "finish-all", ["done-soon"], 1_000, false)).toBe(MIN_POLL_DELAY_MS);
  });

  it("does not trust an estimate while another activity in flight has none", () => {
    const pacer = new PollPacer(MAX);
    pacer.observe("known", 0, 0);
    pacer.observe("known", 90, 1_000);
    pacer.observe("queued", 0, 0);
    pacer.observe("queued", 0, 1_000); // still queued: no rate
    expect(delay(pacer, "finish-all", ["known", "queued"], 1_000, false)).toBe(1_500);
  });

  it("forgets a finished activity, and a stalled percent keeps the last rate seen", () => {
    const pacer = new PollPacer(60_000);
    pacer.observe("a", 0, 0);
    pacer.observe("a", 50, 5_000); // 10 % a second
    pacer.observe("a", 50, 6_000); // no rise: the rate of the rise before stays
    expect(delay(pacer, "finish-all", ["a"], 6_000, false)).toBe(4_000);
    pacer.forget("a");
    expect(delay(pacer, "finish-all", ["a"], 6_000, false)).toBe(2_250);
  });
});
