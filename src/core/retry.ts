// Backoff for failed streams: a few attempts, doubling delays, a ceiling, never an endless loop; and which
// refusals are final, never retried at all.

import { ErrorCode } from './errors';
import { backoffDelayMs, backoffPolicy, type ReconnectPolicy } from './reconnect-policy';

/** How failed streams are retried: a bounded number of attempts with doubling delays. */
export interface RetryPolicy {
  /** Attempts after the first failure before giving up. */
  maxAttempts: number;
  /** Delay before the first retry. */
  baseDelayMs: number;
  /** No single wait is longer than this. */
  maxDelayMs: number;
}

/** 3 retries after the first failure, waiting 1 s, 2 s, 4 s (never more than 8 s). */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 8000 });

/** The wait before retry number `failures` (1 = after the first failure): base, 2x base, 4x base ... capped. */
export function retryDelayMs(policy: RetryPolicy, failures: number): number {
  return backoffDelayMs(policy.baseDelayMs, policy.maxDelayMs, failures);
}

/** A stream's retry settings as the {@link ReconnectPolicy} the pusher and player charts ask. */
export function streamRetryPolicy(policy: RetryPolicy): ReconnectPolicy {
  return backoffPolicy({ baseDelayMs: policy.baseDelayMs, maxDelayMs: policy.maxDelayMs, maxRetries: policy.maxAttempts });
}

/** Whether a stream that has failed `failures` times (this one included) is tried again under `policy`. */
export function streamRetries(policy: RetryPolicy, failures: number): boolean {
  return streamRetryPolicy(policy).nextRetryDelayInMs({ retryCount: failures }) !== null;
}

/**
 * Server refusals that asking again cannot change until something else does: a limit (the room's visible or silent
 * users, its capacity, the user's 8 subscriptions) frees only when someone leaves or the page gives one up; a
 * permission or a credential (publishing while silent, a userSig refused) only when the page changes it. A stream
 * refused with one is announced once, `willRetry: false`, and not asked for again by the SDK. Transient ones
 * (8004 rate limited, 8024 a stream not yet known, 8099 internal ...) keep the backoff.
 */
export const FINAL_REFUSAL_CODES: ReadonlySet<number> = new Set<number>([
  ErrorCode.VISIBLE_USER_LIMIT,
  ErrorCode.SILENT_USER_LIMIT,
  ErrorCode.ROOM_FULL,
  ErrorCode.SUBSCRIPTION_LIMIT,
  ErrorCode.PUBLISH_NOT_ALLOWED,
  ErrorCode.USER_SIG_INVALID,
  ErrorCode.USER_SIG_EXPIRED,
  ErrorCode.USER_SIG_MISMATCH,
]);

/** Whether a refusal with this code is final (see {@link FINAL_REFUSAL_CODES}): retrying it is pointless. */
export function isFinalRefusal(code: number): boolean {
  return FINAL_REFUSAL_CODES.has(code);
}
