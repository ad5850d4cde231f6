// Issue 15, item 1, end to end: headless trtc-wx pages on a real dev server. A call says whether it took effect
// only after the server answered (the others have heard it by then), and a call the server refuses — a limit —
// is the page's `fail` with the server's code while the page, the room and the peers keep the old state.

import { startDevServer, type DevServer } from '../../server';
import { ErrorCode } from '../../src/core/errors';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import { HeadlessRuntime } from '../../src/testing/runtime';
import type { CallFailure, CallResult } from '../../src/trtc';
import { Participant } from '../helpers/participant';

const ADMIN_KEY = 'e2e-admin-key';
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

function join(userID: string, params: Record<string, unknown> = {}, options: { pull?: 'auto' | 'manual'; autoUnmute?: boolean } = {}): Participant {
  const p = new Participant(runtime, {
    userID,
    autoUnmute: options.autoUnmute ?? true,
    trtc: {
      signaling: createWebSocketSignaling({ url: server.wsUrl, platform: 'ios', reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 200 }),
      exitTimeoutMs: 1_000,
      ...(options.pull ? { pull: options.pull } : {}),
    },
  });
  participants.push(p);
  p.enter({ sdkAppID: server.sdkAppID, userSig: server.genUserSig(userID), roomID: 4343, ...params });
  return p;
}

/** A call's answer as a promise, the way an async page would wrap the callbacks. */
function answer(call: (callbacks: { success: (r: CallResult) => void; fail: (r: CallFailure) => void }) => unknown): Promise<{ ok: boolean; result: CallResult | CallFailure }> {
  return new Promise((resolve) => {
    call({ success: (result) => resolve({ ok: true, result }), fail: (result) => resolve({ ok: false, result }) });
  });
}

describe('confirmed calls against the dev server', () => {
  test('muteLocal succeeds once the server answered: the other side hears MUTE_AUDIO; unmuting likewise', async () => {
    await start();
    const alice = join('alice');
    const bob = join('bob');
    await bob.waitFor('STREAM_ADDED', (d) => d.userID === 'alice');
    const muted = await answer((cb) => alice.page.setData({ pusher: alice.trtc.muteLocal({ audio: true, ...cb }) }));
    expect(muted).toEqual({ ok: true, result: { errMsg: 'muteLocal:ok', pusher: expect.objectContaining({ enableMic: false }) } });
    await bob.waitFor('MUTE_AUDIO', (d) => d.userID === 'alice');
    const unmuted = await answer((cb) => alice.trtc.muteLocal({ audio: false, ...cb }));
    expect(unmuted.ok).toBe(true);
    await bob.waitFor('UNMUTE_AUDIO', (d) => d.userID === 'alice');
  });

  test('setUserVisibility past the visible limit: fail 8020, still invisible, nobody heard of it', async () => {
    await start({ limits: { visibleUsersPerRoom: 2 } });
    const anchors = [join('a0', { scene: 'live' }), join('a1', { scene: 'live' })];
    for (const p of anchors) await p.waitFor('LOCAL_JOIN');
    const watcher = new Participant(runtime, {
      userID: 'watcher',
      trtc: { signaling: createWebSocketSignaling({ url: server.wsUrl, platform: 'ios' }), exitTimeoutMs: 1_000 },
    });
    participants.push(watcher);
    watcher.trtc.setUserVisibility(false);
    watcher.enter({ sdkAppID: server.sdkAppID, userSig: server.genUserSig('watcher'), roomID: 4343, scene: 'live', role: 'audience' });
    await watcher.waitFor('LOCAL_JOIN');
    const refused = await answer((cb) => watcher.trtc.setUserVisibility(true, cb));
    expect(refused).toEqual({ ok: false, result: expect.objectContaining({ errCode: ErrorCode.VISIBLE_USER_LIMIT }) });
    expect(watcher.trtc.actor.getSnapshot().context.visible).toBe(false);
    expect(watcher.trtc.actor.getSnapshot().matches({ active: { inRoom: { visibility: 'invisible' } } })).toBe(true);
    // Its fail heard it: no ERROR on top.
    expect(watcher.of('ERROR')).toEqual([]);
    for (const p of anchors) expect(p.of('REMOTE_USER_JOIN').some((e) => e.data.userID === 'watcher')).toBe(false);
  });

  test('subscribe past the subscription limit: fail 8023 with the player muted again; the granted one plays on', async () => {
    await start({ limits: { subscriptionsPerUser: 1 } });
    const bob = join('bob');
    const carol = join('carol');
    const viewer = join('viewer', {}, { pull: 'manual', autoUnmute: false });
    await viewer.waitUntil(() => viewer.trtc.getPlayerList().length === 2, 'viewer did not see both streams');
    await bob.waitFor('LOCAL_JOIN');
    await carol.waitFor('LOCAL_JOIN');
    const first = await answer((cb) => viewer.page.setData({ playerList: viewer.trtc.subscribe('bob', cb) }));
    expect(first.ok).toBe(true);
    expect(first.result.playerList!.find((p) => p.id === 'bob_main')!.src).toMatch(/^rtmp:\/\//);
    const second = await answer((cb) => viewer.page.setData({ playerList: viewer.trtc.subscribe('carol', cb) }));
    expect(second).toEqual({ ok: false, result: expect.objectContaining({ errCode: ErrorCode.SUBSCRIPTION_LIMIT }) });
    const carolPlayer = second.result.playerList!.find((p) => p.id === 'carol_main')!;
    expect(carolPlayer).toMatchObject({ muteAudio: true, muteVideo: true });
    expect(viewer.trtc.getPlayerList().find((p) => p.id === 'carol_main')).toMatchObject({ muteAudio: true, muteVideo: true });
    expect(viewer.trtc.getPlayerList().find((p) => p.id === 'bob_main')).toMatchObject({ muteAudio: false, muteVideo: false });
    await viewer.waitUntil(() => viewer.mounted.player('bob_main')?.reported.includes(2004), 'bob never played');
  });

  test('trtc-room on the headless runtime: muteLocal succeeds once set and the peer hears it; unpublish fails 7013 and keeps publishing', async () => {
    await start();
    const tencent = (userID: string) => {
      const p = new Participant(runtime, { userID, trtc: { exitTimeoutMs: 1_000 } });
      participants.push(p);
      p.enter({ sdkAppID: server.sdkAppID, userSig: server.genUserSig(userID), roomID: 4344 });
      return p;
    };
    const alice = tencent('alice');
    const bob = tencent('bob');
    await bob.waitFor('STREAM_ADDED', (d) => d.userID === 'alice');
    const muted = await answer((cb) => alice.page.setData({ pusher: alice.trtc.muteLocal({ audio: true, ...cb }) }));
    expect(muted).toEqual({ ok: true, result: expect.objectContaining({ errMsg: 'muteLocal:ok' }) });
    await bob.waitFor('MUTE_AUDIO', (d) => d.userID === 'alice');
    const unpublished = await answer((cb) => alice.trtc.unpublish(cb));
    expect(unpublished).toEqual({ ok: false, result: expect.objectContaining({ errCode: ErrorCode.NOT_SUPPORTED_BY_DRIVER }) });
    expect(alice.trtc.actor.getSnapshot().matches({ active: { inRoom: { publication: 'published' } } })).toBe(true);
    expect(bob.of('STREAM_REMOVED').some((e) => e.data.userID === 'alice')).toBe(false);
  });
});
