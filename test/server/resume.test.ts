// Sessions outliving their socket: resume within the grace period (missed notifications, same membership,
// new urls after a media restart), expiry after it (others see user-left 'timeout'), the heartbeat watchdog,
// and the cases a resume must refuse.

import { ErrorCode } from '../../src/core/errors';
import { CLOSE_SUPERSEDED } from '../../server/rooms';
import type { TestClient } from './helpers/client';
import { startHarness, type Harness } from './helpers/server';
import { eventually } from './helpers/wait';

/** Wait until the server has noticed a dropped socket and holds the session in its grace period. */
async function inGrace(h: Harness, roomKey: string, userID: string): Promise<void> {
  await eventually(async () => {
    const detail = (await h.admin('GET', `/admin/rooms/${encodeURIComponent(roomKey)}`)).body;
    return detail.users?.some((u: { userID: string; connection: string }) => u.userID === userID && u.connection === 'grace');
  }, `${userID} in grace`);
}

describe('within the grace period', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ graceMs: 10_000, resumeBufferSize: 8 });
  });
  afterEach(async () => {
    await h.closeClients();
  });
  afterAll(async () => {
    await h.close();
  });

  test('a resume restores the session with what it missed and the urls of the new media generation', async () => {
    const room = { roomID: 5001 };
    const { client: alice } = await h.join('alice', room);
    const alicePush = await alice.ok<'publish'>({ type: 'publish', streamType: 'main' });
    const { client: bob, result: bobJoin } = await h.join('bob', room);
    const pull = await bob.ok<'subscribe'>({ type: 'subscribe', userID: 'alice', streamType: 'main', audio: true, video: true });
    await bob.sync();
    const lastSeq = bob.lastSeq;

    await bob.drop();
    await inGrace(h, 'n:5001', 'bob');

    // While bob is away: someone joins, alice mutes, the media server restarts.
    const { client: carol } = await h.join('carol', room);
    await alice.ok({ type: 'mute', audio: true, video: false });
    expect((await h.admin('POST', '/admin/media/restart')).body).toEqual({ generation: 2 });
    const aliceUrl = await alice.waitFor('url-updated', (n) => n.kind === 'publish');
    expect(aliceUrl.url).not.toBe(alicePush.url);
    expect(aliceUrl.url).toContain('gen=2');

    const bob2 = await h.connect('bob again');
    const resumed = await bob2.ok<'resume'>({ type: 'resume', resumeToken: bobJoin.resumeToken, lastSeq });
    expect(resumed.sessionId).toBe(bobJoin.sessionId);
    expect(resumed.resumeToken).not.toBe(bobJoin.resumeToken);
    expect(resumed.users.sort()).toEqual(['alice', 'carol']);
    expect(resumed.streams).toEqual([{ userID: 'alice', streamType: 'main', audio: false, video: true }]);
    expect(resumed.publishUrl).toBeNull();
    expect(resumed.subscriptions).toHaveLength(1);
    expect(resumed.subscriptions[0]).toMatchObject({ userID: 'alice', streamType: 'main' });
    expect(resumed.subscriptions[0]!.url).not.toBe(pull.url);
    expect(resumed.subscriptions[0]!.url).toContain('gen=2');
    expect(resumed.missed.map((n) => n.type)).toEqual(['user-joined', 'stream-updated', 'url-updated']);
    expect(resumed.missed.map((n) => n.seq)).toEqual([lastSeq + 1, lastSeq + 2, lastSeq + 3]);
    expect(resumed.missed[2]).toMatchObject({ kind: 'subscribe', userID: 'alice', streamType: 'main', url: resumed.subscriptions[0]!.url });

    // Nobody saw bob leave; later notifications continue the sequence on the new socket.
    await alice.sync();
    await carol.sync();
    expect(alice.of('user-left')).toEqual([]);
    await alice.ok({ type: 'mute', audio: false, video: false });
    const next = await bob2.waitFor('stream-updated');
    expect(next.seq).toBe(lastSeq + 4);

    // The old token is spent.
    const stale = await h.connect('stale');
    expect((await stale.fails({ type: 'resume', resumeToken: bobJoin.resumeToken, lastSeq: 0 })).code).toBe(ErrorCode.RESUME_REJECTED);
  });

  test('a resume with lastSeq 0 replays everything still buffered; the client deduplicates by seq', async () => {
    const room = { roomID: 5002 };
    const { client: a } = await h.join('a', room);
    const { client: b, result } = await h.join('b', room);
    await a.ok({ type: 'publish', streamType: 'main' });
    await b.waitFor('stream-added');
    await b.drop();
    await inGrace(h, 'n:5002', 'b');
    const b2 = await h.connect('b again');
    const resumed = await b2.ok<'resume'>({ type: 'resume', resumeToken: result.resumeToken, lastSeq: 0 });
    expect(resumed.missed.map((n) => n.type)).toEqual(['stream-added']);
  });

  test('resuming while the old socket is still open moves the session and closes the old socket', async () => {
    const room = { roomID: 5003 };
    const { client: a } = await h.join('a', room);
    const { client: old, result } = await h.join('b', room);
    const fresh = await h.connect('b fresh');
    await fresh.ok({ type: 'resume', resumeToken: result.resumeToken, lastSeq: 0 });
    expect((await old.closed).code).toBe(CLOSE_SUPERSEDED);
    await a.ok({ type: 'publish', streamType: 'main' });
    await fresh.waitFor('stream-added');
    await a.sync();
    expect(a.of('user-left')).toEqual([]);
    // The closed socket's end does not start a grace period for the moved session.
    const detail = (await h.admin('GET', '/admin/rooms/n:5003')).body;
    expect(detail.users.find((u: { userID: string }) => u.userID === 'b').connection).toBe('connected');
  });

  test('resumes that cannot be honoured are rejected with RESUME_REJECTED', async () => {
    const client = await h.connect('nobody');
    expect((await client.fails({ type: 'resume', resumeToken: 'no-such-token-at-all', lastSeq: 0 })).code).toBe(ErrorCode.RESUME_REJECTED);

    const room = { roomID: 5004 };
    const { client: a } = await h.join('a', room);
    await a.ok({ type: 'publish', streamType: 'main' });
    const { client: b, result } = await h.join('b', room);
    await b.drop();
    await inGrace(h, 'n:5004', 'b');
    // A seq the session never sent.
    const b2 = await h.connect('b2');
    expect((await b2.fails({ type: 'resume', resumeToken: result.resumeToken, lastSeq: 1000 })).code).toBe(ErrorCode.RESUME_REJECTED);
    // More missed than the buffer holds (8): the client must join again.
    for (let i = 0; i < 10; i++) await a.ok({ type: 'mute', audio: i % 2 === 0, video: false });
    expect((await b2.fails({ type: 'resume', resumeToken: result.resumeToken, lastSeq: 0 })).code).toBe(ErrorCode.RESUME_REJECTED);
    // Joining again replaces the session that could not be resumed.
    await b2.ok(h.joinRequest('b', room));
  });
});

