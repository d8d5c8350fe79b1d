/**
 * The port through which the core checks Constant Contact credentials when a connection is
 * created or its credentials change. The Constant Contact client (`ctct/`) implements it; tests
 * may implement it with the emulator or a small in-process implementation.
 */

/** The OAuth credentials of a connection. Secret: never logged, never returned. */
export interface ConstantContactCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface VerifiedAccount {
  /** Constant Contact's `encoded_account_id` of the account the credentials belong to. */
  accountId: string;
  /** The organisation name from the account summary. */
  organizationName: string;
  /**
   * The refresh token to keep from now on, when verifying used the refresh token and Constant
   * Contact rotated it (each use returns a new one and invalidates the old).
   */
  rotatedRefreshToken?: string;
}

export interface ConnectionVerifier {
  /**
   * Exchanges the refresh token and reads the account summary. Throws an `AppError` when the
   * credentials are rejected (not retryable) or Constant Contact cannot be reached (retryable).
   */
  verify(credentials: ConstantContactCredentials): Promise<VerifiedAccount>;
}
