/**
 * Sends the write chunks of a run as Constant Contact activities with many in flight, and
 * checkpoints each one: `sent` as soon as the service accepted it (with its activity id), then
 * `confirmed` when it completed. All activities in flight are watched with one
 * `GET /activities` per poll rather than one poll per activity, which keeps a million-contact
 * export near a hundred requests (DESIGN §6). A resumed run skips confirmed chunks and waits for
 * sent ones instead of sending them again (ADR 0005). The next chunk is built while one is sent
 * and its activities are polled, so building chunks adds little to a run's wall time.
 */
import { z } from "zod";
import { AppError } from "../core/errors.ts";
import { oneAhead } from "../core/one-ahead.ts";
import { activitySchema, ActivityCreator } from "../ctct/activities.ts";
import type { ActivityResource } from "../ctct/activities.ts";
import type { CtctClient } from "../ctct/client.ts";
import { CtctActivityError } from "../ctct/errors.ts";
import type { ChunkCheckpoint } from "../store/run-store.ts";
import { MIN_POLL_DELAY_MS, PollPacer } from "./poll-pacer.ts";
import type { PollPurpose } from "./poll-pacer.ts";
import type { WriteChunk } from "./write-chunks.ts";

const FINAL = new Set(["completed", "failed", "cancelled", "timed_out"]);

const activitiesPageSchema = z.object({
  activities: z.array(activitySchema).default([]),
});

/** A completed chunk: the chunk and what its activity reported. */
export interface ConfirmedChunk {
  chunk: Pick<
    WriteChunk,
    "phase" | "index" | "hash" | "itemCount" | "keys" | "kinds" | "adds" | "updates"
  >;
  activityId: string;
  status: Record<string, number>;
  activityErrors: string[];
  /** For a chunk an earlier attempt confirmed: the result it checkpointed. */
  stored?: Record<string, unknown> | undefined;
}

