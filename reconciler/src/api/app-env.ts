/** The request context every route handler sees. */
import type { Logger } from "pino";
import type { ConnectionVerifier } from "../core/connection-verifier.ts";
import type { Role } from "../core/permissions.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import type { SourcePolicy } from "../sources/source-policy.ts";
import type { Store } from "../store/store.ts";

/** The authenticated caller: the token's name and role, never the token. */
export interface Principal {
  name: string;
  role: Role;
}

/** The Pulumi stack and update a request comes from (headers `x-ccx-stack`, `x-ccx-update-id`). */
export interface RequestOrigin {
  stack?: string;
  updateId?: string;
}

export interface AppDependencies {
  store: Store;
  verifier: ConnectionVerifier;
  secretBox: SecretBox;
  logger: Logger;
  /** SHA-256 (hex) of the bootstrap admin token from config; the token itself is not kept. */
  bootstrapAdminTokenHash?: string | undefined;
  /** Largest accepted request body, in bytes. @default 1048576 (1 MiB) */
  bodyLimitBytes?: number;
  /**
   * What segment sources may point at (`sources` in the configuration). @default no roots and no
   * storage accounts: files and azure-blob sources are refused
   */
  sourcePolicy?: SourcePolicy | undefined;
  /** The clock; tests may pass a fixed one. @default () => new Date() */
  now?: () => Date;
}

export interface AppEnv {
  Variables: {
    principal: Principal;
    origin: RequestOrigin;
  };
}
