/**
 * How many Constant Contact requests a piece of work costs, before doing it: previews show it
 * and the scheduler checks it against the daily budget (CONTRACT §2.1). Pure arithmetic that
 * mirrors what the client does: one POST per import chunk or removal chunk, polls until each
 * activity ends, and one GET per page of members.
 */
import { pollsUntil, resolvePollSchedule } from "./poll-schedule.ts";
import type { PollSchedule } from "./poll-schedule.ts";

/** Contact ids per `remove_list_memberships` request (CONTRACT §1). */
export const REMOVE_CHUNK_SIZE = 500;
/** Members per `GET /contacts` page (CONTRACT §1). */
export const MEMBER_PAGE_SIZE = 500;

/** The work to estimate. */
export interface RequestEstimateInput {
  /** Contacts to import (after de-duplication). @default 0 */
  importContacts?: number;
  /**
   * Average JSON size of one import item, in bytes. @default 80 (an e-mail address, first and
   * last name: `{"email":"ann.lee@example.com","first_name":"Ann","last_name":"Lee"}` is 66)
   */
  averageImportItemBytes?: number;
  /** Memberships to remove. @default 0 */
  removeMemberships?: number;
  /** Members to read back from a list. @default 0 (no read) */
  readMembers?: number;
  /**
   * How long activities take: `"realistic"` follows CONTRACT §2.2 (≥ 1 s queued, then 1 s + 1 s
   * per 1,000 items); `"instant"` means one poll per activity. @default "realistic"
   */
  activityTiming?: "realistic" | "instant";
  /** The poll schedule of the client. @default resolvePollSchedule() */
  pollSchedule?: Partial<PollSchedule>;
  /** Import limits, as given to the client. @default 40,000 items, 3,500,000 bytes */
  maxImportItems?: number;
  maxImportBytes?: number;
}

/** Requests per kind of work, and in total. Retries are not included. */
export interface RequestEstimate {
  importActivities: number;
  importRequests: number;
  removeActivities: number;
  removeRequests: number;
  readRequests: number;
  total: number;
}

/**
 * Estimates requests.
 * @example
 * estimateRequests({ importContacts: 1_000_000, activityTiming: "instant" }).importRequests // 50
 */
export function estimateRequests(input: RequestEstimateInput): RequestEstimate {
  const schedule = resolvePollSchedule(input.pollSchedule);
  const timing = input.activityTiming ?? "realistic";
  const polls = (items: number): number =>
    timing === "instant" ? 1 : pollsUntil(schedule, 2_000 + items);

  const importContacts = input.importContacts ?? 0;
  const itemBytes = input.averageImportItemBytes ?? 80;
  const maxItems = input.maxImportItems ?? 40_000;
  const maxBytes = input.maxImportBytes ?? 3_500_000;
  // Body frame with 50 list ids is about 2 KB; each item adds its bytes plus a comma.
  const itemsByBytes = Math.max(1, Math.floor((maxBytes - 2_000) / (itemBytes + 1)));
  const perImport = Math.min(maxItems, itemsByBytes);
  const { activities: importActivities, requests: importRequests } = activityWork(
    importContacts,
    perImport,
    polls,
  );

  const { activities: removeActivities, requests: removeRequests } = activityWork(
    input.removeMemberships ?? 0,
    REMOVE_CHUNK_SIZE,
    polls,
  );

  const readMembers = input.readMembers;
  const readRequests =
    readMembers === undefined ? 0 : Math.max(1, Math.ceil(readMembers / MEMBER_PAGE_SIZE));

  return {
    importActivities,
    importRequests,
    removeActivities,
    removeRequests,
    readRequests,
    total: importRequests + removeRequests + readRequests,
  };
}

function activityWork(
  items: number,
  perActivity: number,
  polls: (items: number) => number,
): { activities: number; requests: number } {
  if (items <= 0) return { activities: 0, requests: 0 };
  const full = Math.floor(items / perActivity);
  const rest = items % perActivity;
  const activities = full + (rest > 0 ? 1 : 0);
  const requests = full * (1 + polls(perActivity)) + (rest > 0 ? 1 + polls(rest) : 0);
  return { activities, requests };
}
