/**
 * The Constant Contact V3 client of one connection: the operations ccx needs, over one
 * {@link ApiTransport} that paces, authenticates, retries and counts every request.
 *
 * @example
 * ```ts
 * const client = createCtctClient({
 *   app: { clientId, clientSecret },
 *   tokenStore,
 * });
 * const list = (await client.findListByName("VIP")) ?? (await client.createList({ name: "VIP" }));
 * await client.importContacts(contacts, [list.listId]);
 * for await (const member of client.listMembers(list.listId)) { … }
 * await client.close();
 * ```
 */
import type { Dispatcher } from "undici";
import { getAccountSummary } from "./account.ts";
import type { AccountSummary } from "./account.ts";
import { ActivityCreator, getActivity, waitForActivity } from "./activities.ts";
import type { ActivityResource, CompletedActivity, WaitOptions } from "./activities.ts";
import type { ActivityBatchOptions } from "./activity-batch.ts";
import { ApiTransport } from "./api-transport.ts";
import type { Batched } from "../core/batched.ts";
import { exportListContacts } from "./contact-exports.ts";
import type { ListExportOptions } from "./contact-exports.ts";
import { importContacts, iterateListMembers, removeListMemberships } from "./contacts.ts";
import type { ActivityTotals, ImportOptions, ListMember, ListMembersOptions } from "./contacts.ts";
import { createCustomField, listCustomFields } from "./custom-fields.ts";
import type { CustomField } from "./custom-fields.ts";
import { DEFAULT_API_BASE_URL, DEFAULT_TOKEN_URL } from "./endpoints.ts";
import type { ImportChunkLimits, ImportContact } from "./import-chunker.ts";
import { createList, deleteList, findListByName, getList, updateList } from "./lists.ts";
import type { ContactList, ContactListInput } from "./lists.ts";
import type { OAuthApp } from "./oauth.ts";
import { sharedRateLimiter } from "./rate-limiter.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { RetryPolicyOptions } from "./retry-policy.ts";
import { sharedTokenRefresher } from "./token-refresher.ts";
import type { TokenRefresher, TokenRefresherOptions } from "./token-refresher.ts";
import type { TokenStore } from "./token-store.ts";

/** Options of {@link createCtctClient}. Only `app` and `tokenStore` are required. */
export interface CtctClientOptions {
  /** The application key and secret (secret: never logged). */
  app: { clientId: string; clientSecret: string };
  /** Where this connection's tokens live. */
  tokenStore: TokenStore;
  /** @default "https://api.cc.email/v3" */
  apiBaseUrl?: string;
  /** @default "https://authz.constantcontact.com/oauth2/default/v1/token" */
  tokenUrl?: string;
  /** @default sharedRateLimiter(app.clientId): one per application key in the process */
  limiter?: RateLimiter;
  /** @default sharedTokenRefresher(tokenStore, app): one per connection in the process */
  refresher?: TokenRefresher;
  /** Options for the default refresher (5-minute proactive window, token endpoint backoff). */
  refresherOptions?: TokenRefresherOptions;
  /** @default resolveRetryPolicy(): 6 retries, 500 ms doubling to 30 s, half jitter */
  retryPolicy?: RetryPolicyOptions;
  /** Per-request timeout (headers, and between body chunks), in ms. @default 60_000 */
  timeoutMs?: number;
  /** @default an undici keep-alive `Agent` owned by the client */
  dispatcher?: Dispatcher;
  /** Import request limits. @default 40,000 items, 3,500,000 bytes */
  importLimits?: ImportChunkLimits;
  /** Activities running at once per import or removal. @default 5 */
  maxActivitiesInFlight?: number;
  /** How activities are waited for. @default 30 min timeout, polls from 1 s growing to 10 s */
  wait?: WaitOptions;
  /** @default a `setTimeout` promise (backoff) */
  sleep?: (ms: number) => Promise<void>;
  /** @default Math.random (jitter) */
  random?: () => number;
}

/** Creates a client for one connection. Call `close()` when done. */
export function createCtctClient(options: CtctClientOptions): CtctClient {
  return new CtctClient(options);
}

/** See {@link createCtctClient}. */
export class CtctClient {
  readonly transport: ApiTransport;
  readonly limiter: RateLimiter;
  readonly refresher: TokenRefresher;
  private readonly creator: ActivityCreator;
  private readonly importLimits: ImportChunkLimits | undefined;
  private readonly batch: ActivityBatchOptions;
  private readonly waitOptions: WaitOptions | undefined;

