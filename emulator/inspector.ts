/** Read-only views of emulator state for test assertions. */

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
