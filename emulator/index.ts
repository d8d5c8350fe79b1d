/**
 * The Constant Contact V3 emulator: a stateful HTTP server that behaves like the real API as
 * described in `CONTRACT.md` (OAuth2, lists, contacts, activities, custom fields), with a
 * virtual clock, fault injection and inspection for tests.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ activityTiming: "instant" });
 * const { clientId } = emulator.createApp();
 * const { accountId } = emulator.createAccount();
 * const { accessToken } = emulator.issueTokens(clientId, accountId);
 * // … call `${emulator.apiBaseUrl}/contact_lists` with `Authorization: Bearer ${accessToken}`
 * await emulator.close();
 * ```
 */
import { startEmulatorServer } from "./server.ts";
import type { Emulator, StartEmulatorOptions } from "./types.ts";

export type { Emulator, StartEmulatorOptions } from "./types.ts";
export type { EmulatorFaults, ActivityOutcomeFault, RouteFaultOptions } from "./faults.ts";
export type { EmulatorInspector, InspectedContact, InspectedActivity } from "./inspector.ts";

/** Starts an emulator listening on `host:port` and resolves once it accepts connections. */
export function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  return startEmulatorServer(options);
}
