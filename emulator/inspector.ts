/** Read-only views of emulator state for test assertions. */
import type { EmulatorContext } from "./context.ts";
import { requireAccount, settleActivities } from "./context.ts";
import { emailKey } from "./email.ts";
import type { Account } from "./state/account.ts";

/** A contact as tests see it. */
export interface InspectedContact {
  contactId: string;
  accountId: string;
  /** The stored address (first casing kept, CONTRACT §2.3). */
  email: string;
  firstName: string | undefined;
  lastName: string | undefined;
  jobTitle: string | undefined;
  companyName: string | undefined;
  permission: string;
  optInSource: "Account" | "Contact";
  optOutSource: "Account" | "Contact" | undefined;
  deleted: boolean;
  /** Ids of the non-deleted lists the contact is in. */
  listIds: string[];
  /** Custom field values by field `name`. */
  customFields: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/** An activity as tests see it. */
export interface InspectedActivity {
  activityId: string;
  accountId: string;
  kind: string;
  state: string;
  percentDone: number;
  status: Record<string, number>;
  errors: string[];
}

/** A list as tests see it. */
export interface InspectedList {
  listId: string;
  accountId: string;
  name: string;
  deleted: boolean;
  memberCount: number;
}

/** Inspection surface of a running emulator (every call settles due activities first). */
export interface EmulatorInspector {
  /** Lower-cased emails of the current members of a list, sorted; [] for an unknown list. */
  listMembers(listId: string): string[];
  /** The contact with this email (case-insensitive), in `accountId` or in any account. */
  contact(email: string, accountId?: string): InspectedContact | undefined;
  /** All contacts (deleted included), of one account or all, in creation order. */
  contacts(accountId?: string): InspectedContact[];
  /** All lists, of one account or all. */
  lists(accountId?: string): InspectedList[];
  /** Activities, of one account or all, in creation order. */
  activities(accountId?: string): InspectedActivity[];
  /** Requests received per `"METHOD /path-template"` (e.g. `"GET /v3/contacts"`), all statuses. */
  requestCounts(): Record<string, number>;
  /** Requests received since the last reset. */
  totalRequests(): number;
  /** Clears the request log. */
  resetRequestLog(): void;
}

/** Every account, or the one asked for (throws when unknown). */
function accountsOf(ctx: EmulatorContext, accountId: string | undefined): Account[] {
  return accountId === undefined ? [...ctx.accounts.values()] : [requireAccount(ctx, accountId)];
}

/** One stored contact as tests see it. */
function inspectContact(account: Account, index: number): InspectedContact {
  const contacts = account.contacts;
  const extras = contacts.extras.get(index);
  const customFields: Record<string, string> = {};
  for (const [id, value] of extras?.customFields ?? []) {
    customFields[account.customFields.get(id)?.name ?? id] = value;
  }
  return {
    contactId: contacts.idOf(index),
    accountId: account.id,
    email: contacts.emails[index] ?? "",
    firstName: contacts.firstName[index],
    lastName: contacts.lastName[index],
    jobTitle: extras?.jobTitle,
    companyName: extras?.companyName,
    permission: contacts.permissionOf(index),
    optInSource: extras?.optInSource ?? "Account",
    optOutSource: extras?.optOutSource,
    deleted: contacts.isDeleted(index),
    listIds: account.listIdsOf(index),
    customFields,
    createdAt: new Date(contacts.createdAt[index] ?? 0),
    updatedAt: new Date(contacts.updatedAt[index] ?? 0),
  };
}

/** The `emulator.inspect` object, reading `ctx`. */
export function createInspector(ctx: EmulatorContext): EmulatorInspector {
  return {
    listMembers(listId) {
      settleActivities(ctx);
      for (const account of ctx.accounts.values()) {
        const list = account.lists.get(listId.toLowerCase());
        if (list === undefined) continue;
        return [...list.members]
          .map((index) => emailKey(account.contacts.emails[index] ?? ""))
          .sort();
      }
      return [];
    },
    contact(email, accountId) {
      settleActivities(ctx);
      for (const account of accountsOf(ctx, accountId)) {
        const index = account.contacts.findByEmail(email);
        if (index !== undefined) return inspectContact(account, index);
      }
      return undefined;
    },
    contacts(accountId) {
      settleActivities(ctx);
      const result: InspectedContact[] = [];
      for (const account of accountsOf(ctx, accountId)) {
        for (let index = 0; index < account.contacts.size; index += 1)
          result.push(inspectContact(account, index));
      }
      return result;
    },
    lists(accountId) {
      settleActivities(ctx);
      return accountsOf(ctx, accountId).flatMap((account) =>
        [...account.lists.values()].map((list) => ({
          listId: list.id,
          accountId: account.id,
          name: list.name,
          deleted: list.deletedAt !== 0,
          memberCount: list.members.size,
        })),
      );
    },
    activities(accountId) {
      settleActivities(ctx);
      return accountsOf(ctx, accountId).flatMap((account) =>
        account.activities.map((activity) => ({
          activityId: activity.id,
          accountId: account.id,
          kind: activity.kind,
          state: activity.state,
          percentDone: activity.percentDone,
          status: { ...activity.status },
          errors: [...activity.errors],
        })),
      );
    },
    requestCounts() {
      return Object.fromEntries(ctx.requestLog);
    },
    totalRequests() {
      let total = 0;
      for (const count of ctx.requestLog.values()) total += count;
      return total;
    },
    resetRequestLog() {
      ctx.requestLog.clear();
    },
  };
}
