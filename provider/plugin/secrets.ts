/**
 * Secret values on the wire. The plugin tells the engine it accepts secrets, so a secret input
 * arrives wrapped as `{ <sig>: <secret marker>, value }`. The behaviours work on plain values; the
 * shell unwraps what comes in and wraps the properties that must stay secret in what it hands
 * back, so the state keeps them encrypted.
 */

/** Pulumi's special-signature key, and the value that marks a secret. */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

type Wrapped = { [SIG]: typeof SECRET; value: unknown };

function isWrappedSecret(value: unknown): value is Wrapped {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as Record<string, unknown>)[SIG] === SECRET
  );
}

/** `value` with every secret wrapper removed, at any depth. */
export function revealSecrets<T>(value: T): T {
  if (isWrappedSecret(value)) return revealSecrets(value.value) as T;
  if (Array.isArray(value)) return value.map(revealSecrets) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, revealSecrets(item)]),
    ) as T;
  }
  return value;
}

/** True when `value` is, or holds, a secret. */
export function holdsSecret(value: unknown): boolean {
  if (isWrappedSecret(value)) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsSecret);
  return false;
}

/** The top-level keys of `properties` that are, or hold, a secret. */
export function secretKeysOf(properties: Record<string, unknown>): string[] {
  return Object.keys(properties).filter((key) => holdsSecret(properties[key]));
}

/** `properties` with each of `keys` that is present wrapped as a (whole) secret. */
export function concealKeys(
  properties: Record<string, unknown>,
  keys: Iterable<string>,
): Record<string, unknown> {
  const concealed = { ...properties };
  for (const key of keys) {
    const value = concealed[key];
    if (value !== undefined) concealed[key] = { [SIG]: SECRET, value: revealSecrets(value) };
  }
  return concealed;
}
