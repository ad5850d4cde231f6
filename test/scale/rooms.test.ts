// Rooms shared by several dev server processes through a real redis-server: clients spread across two and three
// processes see each other join, publish, mute and leave, in one order; kicks, admin calls, webhooks and media
// restarts work from any process; SDK participants behind a load balancer meet in one room.

import { ErrorCode } from '../../src/core/errors';
import { startReceiver, type Receiver } from '../server/helpers/receiver';
import type { TestClient } from '../server/helpers/client';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import { HeadlessRuntime } from '../../src/testing/runtime';
import type { Notification } from '../../src/core/protocol';
import { Participant } from '../helpers/participant';
import { startBalancer, type Balancer } from './helpers/balancer';
import { startCluster, type Cluster } from './helpers/cluster';
import { describeWithRedis } from './helpers/redis';
import { eventually } from '../server/helpers/wait';

/** What a client heard about others, in order, without seq (for comparing members' views). */
const story = (client: TestClient, about: (n: Notification) => boolean = () => true) =>
  client.notifications.filter(about).map((n) => {
    const { seq: _seq, v: _v, ...rest } = n;
    return rest;
  });

/** Seqs are 1..n with no gap or repeat. */
function expectGapless(client: TestClient): void {
  expect(client.notifications.map((n) => n.seq)).toEqual(client.notifications.map((_, i) => i + 1));
}

describeWithRedis('two processes started as the docs say (npm run server -- --redis-url ...)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster(0);
    await Promise.all([c.spawn({ cli: true }), c.spawn({ cli: true })]);
  }, 40_000);
  afterAll(async () => {
    await c?.close();
  }, 20_000);

  test('clients on either process see each other join, publish, mute and leave', async () => {
    const room = { roomID: 1001 };
    const { client: alice } = await c.join(0, 'alice', room);
    const { client: bob, result } = await c.join(1, 'bob', room);
    expect(result.users).toEqual(['alice']);
    await alice.waitFor('user-joined', (n) => n.userID === 'bob');

    const push = await alice.ok<'publish'>({ type: 'publish', streamType: 'main' });
    expect(push.url).toMatch(/^rtmp:\/\//);
    expect(await bob.waitFor('stream-added', (n) => n.userID === 'alice')).toMatchObject({ audio: true, video: true });
    const pull = await bob.ok<'subscribe'>({ type: 'subscribe', userID: 'alice', streamType: 'main', audio: true, video: true });
    expect(pull.url).toMatch(/^rtmp:\/\//);
    await alice.ok({ type: 'mute', audio: true, video: false });
    expect(await bob.waitFor('stream-updated', (n) => n.userID === 'alice')).toMatchObject({ audio: false, video: true });

    // Either process describes the same room.
    const views = await Promise.all([0, 1].map(async (i) => (await c.admin(i, 'GET', `/admin/rooms/${encodeURIComponent('n:1001')}`)).body));
    for (const view of views) {
      expect(view.users.map((u: { userID: string }) => u.userID).sort()).toEqual(['alice', 'bob']);
      expect(view.subscriptions).toEqual([expect.objectContaining({ subscriberID: 'bob', userID: 'alice', streamType: 'main' })]);
      expect(view.users.every((u: { connection: string }) => u.connection === 'connected')).toBe(true);
    }
    expect(new Set(views[0].users.map((u: { process: string }) => u.process)).size).toBe(2);

    await alice.ok({ type: 'leave' });
    const removed = await bob.waitFor('stream-removed', (n) => n.userID === 'alice');
    const left = await bob.waitFor('user-left', (n) => n.userID === 'alice');
    expect(left.reason).toBe('leave');
    expect(removed.seq).toBeLessThan(left.seq);
    expectGapless(bob);
    expect((await c.admin(0, 'GET', '/admin/rooms')).body.rooms).toEqual([expect.objectContaining({ key: 'n:1001', users: 1, visibleUsers: 1 })]);
  });
});

