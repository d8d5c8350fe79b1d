/**
 * The public shape of the emulator: its start options and the running {@link Emulator}. Kept
 * apart from `index.ts` so the server and the control routes can name them without importing
 * the entry point that imports them.
 */
import type { EmulatorFaults } from "./faults.ts";
import type { EmulatorInspector } from "./inspector.ts";

/** Options of `startEmulator` (index.ts). */
export interface StartEmulatorOptions {
  /** Interface to listen on. Only loopback makes sense. @default "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks any free port. @default 0 */
  port?: number;
  /**
   * How long activities take. `"realistic"` follows CONTRACT §2.2 on the virtual clock
   * (≥1 s `initialized`, then 1 s + 1 s per 1,000 items `processing`); `"instant"` completes
   * every activity at the first request (or inspection) after its creation.
   * @default "realistic"
   */
  activityTiming?: "realistic" | "instant";
  /**
   * Enforce the per-`client_id` limits of CONTRACT §2.1: 4 requests per sliding second and
   * 10,000 per UTC day on `/v3`, and about 1 request per second on the token endpoint.
   * @default true
   */
  rateLimits?: boolean;
  /** Virtual clock start. @default the real current time */
  startTime?: Date;
  /**
   * When true, the virtual clock only moves through `clock.advance` / `clock.set`; otherwise it
   * also follows real time. @default false
   */
  frozenClock?: boolean;
}

/** A running emulator. Every method acts on in-memory state; nothing leaves the process. */
export interface Emulator {
  /** Base URL of the server, e.g. `"http://127.0.0.1:PORT"`. */
  readonly url: string;
  /** `${url}/v3`: the equivalent of `https://api.cc.email/v3`. */
  readonly apiBaseUrl: string;
  /** `${url}/oauth2/default/v1/token`. */
  readonly tokenUrl: string;
  /** `${url}/oauth2/default/v1/authorize`. */
  readonly authorizeUrl: string;
  /**
   * Registers an OAuth application (API key).
   * @param options.refreshTokenMode CONTRACT §5. @default "rotating"
   * @param options.redirectUris exact-match redirect URIs. @default ["http://localhost/callback"]
   */
  createApp(options?: {
    clientId?: string;
    clientSecret?: string;
    redirectUris?: string[];
    refreshTokenMode?: "rotating" | "long-lived";
  }): { clientId: string; clientSecret: string };
  /** Creates a Constant Contact account (the user who consents). */
  createAccount(options?: {
    organizationName?: string;
    contactEmail?: string;
    /** A chosen `encoded_account_id`. @default a random one */
    accountId?: string;
  }): {
    accountId: string;
  };
  /**
   * Issues tokens as if the user had consented; scopes default to
   * `contact_data offline_access account_read`. Without `offline_access` the returned
   * `refreshToken` is the empty string (CONTRACT §5). `accessToken` / `refreshToken` choose
   * the token values (for scripts that pre-seed known tokens); by default they are random.
   */
  issueTokens(
    clientId: string,
    accountId: string,
    options?: { scopes?: string[]; accessToken?: string; refreshToken?: string },
  ): { accessToken: string; refreshToken: string; expiresIn: number };
  /**
   * The virtual clock that drives activity timing, token expiry and the daily quota reset.
   * `advance` and `set` also settle activities that become due.
   */
  readonly clock: { now(): Date; advance(ms: number): void; set(date: Date): void };
  /** Fault injection (CONTRACT §6). */
  readonly faults: EmulatorFaults;
  /** Read-only views of state and the request log, for assertions. */
  readonly inspect: EmulatorInspector;
  /** Seeds a contact directly (any permission_to_send / opt_out_source / deleted state, list memberships). */
  seedContact(
    accountId: string,
    contact: {
      email: string;
      firstName?: string;
      lastName?: string;
      permission?:
        "explicit" | "implicit" | "not_set" | "pending_confirmation" | "temp_hold" | "unsubscribed";
      optOutSource?: "Contact" | "Account";
      deleted?: boolean;
      listIds?: string[];
    },
  ): { contactId: string };
  /** Seeds a contact list directly (no rate limit, no activity). */
  seedList(accountId: string, options: { name: string; description?: string }): { listId: string };
  /** Seeds a custom field directly; `name` is derived from `label` as the API does. */
  seedCustomField(
    accountId: string,
    options: { label: string; type?: string },
  ): { customFieldId: string; name: string };
  /** Stops listening, destroys open connections and resolves when the server is closed. */
  close(): Promise<void>;
}
