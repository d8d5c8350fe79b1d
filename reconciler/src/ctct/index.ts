/** The Constant Contact V3 client of ccx: its public surface. */
export { createCtctClient, CtctClient } from "./client.ts";
export type { CtctClientOptions } from "./client.ts";
export type { AccountSummary } from "./account.ts";
export type { ActivityResource, CompletedActivity, WaitOptions } from "./activities.ts";
export type { ActivityBatchOptions } from "./activity-batch.ts";
export type { ListExportOptions } from "./contact-exports.ts";
export type {
  ActivityTotals,
  ContactInclude,
  ImportOptions,
  ListMember,
  ListMembersOptions,
  PermissionToSend,
} from "./contacts.ts";
export type { CustomField } from "./custom-fields.ts";
export {
  DEFAULT_API_BASE_URL,
  DEFAULT_AUTHORIZE_URL,
  DEFAULT_TOKEN_URL,
  resolveHref,
} from "./endpoints.ts";
export {
  CtctActivityError,
  CtctActivityWaitTimeoutError,
  CtctApiError,
  CtctImportTruncatedError,
  CtctQuotaExceededError,
  CtctReauthorizationNeededError,
  parseErrorBody,
} from "./errors.ts";
export type { CtctErrorCode, UnsuccessfulActivityState } from "./errors.ts";
export { chunkImportBodies, MAX_IMPORT_LIST_IDS, toImportItem } from "./import-chunker.ts";
export type { ImportChunk, ImportChunkLimits, ImportContact } from "./import-chunker.ts";
export type { ContactList, ContactListInput } from "./lists.ts";
export {
  buildAuthorizeUrl,
  DEFAULT_SCOPES,
  exchangeAuthorizationCode,
  refreshAccessToken,
} from "./oauth.ts";
export type { OAuthApp, TokenGrant } from "./oauth.ts";
export { RateLimiter, sharedRateLimiter } from "./rate-limiter.ts";
export type { BudgetReservation, RateLimiterOptions } from "./rate-limiter.ts";
export { estimateRequests, MEMBER_PAGE_SIZE, REMOVE_CHUNK_SIZE } from "./request-estimator.ts";
export type { RequestEstimate, RequestEstimateInput } from "./request-estimator.ts";
export { backoffDelay, decideRetry, resolveRetryPolicy } from "./retry-policy.ts";
export type { RetryPolicy, RetryPolicyOptions } from "./retry-policy.ts";
export { sharedTokenRefresher, TokenRefresher } from "./token-refresher.ts";
export type { TokenRefresherOptions } from "./token-refresher.ts";
export { InMemoryTokenStore } from "./token-store.ts";
export type { ConnectionTokens, TokenStore } from "./token-store.ts";