describe('after the grace period', () => {
  let h: Harness;
  let keepAlive: NodeJS.Timeout[] = [];
  beforeAll(async () => {
    h = await startHarness({ graceMs: 150, heartbeatIntervalMs: 300 });
  });
  afterEach(async () => {
    for (const timer of keepAlive) clearInterval(timer);
    keepAlive = [];
    await h.closeClients();
  });
  afterAll(async () => {
    await h.close();
  });

  /** The heartbeat is short here: clients that must stay ping like the SDK does. */
  function heartbeat(client: TestClient): void {
    keepAlive.push(setInterval(() => void client.request({ type: 'ping' }).catch(() => undefined), 60));
  }

  test('the user leaves with reason timeout and its streams go; the token is dead', async () => {
    const room = { roomID: 6001 };
    const { client: a } = await h.join('a', room);
    heartbeat(a);
    const { client: b, result } = await h.join('b', room);
    heartbeat(b);
    await b.ok({ type: 'publish', streamType: 'main' });
    await a.waitFor('stream-added', (n) => n.userID === 'b');
    await b.drop();
    const removed = await a.waitFor('stream-removed', (n) => n.userID === 'b');
    const left = await a.waitFor('user-left', (n) => n.userID === 'b');
    expect(left.reason).toBe('timeout');
    expect(removed.seq).toBeLessThan(left.seq);
    const late = await h.connect('late');
    expect((await late.fails({ type: 'resume', resumeToken: result.resumeToken, lastSeq: 0 })).code).toBe(ErrorCode.RESUME_REJECTED);
  });

  test('a client silent for 3 heartbeat intervals is dropped, then times out', async () => {
    const room = { roomID: 6002 };
    const { client: a } = await h.join('a', room);
    heartbeat(a);
    const { client: quiet } = await h.join('quiet', room);
    // No pings from `quiet`: the server cuts it (no close frame, as for a dead peer).
    expect((await quiet.closed).code).toBe(1006);
    expect((await a.waitFor('user-left', (n) => n.userID === 'quiet')).reason).toBe('timeout');
    expect(a.open).toBe(true);
  });
});

