// End to end through the websocket driver: headless participant pages (the trtc-wx page pattern) driving
// real TRTC facades against a real dev server on loopback — join, publish, subscribe, mute, leave, kicks,
// admin removal, a server restart with resume, limits, webhooks and event reports.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDevServer, verifyWebhookSignature, type DevServer } from '../../server';
import { ErrorCode } from '../../src/core/errors';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { Participant } from '../helpers/participant';
import { RoomClient } from '../../src/testing/room-client';

const ADMIN_KEY = 'e2e-admin-key';
const WEBHOOK_SECRET = 'e2e-webhook-secret';

let server: DevServer;
let runtime: HeadlessRuntime;
let participants: Participant[] = [];

async function start(options: Parameters<typeof startDevServer>[0] = {}): Promise<void> {
  server = await startDevServer({ port: 0, adminKey: ADMIN_KEY, graceMs: 2_000, heartbeatIntervalMs: 60_000, ...options });
  runtime = new HeadlessRuntime({ signalingUrl: server.wsUrl }).install();
}

afterEach(async () => {
  for (const p of participants) p.trtc.destroy();
  participants = [];
  await runtime?.close();
  await server?.close();
});

function join(userID: string, params: Record<string, unknown> = {}, options: { platform?: 'ios' | 'android'; visible?: boolean; before?: (p: Participant) => void } = {}): Participant {
  const p = new Participant(runtime, {
    userID,
    trtc: {
      signaling: createWebSocketSignaling({ url: server.wsUrl, platform: options.platform ?? 'ios', reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 200 }),
      exitTimeoutMs: 1_000,
    },
  });
  participants.push(p);
  if (options.visible === false) p.trtc.setUserVisibility(false);
  options.before?.(p);
  p.enter({ sdkAppID: server.sdkAppID, userSig: server.genUserSig(userID), roomID: 4242, ...params });
  return p;
}

