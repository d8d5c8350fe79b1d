/**
 * Live progress of a running run, stored on the run record for `GET …/runs/{id}` and `ccx run`:
 * updated in memory on every event and written at most every `intervalMs`, so a million-row
 * run costs a few hundred small updates, not a million.
 */
import type { RunStore } from "../store/run-store.ts";

/** What a run is doing now. */
export interface RunProgress {
  phase:
    | "starting"
    | "resolving-list"
    | "reading-opt-outs"
    | "reading-segments"
    | "planning"
    | "finding-leavers"
    | "writing"
    | "verifying"
    | "recording-snapshot"
    | "done";
  rowsRead: number;
  chunksSent: number;
  chunksTotal: number;
  activitiesDone: number;
  /** True when this attempt resumed an earlier one from its checkpoints. */
  resumed: boolean;
  /**
   * The hash of the definition this attempt executes: the one stored when it started, which may
   * be newer than the one that queued the run (for change detection).
   */
  definitionHash?: string | undefined;
  /** The version of each segment this attempt read (for change detection). */
  sourceVersions?: Record<string, string> | undefined;
  /** Milliseconds spent in each finished phase of this attempt. */
  timingsMs: Partial<Record<RunProgress["phase"], number>>;
  /** This attempt's wall time split into ccx's own work and waiting on Constant Contact. */
  phases?: RunPhases | undefined;
  updatedAt: string;
}

/**
 * Where a run's time went, in milliseconds: own work per step (waits inside a step excluded),
 * and all the time spent waiting on Constant Contact (requests with their pacing, and activity
 * polls). `ownMs + waitingMs = wallMs`.
 */
export interface RunPhases {
  /** Resolving the list, reading, mapping, validating, sorting and de-duplicating the segments. */
  readingMs: number;
  /** Diffing against the snapshot, guards and the request estimate. */
  planningMs: number;
  /** Building and checkpointing chunks, finding leavers and writing the next snapshot. */
  writingMs: number;
  /** Reading the list back and recording drift. */
  verifyingMs: number;
  waitingMs: number;
  ownMs: number;
  wallMs: number;
}

/** Holds a run's progress and counts and writes them, throttled. */
export class ProgressReporter {
  readonly progress: RunProgress;
  readonly counts: Record<string, number>;
  readonly #runs: RunStore;
  readonly #runId: string;
  readonly #intervalMs: number;
  #lastSave = 0;
  #saving: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    runs: RunStore,
    runId: string,
    options: { intervalMs?: number | undefined; resumed: boolean; counts: Record<string, number> },
  ) {
    this.#runs = runs;
    this.#runId = runId;
    this.#intervalMs = options.intervalMs ?? 500;
    this.counts = { ...options.counts };
    this.progress = {
      phase: "starting",
      rowsRead: 0,
      chunksSent: 0,
      chunksTotal: 0,
      activitiesDone: 0,
      resumed: options.resumed,
      timingsMs: {},
      updatedAt: new Date().toISOString(),
    };
  }

  /**
   * Applies a change; saves it when the last save is older than the interval, else once the
   * interval has passed (so the last change of a burst is never lost).
   */
  update(change: Partial<RunProgress>): void {
    Object.assign(this.progress, change);
    if (this.#timer !== undefined || this.#closed) return;
    const wait = Math.max(0, this.#lastSave + this.#intervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const previous = this.#saving ?? Promise.resolve();
      this.#saving = previous.then(() => this.#save());
    }, wait);
    this.#timer.unref();
  }

  /** Saves now (after any save in progress). */
  async flush(): Promise<void> {
    this.#cancelTimer();
    await this.#saving;
    await this.#save();
  }

  /** Stops saving: waits for a save in progress and drops a pending one. */
  async settle(): Promise<void> {
    this.#closed = true;
    this.#cancelTimer();
    await this.#saving;
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #save(): Promise<void> {
    this.#lastSave = Date.now();
    this.progress.updatedAt = new Date().toISOString();
    // Progress is best effort: a failed write must not fail the run.
    await this.#runs
      .saveProgress(this.#runId, { ...this.progress }, { ...this.counts })
      .catch(() => undefined);
  }
}
