/**
 * ccx starts itself again, in the same process (`execve`: same pid, same stdio), with glibc's
 * mmap threshold fixed at its default of 128 KiB. glibc raises that threshold to the size of each
 * large block freed, up to 32 MiB; from then on every block below it comes from the heap, which
 * glibc hands back to the system only from its top. A run frees large buffers from its first
 * seconds on (a sort's spare arrays, each import body once sent), so the buffers of every later
 * step stayed resident, and in a long-lived reconciler for good: a first export of 1,000,000
 * profiles peaked at 564–600 MB, 362–419 MB with the threshold fixed (ADR 0013).
 *
 * Nothing happens off Linux, when the variable is set already (an operator's own choice, or the
 * container image's), or on a Node without `process.execve` (before 22.15 and 23.11).
 */

/** The environment ccx runs with, beside the caller's. */
export const MALLOC_ENVIRONMENT = Object.freeze({ MALLOC_MMAP_THRESHOLD_: "131072" });

/**
 * The `execve` call that starts this process again with {@link MALLOC_ENVIRONMENT}, or
 * undefined when none is needed or possible.
 * @param {Pick<NodeJS.Process, "platform" | "env" | "execPath" | "execArgv" | "argv"> & { execve?: unknown }} current
 * @returns {[string, string[], Record<string, string | undefined>] | undefined}
 */
export function mallocRestart(current) {
  if (current.platform !== "linux") return undefined;
  if (current.env["MALLOC_MMAP_THRESHOLD_"] !== undefined) return undefined;
  if (typeof current.execve !== "function") return undefined;
  return [
    current.execPath,
    [current.execPath, ...current.execArgv, ...current.argv.slice(1)],
    { ...current.env, ...MALLOC_ENVIRONMENT },
  ];
}

/** Starts this process again with {@link MALLOC_ENVIRONMENT} when it runs without it. */
export function restartWithFixedMallocThreshold() {
  const restart = mallocRestart(process);
  if (restart === undefined) return;
  try {
    process.execve?.(...restart);
  } catch {
    // Not fatal: ccx runs as well, only with more memory resident.
  }
}