async function admin(path: string, key = ADMIN_KEY): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.httpUrl}${path}`, { method: path.endsWith('/remove') || path.endsWith('/dismiss') ? 'POST' : 'GET', headers: { 'x-admin-key': key } });
  return { status: response.status, body: await response.json() };
}

/** Poll an async condition until it holds (bounded). */
async function eventually(probe: () => Promise<boolean>, message: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(message);
}

const players = (p: Participant) => p.trtc.getPlayerList().map((pl) => pl.id).sort();

describe('websocket driver against the dev server', () => {
  test('four participants see each other, publish, subscribe and play', async () => {
    await start();
    const names = ['alice', 'bob', 'carol', 'dave'];
    const ps = names.map((n) => join(n));
    for (const p of ps) await p.waitFor('LOCAL_JOIN');
    for (const p of ps) {
      const others = names.filter((n) => n !== p.userID);
      await p.waitUntil(() => others.every((o) => p.of('STREAM_ADDED').some((e) => e.data.userID === o)), `${p.userID} did not see every stream`);
      // The pusher got its rtmp url as UPDATE_URL and the emulated <live-pusher> is pushing to it.
      const local = await p.waitFor('UPDATE_URL', (d) => d.local);
      expect(local.data.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\//);
      await p.waitUntil(() => p.mounted.pusher.reported.includes(1002), `${p.userID} pusher never pushed`);
      expect(p.page.data.pusher).toMatchObject({ url: local.data.url });
    }
    const alice = ps[0]!;
    // Every remote stream was announced with its publish state, unmuted by the page, subscribed, and plays.
    expect(alice.of('STREAM_ADDED').map((e) => e.data)).toEqual(
      expect.arrayContaining(['bob', 'carol', 'dave'].map((userID) => ({ userID, streamType: 'main', streamPublishState: { audio: true, video: true } }))),
    );
    for (const id of ['bob_main', 'carol_main', 'dave_main']) {
      await alice.waitFor('UPDATE_URL', (d) => !d.local && `${d.userID}_${d.streamType}` === id);
      await alice.waitUntil(() => alice.mounted.player(id)?.reported.includes(2004), `${id} never played`);
      await alice.waitUntil(() => {
        const stream = alice.trtc.actor.getSnapshot().context.streams.find((s) => s.id === id);
        return stream?.ref.getSnapshot().matches('playing');
      }, `${id} player chart never reached playing`);
    }
    expect(players(alice)).toEqual(['bob_main', 'carol_main', 'dave_main']);
    const view = await admin(`/admin/rooms/${encodeURIComponent('n:4242')}`);
    expect(view.status).toBe(200);
    expect(JSON.stringify(view.body)).toContain('alice');
  });

  test('muting and unmuting is heard by the others (MUTE_AUDIO / UNMUTE_AUDIO, REMOTE_AUDIO_REMOVE / ADD)', async () => {
    await start();
    const alice = join('alice');
    const bob = join('bob');
    await bob.waitFor('STREAM_ADDED', (d) => d.userID === 'alice');
    alice.page.setData({ pusher: alice.trtc.muteLocal({ audio: true }) });
    expect(alice.page.data.pusher).toMatchObject({ enableMic: false });
    await bob.waitFor('MUTE_AUDIO', (d) => d.userID === 'alice');
    await bob.waitFor('REMOTE_AUDIO_REMOVE', (d) => d.player.userID === 'alice');
    alice.trtc.muteLocal({ audio: false });
    await bob.waitFor('UNMUTE_AUDIO', (d) => d.userID === 'alice');
    expect(bob.of('REMOTE_AUDIO_ADD').filter((e) => e.data.player.userID === 'alice')).toHaveLength(2);
    // muteRemote stops receiving: the player is muted and the subscription follows.
    await eventually(async () => {
      const room = (await admin(`/admin/rooms/${encodeURIComponent('n:4242')}`)).body;
      return JSON.stringify(room).includes('"subscriberID":"bob"');
    }, 'bob never subscribed to alice');
    bob.trtc.muteRemote('alice', { audio: true, video: true });
    expect(bob.trtc.getPlayerList().find((pl) => pl.id === 'alice_main')).toMatchObject({ muteAudio: true, muteVideo: true });
    // The server no longer sends alice to bob: his subscription is gone.
    await eventually(async () => {
      const room = (await admin(`/admin/rooms/${encodeURIComponent('n:4242')}`)).body;
      return !JSON.stringify(room).includes('"subscriberID":"bob"');
    }, 'bob kept his subscription to alice');
  });

  test('leaving is REMOTE_USER_LEAVE for the others, and LOCAL_LEAVE after the server confirms', async () => {
    await start();
    const alice = join('alice');
    const bob = join('bob');
    await alice.waitFor('STREAM_ADDED', (d) => d.userID === 'bob');
    bob.exit();
    await bob.waitFor('LOCAL_LEAVE');
    await alice.waitFor('STREAM_REMOVED', (d) => d.userID === 'bob');
    await alice.waitFor('REMOTE_USER_LEAVE', (d) => d.userID === 'bob');
    expect(players(alice)).toEqual([]);
    expect(bob.trtc.getPlayerList()).toEqual([]);
    expect(bob.page.data.pusher).toMatchObject({ url: '' });
  });

  test('the same userID entering again kicks the older session (reason kick)', async () => {
    await start();
    const first = join('alice');
    await first.waitFor('LOCAL_JOIN');
    const second = join('alice');
    await second.waitFor('LOCAL_JOIN');
    const kicked = await first.waitFor('KICKED_OUT');
    expect(kicked.data.reason).toBe('kick');
    expect(first.trtc.actor.getSnapshot().value).toBe('kicked');
    expect(first.trtc.getPlayerList()).toEqual([]);
  });

  test('admin removal (banned) and dismissal (room-disband); a wrong key is refused', async () => {
    await start();
    const alice = join('alice');
    const bob = join('bob');
    const carol = join('carol');
    for (const p of [alice, bob, carol]) await p.waitFor('LOCAL_JOIN');
    expect((await admin(`/admin/rooms/${encodeURIComponent('n:4242')}`, 'wrong')).status).toBe(401);
    const removed = await admin(`/admin/rooms/${encodeURIComponent('n:4242')}/users/bob/remove`);
    expect(removed.status).toBe(200);
    expect((await bob.waitFor('KICKED_OUT')).data.reason).toBe('banned');
    await alice.waitFor('REMOTE_USER_LEAVE', (d) => d.userID === 'bob');
    expect((await admin(`/admin/rooms/${encodeURIComponent('n:4242')}/dismiss`)).status).toBe(200);
    expect((await alice.waitFor('KICKED_OUT')).data.reason).toBe('room-disband');
    expect((await carol.waitFor('KICKED_OUT')).data.reason).toBe('room-disband');
  });

  test('a server restart: RECONNECTING, back to CONNECTED, fresh urls as UPDATE_URL, the others seen again', async () => {
    await start();
    const alice = join('alice');
    const bob = join('bob');
    await alice.waitFor('UPDATE_URL', (d) => !d.local && d.userID === 'bob');
    const urlsBefore = alice.of('UPDATE_URL').length;
    const port = server.port;
    await server.close();
    await alice.waitFor('CONNECTION_STATE_CHANGED', (d) => d.state === 'RECONNECTING');
    server = await startDevServer({ port, adminKey: ADMIN_KEY, graceMs: 2_000, heartbeatIntervalMs: 60_000 });
    await alice.waitUntil(() => alice.of('CONNECTION_STATE_CHANGED').some((e, i, all) => e.data.state === 'CONNECTED' && i > all.findIndex((x) => x.data.state === 'RECONNECTING')), 'alice never reconnected', 10_000);
    await bob.waitUntil(() => bob.of('CONNECTION_STATE_CHANGED').filter((e) => e.data.state === 'CONNECTED').length >= 2, 'bob never reconnected', 10_000);
    // The new server knew nothing: both joined again, re-published and re-subscribed, so urls are new.
    await alice.waitUntil(() => alice.of('UPDATE_URL').length > urlsBefore + 1, 'no fresh urls after the restart', 10_000);
    await alice.waitUntil(() => players(alice).includes('bob_main') && alice.trtc.actor.getSnapshot().context.users.includes('bob'), 'alice lost bob', 10_000);
    expect(alice.codes().filter((c) => c === 'LOCAL_JOIN')).toHaveLength(1);
  });

  test('visibility: 8 visible at most, silent users unseen, and setUserVisibility past the limit is refused', async () => {
    await start();
    const visible = Array.from({ length: 8 }, (_, i) => join(`v${i}`, { scene: 'live' }));
    for (const p of visible) await p.waitFor('LOCAL_JOIN');
    const ninth = join('v8', { scene: 'live' });
    expect((await ninth.waitFor('ERROR')).data.code).toBe(ErrorCode.VISIBLE_USER_LIMIT);
    expect(ninth.trtc.actor.getSnapshot().value).toBe('idle');
    const silent = join('watcher', { scene: 'live', role: 'audience' }, { visible: false });
    await silent.waitFor('LOCAL_JOIN');
    await silent.waitUntil(() => silent.trtc.actor.getSnapshot().context.users.length === 8, 'the silent user does not see the 8');
    silent.trtc.setUserVisibility(true);
    expect((await silent.waitFor('ERROR', (d) => d.code === ErrorCode.VISIBLE_USER_LIMIT)).data.code).toBe(ErrorCode.VISIBLE_USER_LIMIT);
    await silent.waitUntil(() => silent.trtc.actor.getSnapshot().matches({ active: { inRoom: { visibility: 'invisible' } } }), 'silent user should stay invisible');
    // Nobody heard of the silent user.
    for (const p of visible) expect(p.of('REMOTE_USER_JOIN').some((e) => e.data.userID === 'watcher')).toBe(false);
  });

  test('subscriptions: Android is warned from the 6th, the 9th is refused as STREAM_FAILED', async () => {
    await start();
    // Five raw publishers with a camera and a screen share each: ten streams, five visible users.
    const raw: RoomClient[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const client = await RoomClient.connect(server.wsUrl);
        raw.push(client);
        const userID = `pub${i}`;
        await client.request<'join'>({
          type: 'join', sdkAppID: server.sdkAppID, userID, userSig: server.genUserSig(userID), roomID: 4242, scene: 'live', role: 'anchor', visible: true,
        });
        await client.request<'publish'>({ type: 'publish', streamType: 'main' });
        await client.request<'publish'>({ type: 'publish', streamType: 'aux' });
      }
      const viewer = join('viewer', { scene: 'live', role: 'audience' }, { platform: 'android', visible: false });
      await viewer.waitUntil(() => viewer.of('STREAM_ADDED').length === 10, 'viewer did not see 10 streams');
      // The page unmutes every announced track: 8 subscriptions are granted, warned from the 6th on Android...
      await viewer.waitUntil(() => viewer.of('UPDATE_URL').length === 8, 'viewer did not get 8 pull urls');
      // The first warning comes with the 6th subscription (five pull urls were already granted), not before.
      const firstWarning = viewer.events.findIndex((e) => e.code === 'PLAYER_WARNING' && e.data?.code === ErrorCode.SUBSCRIPTION_WARNING);
      expect(firstWarning).toBeGreaterThan(-1);
      const urlsBefore = new Set(viewer.events.slice(0, firstWarning).filter((e) => e.code === 'UPDATE_URL').map((e) => `${e.data.userID}_${e.data.streamType}`));
      expect(urlsBefore.size).toBe(5);
      // ...and the 9th and 10th are refused: STREAM_FAILED, retried a bounded number of times, then given up.
      const failed = await viewer.waitFor('STREAM_FAILED', (d) => d.code === ErrorCode.SUBSCRIPTION_LIMIT);
      expect(failed.data.local).toBe(false);
      await viewer.waitUntil(
        () => viewer.trtc.actor.getSnapshot().context.streams.filter((s) => s.ref.getSnapshot().matches({ failed: 'gaveUp' })).length === 2,
        'the two refused players never gave up',
        15_000,
      );
    } finally {
      for (const client of raw) client.close();
    }
  });

  test('business id: the server calls back with it, signed', async () => {
    const received: Array<{ body: any; signature: string | undefined }> = [];
    const receiver: Server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        const signature = req.headers['x-wxrtc-signature'] as string | undefined;
        received.push({ body: JSON.parse(raw), signature });
        expect(verifyWebhookSignature(raw, signature, WEBHOOK_SECRET)).toBe(true);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await start({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, webhookSecret: WEBHOOK_SECRET });
      const alice = join('alice', {}, { before: (p) => p.trtc.setBusinessId('biz-42') });
      await alice.waitFor('LOCAL_JOIN');
      await alice.waitUntil(() => received.some((r) => r.body.eventType === 'stream.published'), 'no stream.published callback');
      expect(received.find((r) => r.body.eventType === 'user.joined')?.body).toMatchObject({ businessId: 'biz-42', userID: 'alice' });
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  test('client event reporting: batches reach the server endpoint', async () => {
    await start();
    const p = new Participant(runtime, {
      userID: 'reporter',
      trtc: {
        signaling: createWebSocketSignaling({ url: server.wsUrl, platform: 'ios' }),
        report: { endpoint: `${server.httpUrl}/v1/reports`, flushIntervalMs: 20, maxBatch: 5 },
      },
    });
    participants.push(p);
    p.enter({ sdkAppID: server.sdkAppID, userSig: server.genUserSig('reporter'), roomID: 4242 });
    await p.waitFor('LOCAL_JOIN');
    p.exit();
    await p.waitFor('LOCAL_LEAVE');
    const stored = await p.waitUntil(() => {
      const all = server.reports.list?.({ userID: 'reporter' }) ?? [];
      const types = all.flatMap((batch: any) => batch.events.map((e: any) => e.type));
      return types.includes('LOCAL_JOIN') && types.includes('LOCAL_LEAVE') ? types : null;
    }, 'reports never arrived');
    expect(stored).toEqual(expect.arrayContaining(['CONNECTION_STATE_CHANGED', 'LOCAL_JOIN', 'LOCAL_LEAVE']));
  });

  test('a forged userSig: ERROR with USER_SIG_INVALID and no room', async () => {
    await start();
    const p = new Participant(runtime, { userID: 'mallory', trtc: { signaling: createWebSocketSignaling({ url: server.wsUrl, platform: 'ios' }) } });
    participants.push(p);
    p.enter({ sdkAppID: server.sdkAppID, userSig: server.genUserSig('alice'), roomID: 4242 });
    expect((await p.waitFor('ERROR')).data.code).toBe(ErrorCode.USER_SIG_MISMATCH);
    p.enter({ sdkAppID: server.sdkAppID, userSig: 'eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwsWpRUVFgEAkyrqzA', roomID: 4242 });
    await p.waitUntil(() => p.of('ERROR').length >= 2, 'no second ERROR');
    expect(p.of('ERROR')[1]!.data.code).toBe(ErrorCode.USER_SIG_INVALID);
    expect(p.codes()).not.toContain('LOCAL_JOIN');
  });
});
