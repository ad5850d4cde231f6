// Token renewal across processes sharing Redis: a renewed userSig's expiry is kept in the session's record, so a
// resume on another process still refuses a renewal that would shorten it (USER_SIG_NOT_NEWER), and accepts a
// longer one. Two processes, bounded in time.

import { ErrorCode } from '../../src/core/errors';
import { DEV_DEFAULTS } from '../../server/config';
import { genUserSig } from '../../server/usersig';
import { startCluster, type Cluster } from './helpers/cluster';
import { describeWithRedis } from './helpers/redis';

describeWithRedis('renew-user-sig in a cluster', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster(2, { graceMs: 5_000 });
  }, 40_000);
  afterAll(async () => {
    await c?.close();
  }, 20_000);

  const sig = (userID: string, expireSec: number) => genUserSig({ sdkAppID: c.sdkAppID, secret: DEV_DEFAULTS.secret, userID, expireSec });

  test('the expiry a renewal set on one process holds on the process the session resumes on', async () => {
    const { client, result } = await c.join(0, 'alice', { roomID: 3101 }, { userSig: sig('alice', 600) });
    expect(result.userSigExpiresInMs).toBeGreaterThan(0);
    await client.ok({ type: 'renew-user-sig', userSig: sig('alice', 86_400) });
    await client.drop();
    const again = await c.connect(1, 'alice@1');
    const resumed = await again.ok<'resume'>({ type: 'resume', resumeToken: result.resumeToken, lastSeq: client.lastSeq });
    expect(resumed.sessionId).toBe(result.sessionId);
    // Longer than the first sig, shorter than the renewed one: the renewed one is what process 1 knows.
    expect((await again.fails({ type: 'renew-user-sig', userSig: sig('alice', 3_600) })).code).toBe(ErrorCode.USER_SIG_NOT_NEWER);
    expect((await again.ok({ type: 'renew-user-sig', userSig: sig('alice', 2 * 86_400) })).userSigExpiresInMs).toBeGreaterThan(86_400 * 1000);
    expect((await again.fails({ type: 'renew-user-sig', userSig: sig('bob', 3 * 86_400) })).code).toBe(ErrorCode.USER_SIG_MISMATCH);
  });
});
