/**
 * Live progress of a running run, stored on the run record for `GET …/runs/{id}` and `ccx run`:
 * updated in memory on every event and written at most every `intervalMs`, so a million-row
 * run costs a few hundred small updates, not a million.
 */
import type { Store } from "../store/store.ts";
import { saveRunProgress } from "../store/run-store.ts";

/** What a run is doing now. */
export interface RunProgress {
  phase:
    | "starting"
    | "resolving-list"
    | "reading-opt-outs"
    | "reading-segments"
    | "planning"
    | "importing"
    | "removing"
    | "verifying"
    | "recording-snapshot"
    | "done";
  rowsRead: number;
  chunksSent: number;
  chunksTotal: number;
  activitiesDone: number;
  /** True when this attempt resumed an earlier one from its checkpoints. */
  resumed: boolean;
  updatedAt: string;
}

/** Holds a run's progress and counts and writes them, throttled. */
export class ProgressReporter {
  readonly progress: RunProgress;
  readonly counts: Record<string, number>;
  readonly #store: Store;
  readonly #runId: string;
  readonly #intervalMs: number;
  #lastSave = 0;
  #saving: Promise<void> | undefined;

  constructor(
    store: Store,
    runId: string,
    options: { intervalMs?: number | undefined; resumed: boolean; counts: Record<string, number> },
  ) {
    this.#store = store;
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
      updatedAt: new Date().toISOString(),
    };
  }

  /** Applies a change; saves when the last save is older than the interval. */
  update(change: Partial<RunProgress>): void {
    Object.assign(this.progress, change);
    if (Date.now() - this.#lastSave >= this.#intervalMs && this.#saving === undefined) {
      this.#saving = this.#save().finally(() => {
        this.#saving = undefined;
      });
    }
  }

  /** Saves now (after any save in progress). */
  async flush(): Promise<void> {
    await this.#saving;
    await this.#save();
  }

  /** Waits for a save in progress, without starting one. */
  async settle(): Promise<void> {
    await this.#saving;
  }

  async #save(): Promise<void> {
    this.#lastSave = Date.now();
    this.progress.updatedAt = new Date().toISOString();
    // Progress is best effort: a failed write must not fail the run.
    await saveRunProgress(this.#store, this.#runId, { ...this.progress }, { ...this.counts }).catch(
      () => undefined,
    );
  }
}
