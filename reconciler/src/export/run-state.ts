/**
 * What the stages of one export run share: the run's context, its Constant Contact client, its
 * counts, the rows Constant Contact rejected, and the clock that splits the run's wall time into
 * ccx's own work per phase and time spent waiting on Constant Contact (`progress.phases`).
 */
import type { Logger } from "pino";
import type { CtctClient } from "../ctct/client.ts";
import type { SnapshotStore } from "../snapshots/snapshot-store.ts";
import type { SourceEnvironment } from "../sources/open-source.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import type { RunContext } from "../runs/reconcile-run.ts";
import { RunStopped } from "../runs/reconcile-run.ts";
import type { ProgressReporter, RunPhases, RunProgress } from "../runs/run-progress.ts";
import type { RunRecord } from "../store/run-store.ts";
import type { ExportRecord, Store } from "../store/store.ts";
import type { CtctSettings } from "./connection-client.ts";
import type { RejectedSample } from "./rejected-rows.ts";
import { WaitClock } from "./wait-clock.ts";

/** What the export pipeline needs from the process. */
export interface ExportRunDependencies {
  store: Store;
  secretBox: SecretBox;
  ctct: CtctSettings;
  snapshots: SnapshotStore;
  sources: SourceEnvironment;
  logger: Logger;
  /** Parent of the run's temporary files (sort runs, spool). @default os.tmpdir() */
  tempDirectory?: string | undefined;
  /** Most distinct profiles per export. @default 1,000,000 */
  profileLimit?: number | undefined;
  /** Activities in flight per run. @default 30 */
  maxActivitiesInFlight?: number | undefined;
  /** Longest wait between two activity polls, in ms. @default 5_000 */
  maxPollDelayMs?: number | undefined;
}

/** Rejected-row samples kept per run. */
export const MAX_SAMPLES = 100;

type OwnStep = keyof Omit<RunPhases, "waitingMs" | "ownMs" | "wallMs">;

/** Which step of {@link RunPhases} each progress phase's own work belongs to. */
const STEP_OF_PHASE: Readonly<Record<RunProgress["phase"], OwnStep>> = {
  starting: "readingMs",
  "resolving-list": "readingMs",
  "reading-segments": "readingMs",
  "reading-opt-outs": "readingMs",
  planning: "planningMs",
  "finding-leavers": "writingMs",
  writing: "writingMs",
  "recording-snapshot": "writingMs",
  verifying: "verifyingMs",
  done: "verifyingMs",
};

/** The shared state of one run, handed from stage to stage. */
export class RunState {
  readonly deps: ExportRunDependencies;
  readonly run: RunRecord;
  readonly export: ExportRecord;
  readonly client: CtctClient;
  readonly progress: ProgressReporter;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Samples of rows Constant Contact rejected (e-mails masked), at most {@link MAX_SAMPLES}. */
  readonly samples: RejectedSample[] = [];
  /** E-mail keys of rejected rows, left out of the next snapshot so the next run retries them. */
  readonly rejectedKeys = new Set<string>();
  readonly #waits = new WaitClock();
  readonly #started = performance.now();
  #phaseStarted = performance.now();
  #waitedAtPhaseStart = 0;
  readonly #own: Record<OwnStep, number> = {
    readingMs: 0,
    planningMs: 0,
    writingMs: 0,
    verifyingMs: 0,
  };

  constructor(deps: ExportRunDependencies, context: RunContext, client: CtctClient) {
    this.deps = deps;
    this.run = context.run;
    this.export = context.export;
    this.client = client;
    this.progress = context.progress;
    this.logger = context.logger;
    this.signal = context.signal;
  }

  /** The run's counts (live: the worker records them with the outcome). */
  get counts(): Record<string, number> {
    return this.progress.counts;
  }

  /** Adds to a count. */
  count(name: string, by: number): void {
    this.counts[name] = (this.counts[name] ?? 0) + by;
  }

  /** Copies of the samples, for the outcome. */
  samplesForOutcome(): Array<Record<string, unknown>> {
    return this.samples.map((sample) => ({ ...sample }));
  }

  /** Stops the run here when its signal aborted (cancel or shutdown). */
  throwIfStopped(): void {
    if (this.signal.aborted) throw new RunStopped(this.samplesForOutcome());
  }

  /** Awaits a call to Constant Contact, timing it as waiting. */
  waiting<T>(work: Promise<T>): Promise<T> {
    return this.#waits.during(work);
  }

  /**
   * Enters a phase; the time spent in the previous one goes to `progress.timingsMs`, and its own
   * work (its waits left out) to `progress.phases`.
   */
  phase(phase: RunProgress["phase"]): void {
    const now = performance.now();
    const previous = this.progress.progress.phase;
    const timings = { ...this.progress.progress.timingsMs };
    timings[previous] = Math.round((timings[previous] ?? 0) + now - this.#phaseStarted);
    const waited = this.#waits.totalMs;
    const own = Math.max(0, now - this.#phaseStarted - (waited - this.#waitedAtPhaseStart));
    this.#own[STEP_OF_PHASE[previous]] += own;
    this.#waitedAtPhaseStart = waited;
    this.#phaseStarted = now;
    const wallMs = now - this.#started;
    const phases: RunPhases = {
      readingMs: Math.round(this.#own.readingMs),
      planningMs: Math.round(this.#own.planningMs),
      writingMs: Math.round(this.#own.writingMs),
      verifyingMs: Math.round(this.#own.verifyingMs),
      waitingMs: Math.round(waited),
      ownMs: Math.round(wallMs - waited),
      wallMs: Math.round(wallMs),
    };
    this.logger.debug(
      {
        phase: previous,
        ms: timings[previous],
        rssMB: Math.round(process.memoryUsage.rss() / 1e6),
      },
      "run phase done",
    );
    this.progress.update({ phase, timingsMs: timings, phases });
  }
}
