/**
 * The provider's handle on the reconciler: the contract's one client, bound to the settings in
 * force (`ccx:endpoint`, `ccx:token`) and announcing this package and its version, so the
 * reconciler can refuse a provider it cannot work with and its audit log names the release.
 */
import { readFileSync } from "node:fs";
import {
  createReconcilerClient,
  ReconcilerApiError,
  type ReconcilerClient,
} from "../contract/client.ts";
import { packageIdentityOf } from "../contract/version.ts";
import { resolveSettings } from "./settings.ts";

export { ReconcilerApiError, type ReconcilerClient };

/** Who is calling, recorded in the reconciler's audit log. */
export interface CallerContext {
  stack?: string;
  project?: string;
}

let identity: string | undefined;

/** `@ccx/pulumi@<version>`: this package, as the reconciler's audit log records it. */
export function providerIdentity(): string {
  identity ??= packageIdentityOf(import.meta.url, (url) => readFileSync(url, "utf8"));
  return identity;
}

const handshakes = new Map<string, Promise<unknown>>();

/**
 * A client for the reconciler in force. The first use per endpoint checks that this provider and
 * the reconciler can work together, so `pulumi preview` fails early with both versions named.
 */
export async function reconcilerFor(caller: CallerContext = {}): Promise<ReconcilerClient> {
  const settings = resolveSettings();
  const client = createReconcilerClient({
    ...settings,
    client: providerIdentity(),
    origin: caller,
  });
  let handshake = handshakes.get(settings.endpoint);
  if (handshake === undefined) {
    handshake = client.handshake();
    handshakes.set(settings.endpoint, handshake);
    // A failed handshake (say, the reconciler was not up yet) is tried again next time.
    handshake.catch(() => handshakes.delete(settings.endpoint));
  }
  await handshake;
  return client;
}
