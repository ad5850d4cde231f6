// One rule for "try again, and when", asked by everything that retries: the pusher and player charts after a
// failed stream, the websocket driver after a lost socket, and the room for how long it waits for its connection
// to come back. Modelled on livekit client-sdk-js's ReconnectPolicy: the caller says how far it has got, the
// policy answers with the wait before the next attempt, or null to give up. One backoff formula lives here.

/** How far a retrying caller has got. */
export interface ReconnectContext {
  /** Failed attempts so far, the one that just failed included: 1 after the first failure. */
  readonly retryCount: number;
  /** Time since the trouble began (the connection was lost), in ms, for callers that keep time. */
  readonly elapsedMs?: number;
  /** The code of the last failure, when it had one (a server refusal, a status code). */
  readonly errorCode?: number;
}

/** Decides whether and when to try again. */
export interface ReconnectPolicy {
  /** The wait before the next attempt, in ms; null means give up. */
  nextRetryDelayInMs(context: ReconnectContext): number | null;
  /** Past this much elapsed time the policy gives up whatever the count: the caller's deadline (Infinity: none). */
  readonly deadlineMs: number;
}

/** The tuning of {@link backoffPolicy}. */
export interface BackoffOptions {
  /** The wait after the first failure; each further failure doubles it. */
  baseDelayMs: number;
  /** No single wait is longer than this. */
  maxDelayMs: number;
  /** Retries allowed after the first failure; the next failure beyond them gives up. Infinity unless told. */
  maxRetries?: number;
  /** Elapsed time after which no retry is made; Infinity unless told. */
  deadlineMs?: number;
}

/** The wait before retry number `retryCount` (1 = after the first failure): base, 2x base, 4x base ... capped. */
export function backoffDelayMs(baseDelayMs: number, maxDelayMs: number, retryCount: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retryCount - 1));
}

/** Doubling waits from a base up to a ceiling, within a retry count and a deadline. */
export function backoffPolicy(options: BackoffOptions): ReconnectPolicy {
  const maxRetries = options.maxRetries ?? Infinity;
  const deadlineMs = options.deadlineMs ?? Infinity;
  return {
    deadlineMs,
    nextRetryDelayInMs: ({ retryCount, elapsedMs = 0 }) => {
      if (retryCount > maxRetries || elapsedMs >= deadlineMs) return null;
      return backoffDelayMs(options.baseDelayMs, options.maxDelayMs, retryCount);
    },
  };
}

/**
 * A policy that makes no attempts of its own and only bounds someone else's: the room waits this long for its
 * driver (or <live-pusher>) to bring the connection back, then leaves with RECONNECT_TIMEOUT.
 */
export function deadlinePolicy(deadlineMs: number): ReconnectPolicy {
  return {
    deadlineMs,
    // Until the deadline the answer is the time left; at it, give up.
    nextRetryDelayInMs: ({ elapsedMs = 0 }) => (elapsedMs >= deadlineMs ? null : deadlineMs - elapsedMs),
  };
}
