// A server process dies (SIGKILL: no goodbye, nothing flushed) while it holds sessions: its clients resume on
// a surviving process with nothing lost (membership, streams, subscriptions, the notifications they missed,
// new urls where the media generation changed), and a client that never comes back is ended exactly once,
// by whichever survivor's sweep gets there first. Also the room limits under concurrent joins spread across
// processes: the Lua scripts admit exactly as many as the limit, whichever process each join reached. And
// Redis cutting every pub/sub connection: what was published meanwhile is read back from the room's log.

import { ErrorCode } from '../../src/core/errors';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { Participant } from '../helpers/participant';
import { startReceiver, type Receiver } from '../server/helpers/receiver';
import { startBalancer, type Balancer } from './helpers/balancer';
import { startCluster, type Cluster } from './helpers/cluster';
import { describeWithRedis } from './helpers/redis';
import { eventually } from '../server/helpers/wait';

const GRACE_MS = 2_500;
const PROCESS_TTL_MS = 600;

describeWithRedis('a process killed with SIGKILL', () => {
  let c: Cluster;
  let hooks: Receiver;
  beforeAll(async () => {
    hooks = await startReceiver();
    c = await startCluster(3, { graceMs: GRACE_MS, processTtlMs: PROCESS_TTL_MS, webhookUrl: hooks.url, webhookAll: true, webhookBaseDelayMs: 50 });
  }, 40_000);
  afterAll(async () => {
    await c?.close();
    await hooks?.close();
  }, 20_000);

  test('its clients resume on another process with their state, what they missed and new urls; the one that never returns leaves once', async () => {
    const room = { roomID: 3001 };
    // alice and carol on the process about to die; bob and dave elsewhere.
    const { client: alice, result: aliceJoin } = await c.join(0, 'alice', room);
    const { client: carol } = await c.join(0, 'carol', room);
    const { client: bob } = await c.join(1, 'bob', room);
    const { client: dave } = await c.join(2, 'dave', room);
    const push = await alice.ok<'publish'>({ type: 'publish', streamType: 'main' });
    await bob.ok({ type: 'publish', streamType: 'main' });
    await alice.waitFor('stream-added', (n) => n.userID === 'bob');
    const pull = await alice.ok<'subscribe'>({ type: 'subscribe', userID: 'bob', streamType: 'main', audio: true, video: true });
    await bob.waitFor('stream-added', (n) => n.userID === 'alice');
    await bob.ok({ type: 'subscribe', userID: 'alice', streamType: 'main', audio: true, video: true });
    await alice.sync();
    const aliceLastSeq = alice.lastSeq;
    const carolBefore = carol.notifications.length;

    await c.kill(0);
    await Promise.all([alice.closed, carol.closed]);

    // While alice is away the room goes on: bob mutes his camera, a media restart makes every url stale.
    await bob.ok({ type: 'mute', audio: false, video: true });
    const restarted = await c.admin(2, 'POST', '/admin/media/restart');
    const generation = Number(/gen=(\d+)/.exec(push.url)![1]);
    expect(restarted.body).toEqual({ generation: generation + 1 });

    // alice resumes on process 1 (as her SDK would through a load balancer).
    const alice2 = await c.connect(1, 'alice@1');
    const resumed = await alice2.ok<'resume'>({ type: 'resume', resumeToken: aliceJoin.resumeToken, lastSeq: aliceLastSeq });
    expect(resumed.sessionId).toBe(aliceJoin.sessionId);
    expect(resumed.users.sort()).toEqual(['bob', 'carol', 'dave']);
    // Her own stream is not news to her; bob's is, with the camera he turned off while she was away.
    expect(resumed.streams).toEqual([{ userID: 'bob', streamType: 'main', audio: true, video: false }]);
    expect(resumed.publishUrl).toContain(`gen=${generation + 1}`);
    expect(resumed.publishUrl).not.toBe(push.url);
    expect(resumed.subscriptions).toEqual([{ userID: 'bob', streamType: 'main', url: expect.stringContaining(`gen=${generation + 1}`) }]);
    expect(resumed.subscriptions[0]!.url).not.toBe(pull.url);
    // What she missed, numbered on from where she was, nothing twice, nothing skipped.
    expect(resumed.missed.map((n) => n.seq)).toEqual(resumed.missed.map((_, i) => aliceLastSeq + i + 1));
    expect(resumed.missed[0]).toMatchObject({ type: 'stream-updated', userID: 'bob', streamType: 'main', audio: true, video: false });
    // ...and she is live again: a change after the resume reaches her on the new process.
    await dave.ok({ type: 'publish', streamType: 'main' });
    const added = await alice2.waitFor('stream-added', (n) => n.userID === 'dave');
    expect(added.seq).toBe(resumed.missed.at(-1)!.seq + 1);

    // Nobody heard alice leave; carol, who never came back, leaves once, as a timeout, after the grace period.
    const carolLeft = await bob.waitFor('user-left', (n) => n.userID === 'carol', PROCESS_TTL_MS + GRACE_MS + 5_000);
    expect(carolLeft.reason).toBe('timeout');
    await dave.waitFor('user-left', (n) => n.userID === 'carol');
    await alice2.waitFor('user-left', (n) => n.userID === 'carol');
    for (const client of [bob, dave, alice2]) {
      await client.sync();
      expect(client.of('user-left').filter((n) => n.userID === 'carol')).toHaveLength(1);
      expect(client.notifications.some((n) => n.type === 'user-left' && n.userID === 'alice')).toBe(false);
      expect(client.notifications.some((n) => n.type === 'stream-removed' && n.userID === 'alice')).toBe(false);
    }
    expect(carol.notifications.length).toBe(carolBefore);
    // The webhook said so once too, and carol's session cannot be resumed any more.
    const carolHooks = () => hooks.deliveries.filter((d) => d.body.room.roomID === 3001 && d.body.userID === 'carol' && d.body.eventType === 'user.left');
    await hooks.until(() => carolHooks().length > 0, 'user.left carol');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(carolHooks()).toHaveLength(1);
    expect(hooks.deliveries.filter((d) => d.body.room.roomID === 3001 && d.body.userID === 'alice' && d.body.eventType === 'user.left')).toHaveLength(0);

    // The survivors describe the same room, with alice held by process 1 now.
    const view = (await c.admin(2, 'GET', `/admin/rooms/${encodeURIComponent('n:3001')}`)).body;
    expect(view.users.map((u: { userID: string }) => u.userID).sort()).toEqual(['alice', 'bob', 'dave']);
    expect(view.users.find((u: { userID: string }) => u.userID === 'alice').process).toBe(c.processes[1]!.processId);
    expect(view.subscriptions).toEqual(
      expect.arrayContaining([expect.objectContaining({ subscriberID: 'alice', userID: 'bob' }), expect.objectContaining({ subscriberID: 'bob', userID: 'alice' })]),
    );
  }, 30_000);
});

