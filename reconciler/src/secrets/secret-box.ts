/**
 * Encryption of secrets at rest (Constant Contact credentials): AES-256-GCM under a 32-byte key
 * from config. Every ciphertext names the id of its key, so keys can rotate: new secrets use the
 * active key, old ones stay readable while their key is still configured.
 *
 * Format: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). The caller passes an
 * associated-data string (e.g. `connection:<name>`) that is authenticated but not stored, so a
 * ciphertext copied to another row does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { AppError } from "../core/errors.ts";

export interface SecretKeyring {
  /** Id of the key that encrypts new secrets. */
  activeKeyId: string;
  /** Every usable key by id: 32 bytes each. */
  keys: ReadonlyMap<string, Uint8Array>;
}

export interface SealedSecret {
  keyId: string;
  ciphertext: string;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IV_BYTES = 12;

export class SecretBox {
  readonly #keyring: SecretKeyring;

  constructor(keyring: SecretKeyring) {
    for (const [id, key] of keyring.keys) {
      if (!KEY_ID.test(id)) {
        throw new AppError("CONFIG_INVALID", `encryption key id '${id}' must match ${KEY_ID}`);
      }
      if (key.length !== 32) {
        throw new AppError(
          "CONFIG_INVALID",
          `encryption key '${id}' has ${key.length} bytes; AES-256 needs exactly 32 ` +
            "(generate one with `openssl rand -base64 32`)",
        );
      }
    }
    if (!keyring.keys.has(keyring.activeKeyId)) {
      throw new AppError(
        "CONFIG_INVALID",
        `the active encryption key '${keyring.activeKeyId}' is not among the configured keys`,
      );
    }
    this.#keyring = keyring;
  }

  get activeKeyId(): string {
    return this.#keyring.activeKeyId;
  }

  /** Encrypts `plaintext` under the active key, bound to `associatedData`. */
  seal(plaintext: string, associatedData: string): SealedSecret {
    const keyId = this.#keyring.activeKeyId;
    const key = this.#key(keyId);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(associatedData, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    const parts = [iv, tag, body].map((part) => part.toString("base64url"));
    return { keyId, ciphertext: ["v1", keyId, ...parts].join(".") };
  }

  /** Decrypts what {@link seal} produced with the same associated data. */
  open(ciphertext: string, associatedData: string): string {
    const [version, keyId, iv, tag, body, ...rest] = ciphertext.split(".");
    if (
      version !== "v1" ||
      keyId === undefined ||
      iv === undefined ||
      tag === undefined ||
      body === undefined ||
      rest.length > 0
    ) {
      throw new AppError("SECRET_UNREADABLE", "a stored secret is not in the v1 format");
    }
    const decipher = createDecipheriv(
      "aes-256-gcm",
      this.#key(keyId),
      Buffer.from(iv, "base64url"),
    );
    decipher.setAAD(Buffer.from(associatedData, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    try {
      return Buffer.concat([
        decipher.update(Buffer.from(body, "base64url")),
        decipher.final(),
      ]).toString("utf8");
    } catch (error) {
      throw new AppError(
        "SECRET_UNREADABLE",
        `a stored secret failed authentication under key '${keyId}'; the key is wrong or the ` +
          "data was altered",
        { cause: error },
      );
    }
  }

  /** True when `ciphertext` was sealed with a key other than the active one. */
  needsRotation(ciphertext: string): boolean {
    return ciphertext.split(".")[1] !== this.#keyring.activeKeyId;
  }

  #key(keyId: string): Uint8Array {
    const key = this.#keyring.keys.get(keyId);
    if (key === undefined) {
      throw new AppError(
        "SECRET_KEY_UNKNOWN",
        `a stored secret was encrypted with key '${keyId}', which is not configured; add it to ` +
          "secrets.keys (keep old keys until every secret was re-encrypted)",
        { details: { keyId } },
      );
    }
    return key;
  }
}
