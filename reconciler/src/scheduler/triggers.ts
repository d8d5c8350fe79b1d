/**
 * The automatic triggers, checked on every scheduler tick by every process: cron (in the
 * export's time zone), stack change (a new generation, when `onStackChange`) and source change
 * (a new segment version, when `onSourceChange`). Each decision is a compare-and-set on the
 * export's trigger state in the same transaction that queues the run, so with several
 * processes each fire time, generation and source version queues at most one run.
 */
import type { Logger } from "pino";
import type { ExportRecord, Store } from "../store/store.ts";
import { cronSpecKey, cronSpecOf, decideCronTick } from "./cron-schedule.ts";
import { enqueueRun, runsAutomatically } from "./enqueue-run.ts";
import { SchedulerStore } from "./scheduler-store.ts";

export interface TriggerDependencies {
  store: Store;
  schedulerStore: SchedulerStore;
  logger: Logger;
  now: () => Date;
}

/** Fires the export's cron when its planned time has come; plans the next time. */
export async function checkCronTrigger(deps: TriggerDependencies, record: ExportRecord) {
  const spec = cronSpecOf(record.definition.schedule);
  if (spec === undefined) return;
  const key = cronSpecKey(spec);
  const state = await deps.schedulerStore.triggerState(record.id);
  if (!runsAutomatically(record)) {
    // Forget the plan of a disabled or detached export, so that enabling it again waits for
    // the next fire time instead of catching up on the ones it missed while off.
    if (state.cronSpec !== null) {
      await deps.schedulerStore.swapCronPlan(
        record.id,
        { spec: state.cronSpec, nextAt: state.cronNextAt },
        { spec: null, nextAt: null },
      );
    }
    return;
  }
  const planned = state.cronSpec === key ? (state.cronNextAt ?? undefined) : undefined;
  const decision = decideCronTick(spec, planned, deps.now());
  if (decision.kind === "wait") return;
  const expected = { spec: state.cronSpec, nextAt: state.cronNextAt };
  const next = { spec: key, nextAt: decision.nextAt ?? null };
  if (decision.kind === "plan") {
    await deps.schedulerStore.swapCronPlan(record.id, expected, next);
    return;
  }
  const queued = await enqueueRun(deps.store, {
    export: record,
    trigger: "schedule",
    requestedBy: "scheduler",
    details: { firedAt: decision.firedAt.toISOString(), cron: spec.cron, timeZone: spec.timeZone },
    claim: (tx) => tx.swapCronPlan(record.id, expected, next),
  });
  if (queued === "active") {
    // The fire time passes while a run is active: skipped, as the seed's refresh does.
    if (await deps.schedulerStore.swapCronPlan(record.id, expected, next)) {
      deps.logger.info({ export: record.name }, "cron fire skipped: a run is already active");
    }
  } else if (queued !== "lost") {
    deps.logger.info({ export: record.name, runId: queued.id }, "cron queued a run");
  }
}

/** Queues a stack-change run once per new generation of an `onStackChange` export. */
export async function checkStackChangeTrigger(deps: TriggerDependencies, record: ExportRecord) {
  if (record.definition.schedule.onStackChange !== true || !runsAutomatically(record)) return;
  const state = await deps.schedulerStore.triggerState(record.id);
  if (state.stackGeneration >= record.generation) return;
  const claim = (tx: SchedulerStore) =>
    tx.swapStackGeneration(record.id, state.stackGeneration, record.generation);
  const queued = await enqueueRun(deps.store, {
    export: record,
    trigger: "stack-change",
    requestedBy: "scheduler",
    details: { generation: record.generation },
    claim,
  });
  if (queued === "active") {
    // A run already active on this generation (e.g. asked for by `pulumi up`) covers it.
    const active = await deps.store.runs.findActive(record.id);
    if (active !== undefined && active.generation >= record.generation) {
      await claim(deps.schedulerStore);
    }
  } else if (queued !== "lost") {
    deps.logger.info({ export: record.name, runId: queued.id }, "stack change queued a run");
  }
}

/** Reads the combined version of an export's segments (see `source-version.ts`). */
export type SourceVersionReader = (record: ExportRecord) => Promise<string>;

/**
 * Queues a source-change run when the segments' version differs from the one last acted on.
 * The first version seen is only recorded. While a run is active the new version is left
 * unrecorded, so the next check after that run queues one.
 */
export async function checkSourceChangeTrigger(
  deps: TriggerDependencies,
  readVersion: SourceVersionReader,
  record: ExportRecord,
) {
  if (record.definition.schedule.onSourceChange !== true || !runsAutomatically(record)) return;
  let version: string;
  try {
    version = await readVersion(record);
  } catch (error) {
    deps.logger.warn({ err: error, export: record.name }, "source version check failed");
    return;
  }
  const state = await deps.schedulerStore.triggerState(record.id);
  if (state.sourceVersion === version) return;
  if (state.sourceVersion === null) {
    await deps.schedulerStore.swapSourceVersion(record.id, null, version);
    return;
  }
  const queued = await enqueueRun(deps.store, {
    export: record,
    trigger: "source-change",
    requestedBy: "scheduler",
    details: { sourceVersion: version },
    claim: (tx) => tx.swapSourceVersion(record.id, state.sourceVersion, version),
  });
  if (queued !== "active" && queued !== "lost") {
    deps.logger.info({ export: record.name, runId: queued.id }, "source change queued a run");
  }
}