describeWithRedis('a process stopped with SIGTERM', () => {
  const LONG_TTL_MS = 60_000;
  let c: Cluster;
  beforeAll(async () => {
    // A heartbeat so long that only the handover can explain a quick timeout.
    c = await startCluster(2, { graceMs: 800, processTtlMs: LONG_TTL_MS });
  }, 40_000);
  afterAll(async () => {
    await c?.close();
  }, 20_000);

  test('hands its sessions over at once: one resumes elsewhere, the other times out after the grace period alone', async () => {
    const room = { roomID: 3301 };
    const { client: alice, result: aliceJoin } = await c.join(0, 'alice', room);
    const { client: carol } = await c.join(0, 'carol', room);
    const { client: bob } = await c.join(1, 'bob', room);
    await alice.waitFor('user-joined', (n) => n.userID === 'bob');
    await c.kill(0, 'SIGTERM');
    expect(await c.processes[0]!.exited).toBe(0);
    await Promise.all([alice.closed, carol.closed]);

    const alice2 = await c.connect(1, 'alice@1');
    const resumed = await alice2.ok<'resume'>({ type: 'resume', resumeToken: aliceJoin.resumeToken, lastSeq: alice.lastSeq });
    expect(resumed.users.sort()).toEqual(['bob', 'carol']);
    // Within 10 s: long before a survivor could have noticed a missing heartbeat (60 s).
    const left = await bob.waitFor('user-left', (n) => n.userID === 'carol', 10_000);
    expect(left.reason).toBe('timeout');
    await alice2.waitFor('user-left', (n) => n.userID === 'carol');
    expect(bob.notifications.some((n) => n.type === 'user-left' && n.userID === 'alice')).toBe(false);
  }, 30_000);
});

