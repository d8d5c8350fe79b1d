/**
 * The reconciler API as the remote commands (`status`, `runs`, `run`, `plan`, `cancel`) call it:
 * the contract's one client, announcing this package, and the exit code each failure maps to.
 */
import {
  createReconcilerClient,
  ReconcilerApiError,
  type ReconcilerClient,
} from "../../../contract/client.ts";
import { reconcilerIdentity } from "../package-identity.ts";
import { ExitCode, type ExitCodeValue } from "./exit-codes.ts";

export { ReconcilerApiError, type ReconcilerClient };

/** Where the reconciler is and who is asking. */
export interface ApiTarget {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  endpoint: string;
  token: string;
}

/** Requests to a reconciler that does not answer fail after this long. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The client the remote commands use. */
export function createApiClient(target: ApiTarget): ReconcilerClient {
  return createReconcilerClient({
    ...target,
    client: reconcilerIdentity(),
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
}

/** The exit code a failed call maps to (see `exit-codes.ts`). */
export function exitCodeOf(error: ReconcilerApiError): ExitCodeValue {
  if (error.status === 401 || error.status === 403) return ExitCode.denied;
  if (error.status === 404) return ExitCode.notFound;
  if (error.status === 409) return ExitCode.conflict;
  if (error.status === 0 || error.status >= 500) return ExitCode.unreachable;
  return ExitCode.failed;
}
