/**
 * Exit codes of the commands that talk to a reconciler (`status`, `runs`, `run`, `plan`,
 * `cancel`), one meaning each so scripts can branch on them. {@link EXIT_CODES_HELP} is the
 * paragraph every `--help` shows.
 */
export const ExitCode = {
  /** Done; for `ccx run`, the run succeeded. */
  ok: 0,
  /** The run failed or was cancelled, or something unexpected happened. */
  failed: 1,
  /** Bad arguments, or no endpoint or token. */
  usage: 2,
  /** A guard stopped the run (paused) or blocks the plan: nothing was written. */
  guard: 3,
  /** The token was refused (401) or its role may not do this (403). */
  denied: 4,
  /** The export or run does not exist (404). */
  notFound: 5,
  /** The reconciler refused because of the export's state (409), e.g. a run is already active. */
  conflict: 6,
  /** The reconciler did not answer, or answered with a server error. */
  unreachable: 7,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit-code paragraph of every remote command's `--help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0  done (ccx run: the run succeeded)
  1  the run failed or was cancelled
  2  bad usage: unknown option, missing export name, no endpoint or token
  3  a guard paused the run or blocks the plan; nothing was written
  4  the token was refused, or its role may not do this
  5  no such export or run
  6  refused by the export's state (a run is already active, nothing to cancel, detached)
  7  the reconciler is unreachable or failed (HTTP 5xx)
  130  ccx run stopped following on Ctrl-C; the run goes on`;