describeWithRedis('Redis drops the processes\' pub/sub connections', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster(3);
  }, 40_000);
  afterAll(async () => {
    await c?.close();
  }, 20_000);

  test('what was published while they reconnected is read back from the room\'s log: nothing lost, nothing twice', async () => {
    const room = { roomID: 3201 };
    const { client: a } = await c.join(0, 'a', room);
    const { client: b } = await c.join(1, 'b', room);
    const { client: d } = await c.join(2, 'd', room);
    await d.ok({ type: 'publish', streamType: 'main' });
    await a.waitFor('stream-added', (n) => n.userID === 'd');
    await b.waitFor('stream-added', (n) => n.userID === 'd');
    const before = new Map([a, b, d].map((client) => [client, client.notifications.length]));

    // Every subscriber connection is cut; the changes below are published while they reconnect.
    expect(Number(await c.redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBe(3);
    await a.ok({ type: 'publish', streamType: 'main' });
    await b.ok({ type: 'publish', streamType: 'main' });
    await d.ok({ type: 'mute', audio: true, video: false });
    await a.ok({ type: 'mute', audio: false, video: true });

    const expectations: Array<[typeof a, string[]]> = [
      [a, ['stream-added b', 'stream-updated d']],
      [b, ['stream-added a', 'stream-updated d', 'stream-updated a']],
      [d, ['stream-added a', 'stream-added b', 'stream-updated a']],
    ];
    for (const [client, expected] of expectations) {
      await client.waitFor('stream-updated', (n) => n.userID === (client === a ? 'd' : 'a'), 10_000);
      await client.sync();
      const after = client.notifications.slice(before.get(client)).map((n) => `${n.type} ${'userID' in n ? n.userID : ''}`);
      expect(after).toEqual(expected);
      expect(client.notifications.map((n) => n.seq)).toEqual(client.notifications.map((_, i) => i + 1));
    }
    // And the bus works again for what comes next.
    await b.ok({ type: 'leave' });
    expect((await a.waitFor('user-left', (n) => n.userID === 'b')).reason).toBe('leave');
    expect((await d.waitFor('user-left', (n) => n.userID === 'b')).reason).toBe('leave');
  }, 30_000);
});

