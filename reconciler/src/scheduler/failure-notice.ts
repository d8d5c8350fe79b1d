/**
 * What admins are told when a run failed for good: one JSON document, posted to the webhook and
 * rendered as the e-mail. It names the export, run and error; never a token, a credential or a
 * contact.
 */
import type { RunRecord } from "../store/store.ts";

export interface RunFailureNotice {
  event: "run.failed";
  export: string;
  runId: string;
  trigger: RunRecord["trigger"];
  attempts: number;
  error: { code: string; message: string };
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Sends notices; each channel reports its own delivery failures without throwing. */
export interface FailureNotifier {
  notify(notice: RunFailureNotice): Promise<void>;
}

export function failureNoticeOf(run: RunRecord, attempts: number): RunFailureNotice {
  return {
    event: "run.failed",
    export: run.exportName,
    runId: run.id,
    trigger: run.trigger,
    attempts,
    error: {
      code: run.error?.code ?? "RUN_FAILED",
      message: run.error?.message ?? "the run failed without an error message",
    },
    queuedAt: run.queuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

/** The e-mail subject and plain-text body of a notice. */
export function renderFailureEmail(notice: RunFailureNotice): { subject: string; text: string } {
  return {
    subject: `ccx: export '${notice.export}' failed (${notice.error.code})`,
    text: [
      `The export '${notice.export}' failed after ${notice.attempts} attempt(s) and will not be retried.`,
      "",
      `Run:      ${notice.runId}`,
      `Trigger:  ${notice.trigger}`,
      `Error:    ${notice.error.code}: ${notice.error.message}`,
      `Queued:   ${notice.queuedAt}`,
      `Started:  ${notice.startedAt ?? "-"}`,
      `Finished: ${notice.finishedAt ?? "-"}`,
      "",
      `See the run with: ccx runs ${notice.export}`,
    ].join("\n"),
  };
}
