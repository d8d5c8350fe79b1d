/**
 * Runs a stream of activities of one kind with a bounded number in flight: each body is POSTed
 * as soon as it is ready, and the oldest activity is waited for when the window is full. This
 * keeps the account's queue far below its 1,000-activity cap (CONTRACT §2.1) and memory flat.
 */
import type { ActivityCreator, CompletedActivity, WaitOptions } from "./activities.ts";
import { waitForActivity } from "./activities.ts";
import type { ApiTransport } from "./api-transport.ts";

/** One activity to create. */
export interface ActivityRequest {
  body: string | object;
  /** Items in the request; the service reports it as `items_total_count`. */
  itemCount: number;
}

/** Options of {@link runActivities}. */
export interface ActivityBatchOptions {
  /** Activities created but not yet finished, at most. @default 5 */
  maxInFlight?: number;
  /** How each activity is waited for. */
  wait?: WaitOptions;
}

/**
 * Creates and completes every activity, in order, and calls `onCompleted` for each.
 * @throws the first activity error; activities already created keep running on the service.
 */
export async function runActivities(
  transport: ApiTransport,
  creator: ActivityCreator,
  kind: string,
  requests: AsyncIterable<ActivityRequest>,
  onCompleted: (activity: CompletedActivity, request: { itemCount: number }) => void,
  options: ActivityBatchOptions = {},
): Promise<void> {
  const maxInFlight = Math.max(1, options.maxInFlight ?? 5);
  const inFlight: Array<{ activityId: string; itemCount: number }> = [];
  const settleOldest = async (): Promise<void> => {
    const oldest = inFlight.shift();
    if (oldest === undefined) return;
    const completed = await waitForActivity(transport, oldest.activityId, options.wait);
    onCompleted(completed, { itemCount: oldest.itemCount });
  };
  for await (const request of requests) {
    if (inFlight.length >= maxInFlight) await settleOldest();
    const activity = await creator.create(kind, request.body, { itemsTotal: request.itemCount });
    inFlight.push({ activityId: activity.activity_id, itemCount: request.itemCount });
  }
  while (inFlight.length > 0) await settleOldest();
}