describeWithRedis('SDK participants behind a load balancer when a process dies', () => {
  let c: Cluster;
  let balancer: Balancer;
  let runtime: HeadlessRuntime;
  const participants: Participant[] = [];
  beforeAll(async () => {
    c = await startCluster(2, { graceMs: 8_000, processTtlMs: PROCESS_TTL_MS });
    balancer = await startBalancer(() => c.processes.filter((p) => p.alive).map((p) => p.port));
    runtime = new HeadlessRuntime({ signalingUrl: balancer.wsUrl }).install();
  }, 40_000);
  afterAll(async () => {
    for (const p of participants) p.trtc.destroy();
    await runtime?.close();
    await balancer?.close();
    await c?.close();
  }, 20_000);

  test('the moved participant reconnects and resumes: nobody sees it leave, its players keep playing, new urls arrive as UPDATE_URL', async () => {
    const make = (userID: string) => {
      const p = new Participant(runtime, {
        userID,
        trtc: { signaling: createWebSocketSignaling({ url: balancer.wsUrl, platform: 'android', reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 200 }), exitTimeoutMs: 1_000 },
      });
      participants.push(p);
      p.enter({ sdkAppID: c.sdkAppID, userSig: c.userSig(userID), roomID: 3010 });
      return p;
    };
    const ann = make('ann');
    await ann.waitFor('LOCAL_JOIN');
    const ben = make('ben');
    await ben.waitFor('LOCAL_JOIN');
    await ann.waitFor('UPDATE_URL', (d) => !d.local && d.userID === 'ben');
    await ben.waitFor('UPDATE_URL', (d) => !d.local && d.userID === 'ann');

    // Which process holds whom (the balancer alternates, so one each).
    const view = (await c.admin(0, 'GET', `/admin/rooms/${encodeURIComponent('n:3010')}`)).body;
    const holderOf = (userID: string) => c.processes.findIndex((p) => p.processId === view.users.find((u: { userID: string }) => u.userID === userID).process);
    const victim = holderOf('ann');
    const survivor = 1 - victim;
    expect(holderOf('ben')).toBe(survivor);
    const annUrlsBefore = ann.of('UPDATE_URL').length;
    await c.kill(victim);
    // A media restart on the survivor while ann is away: her urls are stale when she comes back.
    await c.admin(survivor, 'POST', '/admin/media/restart');

    // ann's SDK reconnects (to the survivor: the only one left) and resumes.
    await ann.waitUntil(() => ann.of('UPDATE_URL').length >= annUrlsBefore + 2, 'ann got new urls for her push and her player');
    const fresh = ann.of('UPDATE_URL').slice(annUrlsBefore);
    expect(fresh.map((e) => (e.data.local ? 'local' : e.data.userID)).sort()).toEqual(['ben', 'local']);
    expect(fresh.every((e) => /gen=2/.test(e.data.url))).toBe(true);
    expect(ann.trtc.getPlayerList().map((pl) => pl.id)).toEqual(['ben_main']);
    expect(ann.trtc.getPlayerList()[0]!.src).toContain('gen=2');
    expect(ann.of('LOCAL_LEAVE')).toHaveLength(0);
    expect(ann.of('KICKED_OUT')).toHaveLength(0);
    expect(ann.of('REMOTE_USER_LEAVE')).toHaveLength(0);

    // ben never saw ann go; he hears her next change, made through the survivor.
    ann.page.setData({ pusher: ann.trtc.muteLocal({ audio: true }) });
    await ben.waitFor('MUTE_AUDIO', (d) => d.userID === 'ann');
    expect(ben.of('REMOTE_USER_LEAVE')).toHaveLength(0);
    expect(ben.of('STREAM_REMOVED').filter((e) => e.data.userID === 'ann')).toHaveLength(0);
    const after = (await c.admin(survivor, 'GET', `/admin/rooms/${encodeURIComponent('n:3010')}`)).body;
    expect(after.users.every((u: { process: string }) => u.process === c.processes[survivor]!.processId)).toBe(true);
  }, 30_000);
});

