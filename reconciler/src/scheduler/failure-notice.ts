/**
 * What admins are told when a run failed for good: one JSON document, posted to the webhook and
 * rendered as the e-mail. It names the export, run and error; never a token, a credential or a
 * contact.
 */
import type { RunRecord } from "../store/run-store.ts";

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

/**
 * A connection whose refresh token Constant Contact refused: nothing runs through it until an
 * admin runs `ccx connect` and applies the new token.
 */
export interface ConnectionReauthorizationNotice {
  event: "connection.needs-reauthorisation";
  connection: string;
  /** What Constant Contact answered, e.g. the `invalid_grant` of an expired refresh token. */
  reason: string;
  /** When the refresh token was last used. */
  refreshTokenRefreshedAt: string;
  at: string;
}

/** Everything admins are told about. */
export type AdminNotice = RunFailureNotice | ConnectionReauthorizationNotice;

/** Sends notices; each channel reports its own delivery failures without throwing. */
export interface FailureNotifier {
  notify(notice: AdminNotice): Promise<void>;
}

/** What a notice is about, for logs of its delivery. */
export function noticeSubjectOf(notice: AdminNotice): Record<string, string> {
  return notice.event === "run.failed"
    ? { runId: notice.runId }
    : { connection: notice.connection };
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
export function renderFailureEmail(notice: AdminNotice): { subject: string; text: string } {
  if (notice.event === "connection.needs-reauthorisation") {
    return {
      subject: `ccx: connection '${notice.connection}' needs a new authorisation`,
      text: [
        `Constant Contact refused the refresh token of the connection '${notice.connection}' ` +
          `(${notice.reason}). Its exports cannot run until it is authorised again.`,
        "",
        `Refresh token last used: ${notice.refreshTokenRefreshedAt}`,
        "",
        "Run `ccx connect`, store the new refresh token in the stack that declares the",
        "connection, and apply it (pulumi up).",
      ].join("\n"),
    };
  }
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
