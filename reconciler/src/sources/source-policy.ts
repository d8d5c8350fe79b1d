/**
 * What segment sources may point at, from the reconciler's configuration (`sources` in
 * `config.ts`): the folders `files` sources may live under, the storage accounts and containers
 * `azure-blob` sources may read, and the limits of `postgres` reads. Checked when an admin saves a
 * source and again every time a run or plan opens one, because a symlink or the configuration can
 * change after the source was saved.
 */
import { realpath } from "node:fs/promises";
import { isAbsolute, relative, sep } from "node:path";
import { AppError } from "../core/errors.ts";

/** The `sources` section of the configuration that bounds sources. */
export interface SourcePolicy {
  files: { roots: readonly string[] };
  azureBlob: {
    allowed: ReadonlyArray<{ accountUrl: string; containers?: readonly string[] | undefined }>;
  };
  postgres: { statementTimeoutMs: number; maxRows: number; maxBytes: number };
}

/** No roots, no accounts, default postgres limits: every files and azure-blob source refused. */
export const CLOSED_POLICY: SourcePolicy = {
  files: { roots: [] },
  azureBlob: { allowed: [] },
  postgres: { statementTimeoutMs: 60_000, maxRows: 2_000_000, maxBytes: 1024 * 1024 * 1024 },
};

function outsideRoots(sourceName: string, cause?: unknown): AppError {
  // The message names no path: whoever reads it (a run's error is visible to every role) learns
  // nothing about the reconciler's file system.
  return new AppError(
    "SOURCE_OUTSIDE_ROOTS",
    `the folder of source '${sourceName}' is not inside a folder the reconciler allows ` +
      "(sources.files.roots), or does not exist; an admin must point the source at a folder " +
      "under one of the roots, or add a root to the reconciler's configuration",
    { cause, details: { source: sourceName } },
  );
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** The real paths of the configured roots (symlinks in a root's own path followed). */
async function realRoots(policy: SourcePolicy): Promise<string[]> {
  const roots: string[] = [];
  for (const root of policy.files.roots) {
    try {
      roots.push(await realpath(root));
    } catch {
      // A configured root that does not exist allows nothing.
    }
  }
  return roots;
}

/**
 * Resolves `path` to its real path (every symlink followed) and returns it when it lies inside a
 * configured root's real path.
 * @throws AppError `SOURCE_OUTSIDE_ROOTS` otherwise, naming no path.
 */
export async function confineToRoots(
  policy: SourcePolicy,
  sourceName: string,
  path: string,
): Promise<string> {
  if (!isAbsolute(path)) throw outsideRoots(sourceName);
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    throw outsideRoots(sourceName, error);
  }
  const roots = await realRoots(policy);
  if (!roots.some((root) => isInside(root, real))) throw outsideRoots(sourceName);
  return real;
}

/** The allow-list key of an account URL: its lowercase origin. */
function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" || parsed.username !== "" || parsed.password !== "") {
      return undefined;
    }
    if (parsed.pathname !== "/" && parsed.pathname !== "") return undefined;
    if (parsed.search !== "" || parsed.hash !== "") return undefined;
    return parsed.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Checks that an `azure-blob` source's account and container are on the allow-list, so the
 * reconciler's Azure identity never sends its token anywhere else.
 * @throws AppError `SOURCE_NOT_ALLOWED` otherwise.
 */
export function assertBlobAllowed(
  policy: SourcePolicy,
  sourceName: string,
  accountUrl: string,
  container: string,
): void {
  const origin = originOf(accountUrl);
  const allowed =
    origin !== undefined &&
    policy.azureBlob.allowed.some(
      (entry) =>
        originOf(entry.accountUrl) === origin &&
        (entry.containers === undefined || entry.containers.includes(container)),
    );
  if (!allowed) {
    throw new AppError(
      "SOURCE_NOT_ALLOWED",
      `the storage account or container of source '${sourceName}' is not on the reconciler's ` +
        "allow-list (sources.azureBlob.allowed); an admin must add it to the configuration or " +
        "use an allowed account (https://<account>.blob.core.windows.net, no path)",
      { details: { source: sourceName } },
    );
  }
}
