import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InProcessRunQueue } from "./in-process-run-queue.ts";
import { runJobId, type RunJob } from "./run-queue.ts";

const logger = pino({ level: "silent" });

function job(runId: string, exportId: string, startAfter?: Date): RunJob {
  return { id: runJobId(runId, 1), runId, exportId, sequence: 1, startAfter };
}

/** A handler whose jobs finish when the test says so, recording what is in hand. */
function controllableHandler() {
  const inHand = new Set<string>();
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  let maxInHand = 0;
  const handler = (work: RunJob) =>
    new Promise<void>((resolve) => {
      inHand.add(work.runId);
      started.push(work.runId);
      maxInHand = Math.max(maxInHand, inHand.size);
      finishers.set(work.runId, () => {
        inHand.delete(work.runId);
        resolve();
      });
    });
  return {
    handler,
    started,
    inHand,
    maxInHand: () => maxInHand,
    finish: (runId: string) => finishers.get(runId)?.(),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the in-process run queue", () => {
  it("works one job per export at a time, others in parallel up to the concurrency", async () => {
    vi.useFakeTimers();
    const queue = new InProcessRunQueue({ concurrency: 2, logger });
    const work = controllableHandler();
    await queue.start(work.handler);
    await queue.send(job("a1", "export-a"));
    await queue.send(job("a2", "export-a"));
    await queue.send(job("b1", "export-b"));
    await queue.send(job("c1", "export-c"));
    await vi.advanceTimersByTimeAsync(0);
    expect(work.started).toEqual(["a1", "b1"]);

    work.finish("a1");
    await vi.advanceTimersByTimeAsync(0);
    expect(work.started).toEqual(["a1", "b1", "a2"]);
    work.finish("b1");
    await vi.advanceTimersByTimeAsync(0);
    expect(work.started).toEqual(["a1", "b1", "a2", "c1"]);
    expect(work.maxInHand()).toBe(2);
    work.finish("a2");
    work.finish("c1");
    await queue.stop();
  });

  it("queues a job id once, however often it is sent", async () => {
    vi.useFakeTimers();
    const queue = new InProcessRunQueue({ concurrency: 4, logger });
    const work = controllableHandler();
    await queue.start(work.handler);
    await queue.send(job("r1", "export-a"));
    await queue.send(job("r1", "export-a"));
    await vi.advanceTimersByTimeAsync(0);
    await queue.send(job("r1", "export-a"));
    work.finish("r1");
    await vi.advanceTimersByTimeAsync(10);
    expect(work.started).toEqual(["r1"]);
    await queue.stop();
  });

  it("holds a job until its start time and retries a job whose handler threw", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-11-23T10:00:00Z"));
    const queue = new InProcessRunQueue({ concurrency: 1, logger, retryDelayMs: 500 });
    const calls: string[] = [];
    await queue.start((work) => {
      calls.push(`${work.runId}@${new Date().toISOString()}`);
      return calls.length === 1 ? Promise.reject(new Error("transient")) : Promise.resolve();
    });
    await queue.send(job("later", "export-a", new Date("2026-11-23T10:00:05Z")));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(["later@2026-11-23T10:00:05.000Z"]);
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toEqual(["later@2026-11-23T10:00:05.000Z", "later@2026-11-23T10:00:05.500Z"]);
    await queue.stop();
  });

  it("aborts the jobs in hand on stop, waits for them, and takes no more", async () => {
    const queue = new InProcessRunQueue({ concurrency: 1, logger });
    let sawAbort = false;
    let handled = 0;
    await queue.start(
      (_work, signal) =>
        new Promise<void>((resolve) => {
          handled += 1;
          signal.addEventListener("abort", () => {
            sawAbort = true;
            resolve();
          });
        }),
    );
    await queue.send(job("r1", "export-a"));
    await new Promise((resolve) => setImmediate(resolve));
    await queue.stop();
    expect(sawAbort).toBe(true);
    await queue.send(job("r2", "export-b"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled).toBe(1);
  });
});
