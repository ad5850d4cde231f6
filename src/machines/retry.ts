// Backoff for failed streams: a few attempts, doubling delays, a ceiling, never an endless loop.

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
  const exponent = Math.max(0, failures - 1);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
}
