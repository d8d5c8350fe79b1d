/**
 * The plan of an export run, measured: one streaming pass of the diff between the desired
 * contacts and the current snapshot, counted, then `planExport` (guards, request estimate). Used
 * by a run before it writes anything, and by `ccx plan` / `pulumi preview` through
 * {@link buildExportPlan}.
 */
import { countChanges, diffSorted, emptyDiffCounts } from "../core/diff.ts";
import type { DiffChange, Membership, SnapshotEntry } from "../core/diff.ts";
import type { ExportGuards } from "../core/guards.ts";
import type { FieldMappings, RowError } from "../core/mapping.ts";
import { planExport } from "../core/plan.ts";
import type { ExportPlan, RequestModel } from "../core/plan.ts";
import type { SnapshotRef, SnapshotStore } from "../snapshots/snapshot-store.ts";
import type { SegmentSource } from "../sources/segment-source.ts";
import type { CurrentSnapshot } from "../store/run-store.ts";
import { collectDesiredContacts } from "./desired-contacts.ts";
import { withContactIds } from "./imported-contact-ids.ts";
import type {
  CollectOptions,
  DesiredContacts,
  DesiredRow,
  SegmentRead,
} from "./desired-contacts.ts";

/** What the plan compares and against which rules. */
export interface PlanRules {
  membership: Membership;
  guards: ExportGuards;
  /** @default 1,000,000 */
  profileLimit?: number | undefined;
  /** True for e-mail keys unsubscribed in Constant Contact. @default none */
  isSuppressed?: ((key: string) => boolean) | undefined;
  /** Request limits; `averageImportItemBytes` defaults to the measured mean. */
  requestModel?: RequestModel | undefined;
}

/** The snapshot a plan compares with: the current pointer's target (none on a first run). */
export interface PreviousSnapshot {
  store: SnapshotStore;
  ref?: SnapshotRef | undefined;
  /** The contact ids stored beside it ({@link CurrentSnapshot.idsId}), read with its entries. */
  idsId?: string | undefined;
}

/**
 * The snapshot to compare with: the export's current one when it was synced to the list the
 * export resolves to now (`listId`), else none — a run to another list starts from nothing. A
 * plan that only counts (a preview) has no use for the ids stored beside it (`contactIds: false`).
 */
export function previousSnapshotOf(
  snapshots: SnapshotStore,
  exportName: string,
  current: CurrentSnapshot | undefined,
  listId: string | undefined,
  options: { contactIds?: boolean } = {},
): PreviousSnapshot {
  if (current === undefined || listId === undefined || current.listId !== listId) {
    return { store: snapshots };
  }
  return {
    store: snapshots,
    ref: {
      id: current.snapshotId,
      exportName,
      entries: current.entries,
      bytes: current.bytes,
      createdAt: "",
    },
    idsId: options.contactIds === false ? undefined : (current.idsId ?? undefined),
  };
}

/** Streams the previous snapshot's entries with their contact ids (nothing on a first run). */
export function previousEntries(previous: PreviousSnapshot): AsyncIterable<SnapshotEntry> {
  if (previous.ref === undefined) return emptyEntries();
  const entries = previous.store.read(previous.ref.id);
  return previous.idsId === undefined
    ? entries
    : withContactIds(entries, previous.store.read(previous.idsId));
}

/**
 * Plans from contacts already collected. `onChange` sees every classified key, in key order
 * (a run keeps small sets of changes so that it need not diff again to send them).
 */
export async function planFromDesired(
  desired: DesiredContacts,
  previous: PreviousSnapshot,
  rules: PlanRules,
  onChange?: (change: DiffChange<DesiredRow>) => void,
): Promise<ExportPlan> {
  const counts = emptyDiffCounts();
  const changes = diffSorted(desired.rows(), previousEntries(previous), {
    membership: rules.membership,
    isSuppressed: rules.isSuppressed,
  });
  for await (const change of countChanges(changes, counts)) onChange?.(change);
  return planExport({
    counts: {
      profiles: desired.counts.profiles,
      adds: counts.add,
      updates: counts.update,
      removals: counts.remove,
      retained: counts.retain,
      suppressed: counts.suppressed,
      invalid: desired.counts.invalid,
      duplicates: desired.counts.duplicates,
      unchanged: counts.unchanged,
    },
    previousSnapshotSize: previous.ref?.entries ?? 0,
    membership: rules.membership,
    guards: rules.guards,
    profileLimit: rules.profileLimit,
    requestModel: {
      ...(desired.averageImportItemBytes > 0
        ? { averageImportItemBytes: Math.ceil(desired.averageImportItemBytes) }
        : {}),
      ...rules.requestModel,
    },
  });
}

/** Everything `ccx plan` shows. */
export interface ExportPlanReport {
  plan: ExportPlan;
  segments: SegmentRead[];
  rows: number;
  rowErrors: RowError[];
}

/**
 * Reads the segments, plans, and cleans up: nothing is written anywhere but temporary files.
 * `previous` and `rules` may still be on their way (read from Constant Contact and the store):
 * they are awaited only once the segments are read, which is what takes time.
 */
export async function buildExportPlan(
  input: Omit<CollectOptions, "source" | "segments" | "mappings"> & {
    source: SegmentSource;
    segments: readonly string[];
    mappings: FieldMappings;
    previous: PreviousSnapshot | Promise<PreviousSnapshot>;
    rules: PlanRules | Promise<PlanRules>;
  },
): Promise<ExportPlanReport> {
  const desired = await collectDesiredContacts(input);
  try {
    const plan = await planFromDesired(desired, await input.previous, await input.rules);
    return {
      plan,
      segments: desired.segments,
      rows: desired.counts.rows,
      rowErrors: desired.rowErrors,
    };
  } finally {
    await desired.dispose();
  }
}

async function* emptyEntries(): AsyncGenerator<SnapshotEntry> {}
