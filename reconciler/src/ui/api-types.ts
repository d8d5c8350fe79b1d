/**
 * The API's answers as the status page reads them (the JSON of `/v1/me`, `/v1/exports`, runs,
 * plans and connections). Types only: the browser modules name them in JSDoc `@import` tags,
 * so this file is type-checked but never served or loaded. Fields the page tolerates missing are
 * optional here, as the page's checks of them are.
 */

/** What the token may do: `GET /v1/me`. */
export interface Me {
  name: string;
  role: "admin" | "contributor" | "viewer";
  actions: string[];
  /** Every export with this token's actions on it (`export.read`, `export.manage`). */
  exports: Array<{ name: string; actions: string[] }>;
}

/** When an export runs. */
export interface Schedule {
  cron?: string;
  timeZone?: string;
  onSourceChange?: boolean;
  onStackChange?: boolean;
  manualOnly?: boolean;
}

/** An export definition, as far as the page shows it. */
export interface ExportDefinition {
  connection: string;
  listId?: string;
  list?: { name: string; create?: boolean };
  segments: string[];
  schedule?: Schedule;
  membership: string;
  guards?: { maxRemovePercent?: number; maxAdds?: number };
  enabled?: boolean;
}

/** One export: `GET /v1/exports/{name}`. */
export interface SegmentExport {
  name: string;
  definition: ExportDefinition;
  attached: boolean;
  generation: number;
  definitionHash: string;
}

/** Row counts a run or plan records, by name (read, added, listMembers, …). */
export type Counts = Record<string, number>;

/** Live progress of a running run. */
export interface RunProgress {
  phase?: string;
  rowsRead?: number;
  chunksSent?: number;
  chunksTotal?: number;
  activitiesDone?: number;
}

/** One rejected or invalid row: positions, masked e-mails and reasons, never values. */
export type RowError = Record<string, string | number | undefined>;

/** A guard's verdict on a run or plan. */
export interface GuardVerdict {
  guard: string;
  passed: boolean;
  limit: number;
  actual: number;
  reason: string;
}

/** Why a run failed or paused; a paused run carries its verdicts in `details`. */
export interface RunError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** One run: `GET /v1/exports/{name}/runs/{id}`. */
export interface Run {
  id: string;
  export: string;
  trigger: string;
  status: string;
  generation: number;
  definitionHash: string;
  stack: string | null;
  updateId: string | null;
  requestedBy: string;
  counts?: Counts;
  error: RunError | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelRequestedAt: string | null;
  progress: RunProgress | null;
  rejectedSamples?: RowError[];
}

/** What a run now would do: `POST /v1/exports/{name}/plan`. */
export interface ExportPlan {
  counts?: Counts;
  verdicts?: GuardVerdict[];
  blocked: boolean;
  estimate?: { total: number; formula: string };
  rowErrors?: RowError[];
}

/** A connection: admins get every field, contributors the name and type only. */
export interface Connection {
  name: string;
  type: string;
  displayName?: string;
  sharing?: "admins" | "contributors";
  organizationName?: string;
  accountId?: string;
  status?: string;
  consent?: { statementVersion: string; acceptedBy: string; acceptedAt: string };
  exports?: string[];
}

/** A list answer of the API. */
export interface Items<T> {
  items: T[];
}

/** A segment source as admins see it: `GET /v1/sources` (never a connection string). */
export interface SegmentSource {
  name: string;
  type: "files" | "postgres" | "azure-blob";
  sharing?: "admins" | "contributors";
  description?: string;
  path?: string;
  accountUrl?: string;
  container?: string;
  prefix?: string;
  queries?: Record<string, string>;
  table?: { name: string; segmentColumn: string };
  exports?: string[];
}