describe('edges of the grace period and of the resume buffer', () => {
  const GRACE_MS = 600;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ graceMs: GRACE_MS, resumeBufferSize: 8 });
  });
  afterEach(async () => {
    await h.closeClients();
  });
  afterAll(async () => {
    await h.close();
  });

  test('drop, resume, drop again: the second grace period is a full one (the first timer is gone)', async () => {
    const room = { roomID: 6101 };
    const { client: a } = await h.join('a', room);
    const { client: b, result } = await h.join('b', room);
    await b.drop();
    await inGrace(h, 'n:6101', 'b');
    // Half way through the first grace period, b comes back, then drops again.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS / 2));
    const b2 = await h.connect('b again');
    const resumed = await b2.ok<'resume'>({ type: 'resume', resumeToken: result.resumeToken, lastSeq: b.lastSeq });
    await b2.drop();
    const secondDrop = Date.now();
    await inGrace(h, 'n:6101', 'b');
    // A stale first timer would end the session GRACE_MS after the first drop, about GRACE_MS / 2 from now.
    const left = await a.waitFor('user-left', (n) => n.userID === 'b', 5_000);
    const leftAt = Date.now();
    expect(left.reason).toBe('timeout');
    expect(leftAt - secondDrop).toBeGreaterThanOrEqual(GRACE_MS - 10);
    const late = await h.connect('late');
    expect((await late.fails({ type: 'resume', resumeToken: resumed.resumeToken, lastSeq: 0 })).code).toBe(ErrorCode.RESUME_REJECTED);
  });

  test('exactly resumeBufferSize missed notifications are all replayed; one more is refused', async () => {
    const run = async (roomID: number, missedCount: number) => {
      const room = { roomID };
      const { client: a } = await h.join('a', room);
      await a.ok({ type: 'publish', streamType: 'main' });
      const { client: b, result } = await h.join('b', room);
      await b.sync();
      const lastSeq = b.lastSeq;
      await b.drop();
      await inGrace(h, `n:${roomID}`, 'b');
      // Each mute flips audio: one stream-updated for b per call.
      for (let i = 0; i < missedCount; i++) await a.ok({ type: 'mute', audio: i % 2 === 0, video: false });
      const b2 = await h.connect('b again');
      return { b2, result, lastSeq, response: await b2.request({ type: 'resume', resumeToken: result.resumeToken, lastSeq }) };
    };
    const full = await run(6102, 8);
    expect(full.response.ok).toBe(true);
    const missed = (full.response as { result: { missed: Array<{ type: string; seq: number }> } }).result.missed;
    expect(missed.map((n) => n.type)).toEqual(Array(8).fill('stream-updated'));
    expect(missed.map((n) => n.seq)).toEqual(Array.from({ length: 8 }, (_, i) => full.lastSeq + 1 + i));
    const over = await run(6103, 9);
    expect(over.response).toMatchObject({ ok: false, error: { code: ErrorCode.RESUME_REJECTED } });
  });
});
