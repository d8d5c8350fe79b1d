import { describe, expect, it } from "vitest";
import { oneAhead } from "./one-ahead.ts";

/** A stream that logs when each item is made and when it is closed. */
function logged(count: number, log: string[], failAt?: number): AsyncGenerator<number> {
  return (async function* () {
    try {
      for (let i = 0; i < count; i += 1) {
        await Promise.resolve();
        if (i === failAt) throw new Error(`item ${i} failed`);
        log.push(`made ${i}`);
        yield i;
      }
    } finally {
      log.push("closed");
    }
  })();
}

/** Lets every queued promise callback run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}

describe("oneAhead", () => {
  it("yields every item in order", async () => {
    const seen: number[] = [];
    for await (const item of oneAhead(logged(5, []))) seen.push(item);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it("makes the next item while the consumer works on the one before", async () => {
    const log: string[] = [];
    for await (const item of oneAhead(logged(3, log))) {
      log.push(`use ${item} begins`);
      await settle();
      log.push(`use ${item} ends`);
    }
    // Each item after the first was made before the consumer finished with the one before.
    for (const item of [1, 2]) {
      expect(log.indexOf(`made ${item}`)).toBeLessThan(log.indexOf(`use ${item - 1} ends`));
    }
    // And the source was asked for its end while the last item was in use.
    expect(log.indexOf("closed")).toBeLessThan(log.indexOf("use 2 ends"));
  });

  it("makes nothing ahead of a consumer that has not asked yet", async () => {
    const log: string[] = [];
    const items = oneAhead(logged(3, log));
    await settle();
    expect(log).toEqual([]);
    await items.next();
    await items.return(undefined);
  });

  it("closes the source when the consumer stops early", async () => {
    const log: string[] = [];
    for await (const item of oneAhead(logged(10, log))) if (item === 1) break;
    expect(log).toEqual(["made 0", "made 1", "made 2", "closed"]);
  });

  it("throws the source's error at the item that failed, not before", async () => {
    const seen: number[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", onUnhandled);
    try {
      await expect(
        (async () => {
          for await (const item of oneAhead(logged(5, [], 2))) {
            // A macrotask, as a request is: an unobserved rejection would be reported meanwhile.
            await new Promise((resolve) => setImmediate(resolve));
            seen.push(item);
          }
        })(),
      ).rejects.toThrow("item 2 failed");
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(seen).toEqual([0, 1]);
    expect(unhandled).toEqual([]);
  });

  it("ignores an error of an item the consumer never reaches", async () => {
    const seen: number[] = [];
    for await (const item of oneAhead(logged(5, [], 1))) {
      seen.push(item);
      break;
    }
    expect(seen).toEqual([0]);
  });
});