describeWithRedis('room limits across processes', () => {
  const SILENT_LIMIT = 40;
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster(3, { limits: { silentUsersPerRoom: SILENT_LIMIT } as never });
  }, 40_000);
  afterEach(async () => {
    await c.closeClients();
  });
  afterAll(async () => {
    await c?.close();
  }, 20_000);

  /** Every join sent at once, spread round-robin over the processes; the results in order. */
  async function joinAtOnce(count: number, room: { roomID: number }, prefix: string, extra: { visible: boolean }) {
    const clients = await Promise.all(Array.from({ length: count }, (_, i) => c.connect(i % 3, `${prefix}${i}`)));
    const answers = await Promise.all(clients.map((client, i) => client.request(c.joinRequest(`${prefix}${i}`, room, extra))));
    return { clients, answers };
  }

  test('24 visible joins at once on three processes: exactly 8 get in, the others hear VISIBLE_USER_LIMIT', async () => {
    const room = { roomID: 3101 };
    const { answers } = await joinAtOnce(24, room, 'v', { visible: true });
    const admitted = answers.filter((a) => a.ok);
    expect(admitted).toHaveLength(8);
    expect(answers.filter((a) => !a.ok).map((a) => (a.ok ? null : a.error.code))).toEqual(Array(16).fill(ErrorCode.VISIBLE_USER_LIMIT));
    const views = await Promise.all([0, 1, 2].map(async (i) => (await c.admin(i, 'GET', `/admin/rooms/${encodeURIComponent('n:3101')}`)).body));
    for (const view of views) expect(view.users.filter((u: { visible: boolean }) => u.visible)).toHaveLength(8);
  });

  test('the same user joining on three processes at once: one session is left, and the room agrees on it', async () => {
    const room = { roomID: 3104 };
    const { client: watcher } = await c.join(0, 'watcher', room);
    const tries = await Promise.all([0, 1, 2].map((i) => c.connect(i, `alice@${i}`)));
    const answers = await Promise.all(tries.map((client) => client.request(c.joinRequest('alice', room))));
    expect(answers.every((a) => a.ok)).toBe(true);
    // Every older one is kicked (reason kick); exactly one stays.
    await eventually(async () => tries.filter((t) => t.open).length === 1, 'one alice left connected');
    const survivor = tries.find((t) => t.open)!;
    for (const loser of tries.filter((t) => t !== survivor)) expect(loser.of('kicked').map((k) => k.reason)).toEqual(['kick']);
    await survivor.ok({ type: 'publish', streamType: 'main' });
    await watcher.waitFor('stream-added', (n) => n.userID === 'alice');
    const view = (await c.admin(2, 'GET', `/admin/rooms/${encodeURIComponent('n:3104')}`)).body;
    expect(view.users.map((u: { userID: string }) => u.userID).sort()).toEqual(['alice', 'watcher']);
    // The watcher's story ends with alice in the room: as many joins as leaves, plus one.
    await watcher.sync();
    const joins = watcher.of('user-joined').filter((n) => n.userID === 'alice').length;
    const leaves = watcher.of('user-left').filter((n) => n.userID === 'alice').length;
    expect(joins - leaves).toBe(1);
    expect(watcher.notifications.at(-1)).toMatchObject({ type: 'stream-added', userID: 'alice' });
  });

  test(`${SILENT_LIMIT + 20} silent joins at once: exactly ${SILENT_LIMIT} get in (the configured silent limit)`, async () => {
    const room = { roomID: 3102 };
    const { answers } = await joinAtOnce(SILENT_LIMIT + 20, room, 's', { visible: false });
    expect(answers.filter((a) => a.ok)).toHaveLength(SILENT_LIMIT);
    expect(new Set(answers.filter((a) => !a.ok).map((a) => (a.ok ? null : a.error.code)))).toEqual(new Set([ErrorCode.SILENT_USER_LIMIT]));
    const summary = (await c.admin(1, 'GET', '/admin/rooms')).body.rooms.find((r: { key: string }) => r.key === 'n:3102');
    expect(summary).toMatchObject({ users: SILENT_LIMIT, visibleUsers: 0 });
  });

  test('10 subscriptions sent at once by one user are held to 8', async () => {
    const room = { roomID: 3103 };
    const publishers = await Promise.all(Array.from({ length: 5 }, (_, i) => c.join(i % 3, `p${i}`, room)));
    for (const { client } of publishers) {
      await client.ok({ type: 'publish', streamType: 'main' });
      await client.ok({ type: 'publish', streamType: 'aux' });
    }
    const { client: viewer, result } = await c.join(2, 'viewer', room, { visible: false });
    expect(result.streams).toHaveLength(10);
    const answers = await Promise.all(
      publishers.flatMap((_, i) => (['main', 'aux'] as const).map((streamType) => viewer.request({ type: 'subscribe', userID: `p${i}`, streamType, audio: true, video: true }))),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(8);
    expect(answers.filter((a) => !a.ok).map((a) => (a.ok ? null : a.error.code))).toEqual([ErrorCode.SUBSCRIPTION_LIMIT, ErrorCode.SUBSCRIPTION_LIMIT]);
    const view = (await c.admin(0, 'GET', `/admin/rooms/${encodeURIComponent('n:3103')}`)).body;
    expect(view.subscriptions.filter((s: { subscriberID: string }) => s.subscriberID === 'viewer')).toHaveLength(8);
  });
});
