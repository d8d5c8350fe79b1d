/**
 * Consent as data: who agreed to which data-privacy statement, when, and for which Constant
 * Contact account. A consent covers one account; when new credentials belong to another account,
 * the caller must agree again by naming that account in `consent.accountId`.
 */
import { ConflictError, ValidationError } from "./errors.ts";

export interface ConsentInput {
  accepted: true;
  statementVersion: string;
  acceptedBy: string;
  accountId?: string | undefined;
}

export interface RecordedConsent {
  accepted: true;
  statementVersion: string;
  acceptedBy: string;
  /** ISO 8601, set by the server. */
  acceptedAt: string;
  accountId: string;
}

export interface ConsentDecision {
  consent: RecordedConsent;
  /** True when this is a new agreement to record in the audit log. */
  isNew: boolean;
}

/**
 * Decides the consent record of a connection after a PUT.
 * @param previous the recorded consent, if the connection exists
 * @param requested the consent in the request
 * @param accountId the account the (verified) credentials belong to
 * @param now the time to record for a new agreement
 */
export function decideConsent(
  previous: RecordedConsent | undefined,
  requested: ConsentInput,
  accountId: string,
  now: Date,
): ConsentDecision {
  if (requested.accountId !== undefined && requested.accountId !== accountId) {
    throw new ValidationError(
      `consent.accountId is '${requested.accountId}' but the credentials belong to Constant ` +
        `Contact account '${accountId}'; agree for the account the credentials belong to`,
      { details: { field: "consent.accountId", accountId } },
    );
  }
  if (
    previous !== undefined &&
    previous.accountId !== accountId &&
    requested.accountId !== accountId
  ) {
    throw new ConflictError(
      "CONSENT_RENEWAL_REQUIRED",
      `the new credentials belong to Constant Contact account '${accountId}', not '${previous.accountId}' ` +
        `that consent was given for; agree again for the new account by setting ` +
        `consent.accountId to '${accountId}'`,
      { details: { previousAccountId: previous.accountId, accountId } },
    );
  }
  const unchanged =
    previous !== undefined &&
    previous.accountId === accountId &&
    previous.statementVersion === requested.statementVersion &&
    previous.acceptedBy === requested.acceptedBy;
  if (unchanged) return { consent: previous, isNew: false };
  return {
    consent: {
      accepted: true,
      statementVersion: requested.statementVersion,
      acceptedBy: requested.acceptedBy,
      acceptedAt: now.toISOString(),
      accountId,
    },
    isNew: true,
  };
}
