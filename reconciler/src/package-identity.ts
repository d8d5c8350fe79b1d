/** This package's name and version, as the API's version route and the CLI's requests say it. */
import { readFileSync } from "node:fs";
import { packageIdentityOf } from "../../contract/version.ts";

let identity: string | undefined;

/** `@ccx/reconciler@<version>`. */
export function reconcilerIdentity(): string {
  identity ??= packageIdentityOf(import.meta.url, (url) => readFileSync(url, "utf8"));
  return identity;
}
