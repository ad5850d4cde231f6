// Refused urls over a slow signaling link (answers arrive 600 ms late, as on a poor mobile network). Every retry
// publishes/subscribes again, and the answer's url often arrives after the retried attempt has already failed;
// the retry budget must still run out (a fresh url in `failed` once reset the budget, and retries never ended).

import type { RetryPolicy } from '../../src/core/retry';
import { describeMedia, playerState, pusherState, startMediaRig, until, type MediaRig } from './helpers';

const RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 400 };
const LATENCY_MS = 600;
/** Four attempts, three waits, and each answer's latency: well inside this once retries are bounded. */
const GIVE_UP_WITHIN_MS = 7_000;

describeMedia('refused urls over a slow signaling link', () => {
  let rig: MediaRig;
  afterEach(async () => {
    await rig?.close();
  });

  test('a refused push still gives up after maxAttempts retries', async () => {
    rig = await startMediaRig({ plane: { secret: 'not-the-signing-secret' } });
    const alice = rig.join('alice', { retry: RETRY, signalingLatencyMs: LATENCY_MS });
    await until(() => JSON.stringify(pusherState(alice)).includes('gaveUp'), 'the pusher never gave up', GIVE_UP_WITHIN_MS, () =>
      `${JSON.stringify(pusherState(alice))}: ${alice.of('STREAM_FAILED').length} failures, ${rig.planeEvents('alice', 'publish').length} refused pushes`,
    );
    expect(rig.planeEvents('alice', 'publish').length).toBe(RETRY.maxAttempts + 1);
  });

  test('a refused pull still gives up after maxAttempts retries', async () => {
    rig = await startMediaRig();
    rig.plane.refuse('pull', 'maintenance');
    rig.join('alice', { retry: RETRY });
    const bob = rig.join('bob', { retry: RETRY, signalingLatencyMs: LATENCY_MS });
    await until(() => JSON.stringify(playerState(bob, 'alice_main')).includes('gaveUp'), 'the player never gave up', GIVE_UP_WITHIN_MS + LATENCY_MS * 4, () =>
      `${JSON.stringify(playerState(bob, 'alice_main'))}: ${bob.of('STREAM_FAILED').length} failures, ${rig.planeEvents('alice', 'play').length} refused plays`,
    );
    expect(rig.planeEvents('alice', 'play').length).toBe(RETRY.maxAttempts + 1);
  });
});
