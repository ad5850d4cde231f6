// The one ReconnectPolicy unit and the three places that ask it: the stream retries (pusher, player), the
// websocket driver's reconnect and the room's reconnect deadline. The waits are the ones the SDK had before the
// policy existed, so the numbers here are the documented defaults.

import { backoffDelayMs, backoffPolicy, deadlinePolicy } from '../../src/core/reconnect-policy';
import { DEFAULT_RETRY_POLICY, retryDelayMs, streamRetries, streamRetryPolicy } from '../../src/core/retry';
import { signalingReconnectPolicies } from '../../src/services/signaling/websocket';

const delays = (policy: ReturnType<typeof backoffPolicy>, counts: number[], elapsedMs?: number) =>
  counts.map((retryCount) => policy.nextRetryDelayInMs({ retryCount, ...(elapsedMs !== undefined ? { elapsedMs } : {}) }));

describe('ReconnectPolicy', () => {
  test('backoff: base, 2x, 4x ... capped at the ceiling; a count of 0 waits the base', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelayMs(100, 500, n))).toEqual([100, 100, 200, 400, 500, 500]);
  });

  test('gives up (null) past the retries allowed, and past the deadline whatever the count', () => {
    const policy = backoffPolicy({ baseDelayMs: 10, maxDelayMs: 40, maxRetries: 2, deadlineMs: 1_000 });
    expect(delays(policy, [1, 2, 3, 4])).toEqual([10, 20, null, null]);
    expect(delays(policy, [1], 999)).toEqual([10]);
    expect(delays(policy, [1], 1_000)).toEqual([null]);
    expect(policy.deadlineMs).toBe(1_000);
  });

  test('without a count or a deadline it never gives up', () => {
    const policy = backoffPolicy({ baseDelayMs: 10, maxDelayMs: 40 });
    expect(delays(policy, [1, 50, 10_000], 10 ** 9)).toEqual([10, 40, 40]);
    expect(policy.deadlineMs).toBe(Infinity);
  });

  test('a deadline policy waits out the time left, then gives up', () => {
    const policy = deadlinePolicy(5_000);
    expect(policy.deadlineMs).toBe(5_000);
    expect(policy.nextRetryDelayInMs({ retryCount: 0 })).toBe(5_000);
    expect(policy.nextRetryDelayInMs({ retryCount: 3, elapsedMs: 4_000 })).toBe(1_000);
    expect(policy.nextRetryDelayInMs({ retryCount: 3, elapsedMs: 5_000 })).toBeNull();
  });

  test('streams: the default is 3 retries after the first failure, waiting 1 s, 2 s, 4 s; the 4th failure gives up', () => {
    const policy = streamRetryPolicy(DEFAULT_RETRY_POLICY);
    expect(delays(policy, [1, 2, 3, 4])).toEqual([1_000, 2_000, 4_000, null]);
    expect([1, 2, 3, 4].map((n) => streamRetries(DEFAULT_RETRY_POLICY, n))).toEqual([true, true, true, false]);
    // The charts' delay and the policy's agree for every count, a custom policy included.
    const custom = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 500 };
    for (let n = 1; n <= 5; n++) expect(streamRetryPolicy(custom).nextRetryDelayInMs({ retryCount: n })).toBe(retryDelayMs(custom, n));
  });

  test('websocket driver: 3 connect attempts by default (the 3rd failure gives up), then 0.5 s doubling up to 5 s after a drop, without end', () => {
    const { enter, reconnect } = signalingReconnectPolicies({ reconnectBaseDelayMs: 500, reconnectMaxDelayMs: 5_000, connectAttempts: 3 });
    expect(delays(enter, [1, 2, 3])).toEqual([500, 1_000, null]);
    expect(delays(reconnect, [1, 2, 3, 4, 5, 6, 100])).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
    // One attempt only: the first failure ends entering.
    expect(delays(signalingReconnectPolicies({ reconnectBaseDelayMs: 1, reconnectMaxDelayMs: 2, connectAttempts: 1 }).enter, [1])).toEqual([null]);
  });
});