describeWithRedis('three processes', () => {
  let c: Cluster;
  let hooks: Receiver;
  beforeAll(async () => {
    hooks = await startReceiver();
    c = await startCluster(3, { graceMs: 5_000, processTtlMs: 1_000, webhookUrl: hooks.url, webhookAll: true, webhookBaseDelayMs: 50 });
  }, 40_000);
  afterEach(async () => {
    await c.closeClients();
  });
  afterAll(async () => {
    await c?.close();
    await hooks?.close();
  }, 20_000);

  test('members spread across the processes see every join, publish, mute and leave, in the same order', async () => {
    const room = { roomID: 2001 };
    const { client: a } = await c.join(0, 'a', room);
    const { client: b } = await c.join(1, 'b', room);
    const { client: d } = await c.join(2, 'd', room);
    // Every process acts: publishes on 0 and 1, mutes on 2, a watcher joins on 1, leaves on 0 and 2.
    await a.ok({ type: 'publish', streamType: 'main' });
    await b.ok({ type: 'publish', streamType: 'main' });
    await d.ok({ type: 'publish', streamType: 'aux' });
    await d.ok({ type: 'mute', audio: true, video: true });
    const { client: e } = await c.join(1, 'e', room, { visible: false, role: 'audience' });
    await b.ok({ type: 'mute', audio: false, video: true });
    await a.ok({ type: 'leave' });
    await d.ok({ type: 'leave' });
    await b.waitFor('user-left', (n) => n.userID === 'd');
    await e.waitFor('user-left', (n) => n.userID === 'd');
    for (const client of [b, e]) {
      await client.sync();
      expectGapless(client);
    }
    // What b heard about a and d is what the silent e heard about them after it joined, in the same order.
    const aboutAD = (n: Notification) => 'userID' in n && (n.userID === 'a' || n.userID === 'd');
    const bStory = story(b, aboutAD);
    const eStory = story(e, aboutAD);
    expect(bStory.slice(bStory.length - eStory.length)).toEqual(eStory);
    expect(eStory).toEqual([
      { type: 'stream-removed', userID: 'a', streamType: 'main' },
      { type: 'user-left', userID: 'a', reason: 'leave' },
      { type: 'stream-removed', userID: 'd', streamType: 'aux' },
      { type: 'user-left', userID: 'd', reason: 'leave' },
    ]);
    expect(story(b, aboutAD)).toEqual([
      { type: 'user-joined', userID: 'd' },
      { type: 'stream-added', userID: 'a', streamType: 'main', audio: true, video: true },
      { type: 'stream-added', userID: 'd', streamType: 'aux', audio: true, video: true },
      { type: 'stream-updated', userID: 'd', streamType: 'aux', audio: false, video: false },
      ...eStory,
    ]);
    // The silent watcher is nobody's news; b's mute reached e.
    expect(b.notifications.some((n) => 'userID' in n && n.userID === 'e')).toBe(false);
    expect(await e.waitFor('stream-updated', (n) => n.userID === 'b')).toMatchObject({ audio: true, video: false });
  });

  test('the same user entering on another process kicks the older session (reason kick)', async () => {
    const room = { roomID: 2002 };
    const { client: watcher } = await c.join(2, 'watcher', room);
    const { client: first, result: firstJoin } = await c.join(0, 'alice', room);
    await first.ok({ type: 'publish', streamType: 'main' });
    await watcher.waitFor('stream-added', (n) => n.userID === 'alice');
    const { client: second, result } = await c.join(1, 'alice', room);
    expect(result.users).toEqual(['watcher']);
    expect(await first.waitFor('kicked')).toMatchObject({ reason: 'kick' });
    expect((await first.closed).code).toBe(4001);
    // The room hears the old alice go (with her stream) and the new one come, in that order.
    const left = await watcher.waitFor('user-left', (n) => n.userID === 'alice');
    const joined = await watcher.waitFor('user-joined', (n) => n.userID === 'alice' && n.seq > left.seq);
    expect(left.reason).toBe('kicked');
    expect((await watcher.waitFor('stream-removed', (n) => n.userID === 'alice')).seq).toBeLessThan(left.seq);
    expect(joined.seq).toBeGreaterThan(left.seq);
    // The kicked session cannot be resumed anywhere.
    const again = await c.connect(2, 'old alice');
    expect((await again.fails({ type: 'resume', resumeToken: firstJoin.resumeToken, lastSeq: 0 })).code).toBe(ErrorCode.RESUME_REJECTED);
    expect(second.open).toBe(true);
  });

  test('admin calls on any process: remove a user held elsewhere (banned), dismiss the room (room-disband)', async () => {
    const room = { roomID: 2003 };
    const { client: a } = await c.join(0, 'a', room);
    const { client: b } = await c.join(1, 'b', room);
    const { client: d } = await c.join(2, 'd', room);
    const removed = await c.admin(2, 'POST', `/admin/rooms/${encodeURIComponent('n:2003')}/users/b/remove`);
    expect(removed).toEqual({ status: 200, body: { removed: true, roomKey: 'n:2003', userID: 'b' } });
    expect(await b.waitFor('kicked')).toMatchObject({ reason: 'banned' });
    expect((await a.waitFor('user-left', (n) => n.userID === 'b')).reason).toBe('kicked');
    expect((await d.waitFor('user-left', (n) => n.userID === 'b')).reason).toBe('kicked');
    const dismissed = await c.admin(1, 'POST', `/admin/rooms/${encodeURIComponent('n:2003')}/dismiss`);
    expect(dismissed.body).toEqual({ dismissed: true, roomKey: 'n:2003', users: 2 });
    expect(await a.waitFor('kicked')).toMatchObject({ reason: 'room-disband' });
    expect(await d.waitFor('kicked')).toMatchObject({ reason: 'room-disband' });
    expect((await c.admin(0, 'GET', `/admin/rooms/${encodeURIComponent('n:2003')}`)).status).toBe(404);
  });

  test('webhooks: each change is called back once, by the process that made it', async () => {
    const room = { strRoomID: 'hooks-once' };
    const before = hooks.deliveries.length;
    const { client: a } = await c.join(0, 'ha', room);
    const { client: b } = await c.join(1, 'hb', room);
    await b.ok({ type: 'publish', streamType: 'main' });
    await a.ok({ type: 'leave' });
    await b.ok({ type: 'leave' });
    const mine = () => hooks.deliveries.slice(before).filter((d) => d.body.room.strRoomID === 'hooks-once').map((d) => `${d.body.eventType}:${d.body.userID ?? ''}`);
    await hooks.until(() => mine().includes('room.ended:'), 'room.ended');
    // A moment for any duplicate to arrive, then count.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mine().sort()).toEqual(['room.ended:', 'room.started:', 'stream.published:hb', 'stream.unpublished:hb', 'user.joined:ha', 'user.joined:hb', 'user.left:ha', 'user.left:hb']);
  });

  test('a media restart on one process gives new urls to their holders on every process (url-updated)', async () => {
    const room = { roomID: 2005 };
    const { client: a } = await c.join(0, 'a', room);
    const { client: b } = await c.join(1, 'b', room);
    const { client: d } = await c.join(2, 'd', room);
    const push = await a.ok<'publish'>({ type: 'publish', streamType: 'main' });
    await b.waitFor('stream-added');
    const pullB = await b.ok<'subscribe'>({ type: 'subscribe', userID: 'a', streamType: 'main', audio: true, video: true });
    const pullD = await d.ok<'subscribe'>({ type: 'subscribe', userID: 'a', streamType: 'main', audio: true, video: true });
    const generation = Number(/gen=(\d+)/.exec(push.url)![1]);
    const restarted = await c.admin(2, 'POST', '/admin/media/restart');
    expect(restarted.body).toEqual({ generation: generation + 1 });
    const aUrl = await a.waitFor('url-updated', (n) => n.kind === 'publish');
    const bUrl = await b.waitFor('url-updated', (n) => n.kind === 'subscribe');
    const dUrl = await d.waitFor('url-updated', (n) => n.kind === 'subscribe');
    expect(aUrl.url).toContain(`gen=${generation + 1}`);
    expect(bUrl.url).not.toBe(pullB.url);
    expect(dUrl.url).not.toBe(pullD.url);
    expect(bUrl.url).toContain(`gen=${generation + 1}`);
    // A url minted afterwards, on any process, is of the new generation too.
    const late = await c.join(1, 'late', room);
    expect((await late.client.ok<'subscribe'>({ type: 'subscribe', userID: 'a', streamType: 'main', audio: true, video: true })).url).toContain(`gen=${generation + 1}`);
  });

  describe('SDK participants behind a load balancer', () => {
    let balancer: Balancer;
    let runtime: HeadlessRuntime;
    const participants: Participant[] = [];
    beforeAll(async () => {
      balancer = await startBalancer(() => c.processes.filter((p) => p.alive).map((p) => p.port));
      runtime = new HeadlessRuntime({ signalingUrl: balancer.wsUrl }).install();
    });
    afterAll(async () => {
      for (const p of participants) p.trtc.destroy();
      await runtime?.close();
      await balancer?.close();
    });

    test('three participants, one per process, see each other join, publish, mute and leave', async () => {
      const names = ['ann', 'ben', 'cat'];
      const ps = names.map((userID) => {
        const p = new Participant(runtime, {
          userID,
          trtc: { signaling: createWebSocketSignaling({ url: balancer.wsUrl, platform: 'ios', reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 200 }), exitTimeoutMs: 1_000 },
        });
        participants.push(p);
        p.enter({ sdkAppID: c.sdkAppID, userSig: c.userSig(userID), roomID: 2010 });
        return p;
      });
      for (const p of ps) await p.waitFor('LOCAL_JOIN');
      // The balancer spread them: each is held by a different process.
      const view = await eventually(async () => {
        const body = (await c.admin(0, 'GET', `/admin/rooms/${encodeURIComponent('n:2010')}`)).body;
        return body.users?.length === 3 ? body : null;
      }, 'all three in the room');
      expect(new Set(view.users.map((u: { process: string }) => u.process)).size).toBe(3);
      for (const p of ps) {
        const others = names.filter((n) => n !== p.userID);
        await p.waitUntil(() => others.every((o) => p.of('REMOTE_USER_JOIN').some((e) => e.data.userID === o) || p.trtc.actor.getSnapshot().context.users.includes(o)), `${p.userID} did not see everyone`);
        await p.waitUntil(() => others.every((o) => p.of('STREAM_ADDED').some((e) => e.data.userID === o)), `${p.userID} did not see every stream`);
        for (const o of others) await p.waitFor('UPDATE_URL', (d) => !d.local && d.userID === o);
      }
      const [ann, ben, cat] = ps as [Participant, Participant, Participant];
      ann.page.setData({ pusher: ann.trtc.muteLocal({ audio: true }) });
      await ben.waitFor('MUTE_AUDIO', (d) => d.userID === 'ann');
      await cat.waitFor('MUTE_AUDIO', (d) => d.userID === 'ann');
      cat.exit();
      await cat.waitFor('LOCAL_LEAVE');
      await ann.waitFor('REMOTE_USER_LEAVE', (d) => d.userID === 'cat');
      await ben.waitFor('REMOTE_USER_LEAVE', (d) => d.userID === 'cat');
      expect(ann.trtc.getPlayerList().map((pl) => pl.id)).toEqual(['ben_main']);
    }, 30_000);
  });
});