  constructor(options: CtctClientOptions) {
    const app: OAuthApp = {
      clientId: options.app.clientId,
      clientSecret: options.app.clientSecret,
      tokenUrl: options.tokenUrl ?? DEFAULT_TOKEN_URL,
      dispatcher: options.dispatcher,
    };
    this.limiter = options.limiter ?? sharedRateLimiter(app.clientId);
    this.refresher =
      options.refresher ?? sharedTokenRefresher(options.tokenStore, app, options.refresherOptions);
    this.transport = new ApiTransport({
      apiBaseUrl: options.apiBaseUrl ?? DEFAULT_API_BASE_URL,
      tokens: this.refresher,
      limiter: this.limiter,
      retryPolicy: options.retryPolicy,
      timeoutMs: options.timeoutMs,
      dispatcher: options.dispatcher,
      sleep: options.sleep,
      random: options.random,
    });
    this.creator = new ActivityCreator(this.transport);
    this.importLimits = options.importLimits;
    this.waitOptions = options.wait;
    this.batch = {
      ...(options.maxActivitiesInFlight === undefined
        ? {}
        : { maxInFlight: options.maxActivitiesInFlight }),
      ...(options.wait === undefined ? {} : { wait: options.wait }),
    };
  }

  /** Requests sent per operation, retries included, e.g. `{ contacts_json_import: 25, … }`. */
  requestCounts(): Record<string, number> {
    return this.transport.requestCounts();
  }

  /** Requests the application key may still send today (shared with every client of the key). */
  remainingToday(): number {
    return this.limiter.remainingToday();
  }

  /** When the daily budget resets: the next 00:00 UTC. */
  resetsAt(): Date {
    return this.limiter.resetsAt();
  }

  accountSummary(): Promise<AccountSummary> {
    return getAccountSummary(this.transport);
  }

  createList(input: ContactListInput): Promise<ContactList> {
    return createList(this.transport, input);
  }

  getList(listId: string): Promise<ContactList> {
    return getList(this.transport, listId);
  }

  findListByName(name: string): Promise<ContactList | undefined> {
    return findListByName(this.transport, name);
  }

  updateList(listId: string, input: ContactListInput): Promise<ContactList> {
    return updateList(this.transport, listId, input);
  }

  /** Deletes a list and waits for the deletion activity when there is one. */
  async deleteList(listId: string): Promise<void> {
    const { activityId } = await deleteList(this.transport, listId);
    if (activityId !== undefined) await this.waitForActivity(activityId);
  }

  /** Every member of a list, once each, unsubscribed ones included. */
  listMembers(listId: string, options?: ListMembersOptions): AsyncIterable<ListMember> {
    return iterateListMembers(this.transport, listId, options);
  }

  /** Imports contacts into up to 50 lists and waits for every import activity. */
  importContacts(
    contacts: AsyncIterable<ImportContact> | Iterable<ImportContact>,
    listIds: readonly string[],
    options: ImportOptions = {},
  ): Promise<ActivityTotals> {
    return importContacts(this.transport, this.creator, contacts, listIds, {
      ...this.batch,
      ...(this.importLimits === undefined ? {} : { limits: this.importLimits }),
      ...options,
    });
  }

  /** Removes contacts (by id) from up to 50 lists, 500 per activity, and waits. */
  removeListMemberships(
    listIds: readonly string[],
    contactIds: AsyncIterable<string> | Iterable<string>,
    options: ActivityBatchOptions = {},
  ): Promise<ActivityTotals> {
    return removeListMemberships(this.transport, this.creator, listIds, contactIds, {
      ...this.batch,
      ...options,
    });
  }

  /** A list's contacts through a CSV export, one record per row (also batch by batch). */
  exportListContacts(
    listId: string,
    options: ListExportOptions = {},
  ): Batched<Record<string, string>> {
    return exportListContacts(this.transport, this.creator, listId, {
      ...(this.waitOptions === undefined ? {} : { wait: this.waitOptions }),
      ...options,
    });
  }

  getActivity(activityId: string): Promise<ActivityResource> {
    return getActivity(this.transport, activityId);
  }

  /** Waits for an activity; throws `CtctActivityError` unless it `completed`. */
  waitForActivity(activityId: string, options?: WaitOptions): Promise<CompletedActivity> {
    return waitForActivity(this.transport, activityId, options ?? this.waitOptions);
  }

  listCustomFields(): Promise<CustomField[]> {
    return listCustomFields(this.transport);
  }

  createCustomField(input: { label: string; type?: string }): Promise<CustomField> {
    return createCustomField(this.transport, input);
  }

  /** Closes the client's connections. */
  close(): Promise<void> {
    return this.transport.close();
  }
}