/** Options of {@link sendChunks}. */
export interface SendChunksOptions {
  client: CtctClient;
  /** Imports and removals touch different contacts, so they may be in flight together. */
  chunks: AsyncIterable<WriteChunk> | Iterable<WriteChunk>;
  /** Checkpoints of an earlier attempt of the same run, by {@link checkpointKey}. */
  previous: ReadonlyMap<string, ChunkCheckpoint>;
  /** Activities in flight at most. @default 30 (the account queue holds 1,000, CONTRACT §2.1) */
  maxInFlight?: number | undefined;
  /** Gives up on an activity after this long, in ms. @default 1_800_000 */
  activityTimeoutMs?: number | undefined;
  /** Longest wait between two polls, in ms (see `poll-pacer.ts`). @default 5_000 */
  maxPollDelayMs?: number | undefined;
  /**
   * Called once Constant Contact accepted a chunk, with the activity's `created_at` when given;
   * the checkpoint must be durable on return.
   */
  onSent(chunk: WriteChunk, activityId: string, createdAt: string | undefined): Promise<void>;
  /** Called once per completed chunk (also for chunks an earlier attempt confirmed). */
  onConfirmed(confirmed: ConfirmedChunk, resumed: boolean): Promise<void>;
  /** Called once every chunk was sent (or skipped), before waiting for the last ones. */
  onAllSent?: (() => void) | undefined;
  /** Asked before each new chunk is sent: true stops sending (in-flight chunks still finish). */
  shouldStop(): Promise<boolean>;
  /** Wraps every wait on Constant Contact (a POST, a poll and its pause), e.g. to time it. */
  waiting?: (<T>(work: Promise<T>) => Promise<T>) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** What {@link sendChunks} did. */
export interface SendChunksResult {
  /** False when `shouldStop` ended it early. */
  finished: boolean;
  /** Activities created by this attempt. */
  sent: number;
}

/** The activity endpoint of each chunk phase. */
const KIND: Readonly<Record<WriteChunk["phase"], string>> = {
  import: "contacts_json_import",
  remove: "remove_list_memberships",
};

/** The key of a chunk in {@link SendChunksOptions.previous}. */
export function checkpointKey(phase: WriteChunk["phase"], index: number): string {
  return `${phase}:${index}`;
}

interface InFlight {
  chunk: ConfirmedChunk["chunk"];
  activityId: string;
  since: number;
}

/**
 * Sends every chunk and waits for all of them.
 * @throws CtctActivityError when an activity ends other than `completed`.
 */
export async function sendChunks(options: SendChunksOptions): Promise<SendChunksResult> {
  const maxInFlight = Math.max(1, options.maxInFlight ?? 30);
  const timeoutMs = options.activityTimeoutMs ?? 1_800_000;
  const maxDelay = options.maxPollDelayMs ?? 5_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const creator = new ActivityCreator(options.client.transport);
  const waiting = options.waiting ?? (<T>(work: Promise<T>): Promise<T> => work);
  const inFlight = new Map<string, InFlight>();
  const pacer = new PollPacer(maxDelay);
  let sent = 0;
  let delay = MIN_POLL_DELAY_MS;

  const settle = async (activity: ActivityResource, flight: InFlight): Promise<void> => {
    inFlight.delete(flight.activityId);
    pacer.forget(flight.activityId);
    let resource = activity;
    if (resource.state === "completed" && resource.activity_errors === undefined) {
      resource = await options.client.getActivity(flight.activityId);
    }
    if (resource.state !== "completed") {
      throw new CtctActivityError(
        flight.activityId,
        resource.state as "failed" | "timed_out" | "cancelled",
        resource.activity_errors ?? [],
        { operation: KIND[flight.chunk.phase] },
      );
    }
    await options.onConfirmed(
      {
        chunk: flight.chunk,
        activityId: flight.activityId,
        status: numericCounters(resource.status),
        activityErrors: resource.activity_errors ?? [],
      },
      false,
    );
  };

  /** One poll of everything in flight: one list request, single reads for what it missed. */
  const pollOnce = async (purpose: PollPurpose): Promise<void> => {
    await sleep(delay);
    const response = await options.client.transport.send({
      operation: "list_activities",
      method: "GET",
      path: "/activities",
      query: { limit: 500 },
    });
    const page = options.client.transport.parse(activitiesPageSchema, response, "list_activities");
    const seen = new Set<string>();
    let progressed = false;
    const polledAt = Date.now();
    for (const activity of page.activities) {
      const flight = inFlight.get(activity.activity_id);
      if (flight === undefined) continue;
      seen.add(activity.activity_id);
      if (FINAL.has(activity.state)) {
        await settle(activity, flight);
        progressed = true;
      } else {
        pacer.observe(activity.activity_id, activity.percent_done, polledAt);
      }
    }
    // Activities pushed off the first page by others on the account: read them one by one.
    for (const flight of [...inFlight.values()]) {
      if (seen.has(flight.activityId)) continue;
      const activity = await options.client.getActivity(flight.activityId);
      if (FINAL.has(activity.state)) {
        await settle(activity, flight);
        progressed = true;
      } else {
        pacer.observe(flight.activityId, activity.percent_done, Date.now());
      }
    }
    const now = Date.now();
    for (const flight of inFlight.values()) {
      if (now - flight.since > timeoutMs) {
        throw new AppError(
          "CTCT_ACTIVITY_WAIT_TIMEOUT",
          `Constant Contact activity ${flight.activityId} did not finish within ${Math.round(timeoutMs / 1000)} s; the run can be retried`,
          { retryable: true, details: { activityId: flight.activityId } },
        );
      }
    }
    delay = pacer.nextDelayMs({ purpose, inFlight: inFlight.keys(), progressed, nowMs: now });
  };

  let stopped = false;
  for await (const chunk of oneAhead(options.chunks)) {
    const before = options.previous.get(checkpointKey(chunk.phase, chunk.index));
    const summary = {
      phase: chunk.phase,
      index: chunk.index,
      hash: chunk.hash,
      itemCount: chunk.itemCount,
      keys: chunk.keys,
      kinds: chunk.kinds,
      adds: chunk.adds,
      updates: chunk.updates,
    };
    if (before !== undefined && before.chunkHash === chunk.hash && before.activityId !== null) {
      if (before.state === "confirmed") {
        await options.onConfirmed(
          {
            chunk: summary,
            activityId: before.activityId,
            status: (before.result["status"] ?? {}) as Record<string, number>,
            activityErrors: [],
            stored: before.result,
          },
          true,
        );
        continue;
      }
      // Accepted before the process died: wait for it rather than send it twice.
      inFlight.set(before.activityId, {
        chunk: summary,
        activityId: before.activityId,
        since: Date.now(),
      });
      continue;
    }
    while (inFlight.size >= maxInFlight) await waiting(pollOnce("free-a-slot"));
    if (await options.shouldStop()) {
      stopped = true;
      break;
    }
    const activity = await waiting(
      creator.create(KIND[chunk.phase], chunk.body, { itemsTotal: chunk.itemCount }),
    );
    sent += 1;
    await options.onSent(chunk, activity.activity_id, activity.created_at);
    inFlight.set(activity.activity_id, {
      chunk: summary,
      activityId: activity.activity_id,
      since: Date.now(),
    });
  }
  if (!stopped) options.onAllSent?.();
  while (inFlight.size > 0) await waiting(pollOnce("finish-all"));
  return { finished: !stopped, sent };
}

function numericCounters(status: Record<string, unknown> | undefined): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const [key, value] of Object.entries(status ?? {})) {
    if (typeof value === "number") counters[key] = value;
  }
  return counters;
}
