// Issue 15, item 7: what a phone sends after a network change, in every order it can send it. Tencent's
// live-pusher codes (cloud.tencent.com/document/product/454/17246): 1021 PUSH_EVT_ROOM_NEED_REENTER ("Wi-Fi to 4G
// reconnects; enter the room again for the best server"), 5000 PUSH_WARNING_HANDUP_STOP (hung up, push stopped),
// 1001 PUSH_EVT_CONNECT_SUCC (connected to the cloud server), 1002 PUSH_EVT_PUSH_BEGIN (handshake done, pushing),
// 1018 PUSH_EVT_ROOM_IN (in the room), -1307 PUSH_ERR_NET_DISCONNECT (gave up after its own retries).
// After 1021 or 5000 the pusher is restarted; the phone may then push again with or without a new 1018. With a
// room:// url the push is the room connection, so 1002 alone is as good as 1018: the room must not be left.

import { ErrorCode } from '../../src/core/errors';
import { TRTC } from '../../src/trtc';
import { createPage } from '../../src/testing/page';
import { installWx } from '../../src/testing/wx';
import { createRig, type Rig } from '../helpers/facade';
import { scriptedSignaling } from '../helpers/scripted-socket';
import { pusherEvent, status, validParams, type PusherStatus } from '../helpers/status';

let rig: Rig | null = null;
afterEach(() => {
  rig?.dispose();
  rig = null;
  jest.useRealTimers();
});

/** jest's clock: time jumps past every deadline at once, and no timer may be left that could still leave the room. */
function fakeClock(): void {
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
}

const connected: PusherStatus = { code: 1001, message: 'connected to the server' };
const states = (r: Rig) => r.of('CONNECTION_STATE_CHANGED').map((e) => e.data.state);
const pusherMethods = (r: Rig) => r.wx.callsOf('pusher').map((c) => c.method);
const inConnection = (r: Rig, state: 'connected' | 'reconnecting') => r.trtc.actor.getSnapshot().matches({ active: { inRoom: { connection: state } } });

/** In the room and pushing, records cleared: what follows is the network change. */
function pushingRig(options: { reconnectTimeoutMs?: number; retry?: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number } } = {}): Rig {
  const r = createRig({ reconnectTimeoutMs: 15, ...options });
  r.join();
  r.status(status.pushBegin());
  r.clear();
  return r;
}

/** Far past the reconnect deadline: the room must still be there, with nothing scheduled that could end it. */
async function outlivesTheDeadline(r: Rig): Promise<void> {
  await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
  expect(r.codes()).not.toContain('LOCAL_LEAVE');
  expect(r.of('ERROR').map((e) => e.data.code)).not.toContain(ErrorCode.RECONNECT_TIMEOUT);
  expect(inConnection(r, 'connected')).toBe(true);
  expect(jest.getTimerCount()).toBe(0);
}

describe('after 1021 (network changed), trtc-room driver', () => {
  test('1021, 1001, 1002 and no 1018: CONNECTED at 1002, no second LOCAL_JOIN, the room is not left', async () => {
    fakeClock();
    rig = pushingRig();
    rig.status(status.networkChanged());
    expect(pusherMethods(rig)).toEqual(['stop', 'start']);
    rig.status(connected);
    expect(states(rig)).toEqual(['RECONNECTING']);
    rig.status(status.pushBegin());
    expect(states(rig)).toEqual(['RECONNECTING', 'CONNECTED']);
    await outlivesTheDeadline(rig);
    expect(rig.codes()).not.toContain('LOCAL_JOIN');
  });

  test('1021, 1002, then a late 1018: connected once, at 1002; the 1018 changes nothing', async () => {
    fakeClock();
    rig = pushingRig();
    rig.status(status.networkChanged(), status.pushBegin());
    expect(states(rig)).toEqual(['RECONNECTING', 'CONNECTED']);
    rig.status(status.entered());
    expect(states(rig)).toEqual(['RECONNECTING', 'CONNECTED']);
    await outlivesTheDeadline(rig);
    expect(rig.codes()).not.toContain('LOCAL_JOIN');
  });

  test('1021, 1018, 1002: connected at 1018; the 1002 changes nothing', async () => {
    fakeClock();
    rig = pushingRig();
    rig.status(status.networkChanged(), status.entered(), status.pushBegin());
    expect(states(rig)).toEqual(['RECONNECTING', 'CONNECTED']);
    await outlivesTheDeadline(rig);
  });

  test('1021 twice (the network changed again), then 1002: restarted twice, connected', async () => {
    fakeClock();
    rig = pushingRig();
    rig.status(status.networkChanged(), status.networkChanged());
    expect(pusherMethods(rig)).toEqual(['stop', 'start', 'stop', 'start']);
    rig.status(status.pushBegin());
    await outlivesTheDeadline(rig);
  });

  test('1021, then -1307 (the restarted push failed): the retry pushes, 1002, connected in time', async () => {
    fakeClock();
    rig = pushingRig({ reconnectTimeoutMs: 5_000, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    rig.status(status.networkChanged(), status.disconnected());
    expect(rig.of('STREAM_FAILED').map((e) => e.data.willRetry)).toEqual([true]);
    await jest.advanceTimersByTimeAsync(10);
    expect(pusherMethods(rig)).toEqual(['stop', 'start', 'stop', 'start']);
    rig.status(connected, status.pushBegin());
    await outlivesTheDeadline(rig);
  });

  test('1021 and nothing after it: RECONNECT_TIMEOUT, the room is left', async () => {
    fakeClock();
    rig = pushingRig();
    rig.status(status.networkChanged());
    await jest.advanceTimersByTimeAsync(15);
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.RECONNECT_TIMEOUT]);
    expect(rig.codes()).toContain('LOCAL_LEAVE');
  });

  test('1021 then only 1001 (connected to the server, never pushing): still RECONNECT_TIMEOUT', async () => {
    fakeClock();
    rig = pushingRig();
    rig.status(status.networkChanged(), connected);
    await jest.advanceTimersByTimeAsync(15);
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.RECONNECT_TIMEOUT]);
  });

  test('1021 before the first 1018, then 1002: still entering (LOCAL_JOIN needs 1018, as trtc-wx); 1018 joins once', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.trtc.enterRoom(validParams);
    rig.trtc.getPusherInstance()!.start();
    rig.status(status.networkChanged(), status.pushBegin());
    expect(rig.codes()).not.toContain('LOCAL_JOIN');
    expect(rig.trtc.actor.getSnapshot().matches({ active: 'entering' })).toBe(true);
    rig.status(status.entered());
    expect(rig.of('LOCAL_JOIN')).toHaveLength(1);
    expect(inConnection(rig, 'connected')).toBe(true);
  });
});

describe('after 5000 (hung up), trtc-room driver', () => {
  test('5000, the app shows, 1001, 1002 and no 1018: CONNECTED, the room is not left', async () => {
    fakeClock();
    rig = pushingRig();
    rig.status(status.hungUp());
    rig.wx.showApp();
    expect(pusherMethods(rig)).toEqual(['stop', 'start']);
    rig.status(connected, status.pushBegin());
    expect(states(rig)).toEqual(['RECONNECTING', 'CONNECTED']);
    await outlivesTheDeadline(rig);
  });

  test('5000, then 1002 before onAppShow (WeChat resumed the push itself): CONNECTED; the show restarts nothing', async () => {
    fakeClock();
    rig = pushingRig();
    rig.status(status.hungUp(), status.pushBegin());
    expect(states(rig)).toEqual(['RECONNECTING', 'CONNECTED']);
    rig.wx.showApp();
    expect(pusherMethods(rig)).toEqual([]);
    await outlivesTheDeadline(rig);
  });

  test('5000, then 1021 while hung up, the app shows, 1002: connected', async () => {
    fakeClock();
    rig = pushingRig();
    rig.status(status.hungUp(), status.networkChanged());
    rig.wx.showApp();
    rig.status(status.pushBegin());
    await outlivesTheDeadline(rig);
  });
});

describe('websocket driver: the socket is the connection, not the push', () => {
  test('a 1002 while the socket is down does not end RECONNECTING; the resumed session does', async () => {
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    const { uninstall } = installWx();
    const { signaling, sockets } = scriptedSignaling({ reconnectBaseDelayMs: 1, reconnectMaxDelayMs: 2 });
    const trtc = new TRTC(createPage({}), { env: 'test', signaling });
    const seen: string[] = [];
    trtc.on(trtc.EVENT.CONNECTION_STATE_CHANGED, (e) => seen.push((e.data as { state: string }).state));
    try {
      trtc.createPusher({});
      trtc.enterRoom({ ...validParams });
      const first = sockets[0]!;
      first.open();
      first.reply(first.lastOf('join')!, { sessionId: 's1', resumeToken: 't1', heartbeatIntervalMs: 60_000, graceMs: 30_000, users: [], streams: [] });
      await tick();
      first.reply(first.lastOf('publish')!, { url: 'rtmp://media/live/alice?sign=1', expiresAt: 0 });
      await tick();
      trtc.pusherEventHandler(pusherEvent(status.pushBegin()));
      first.drop();
      await tick();
      expect(seen).toEqual(['CONNECTING', 'CONNECTED', 'RECONNECTING']);
      trtc.pusherEventHandler(pusherEvent(status.pushBegin()));
      expect(seen).toEqual(['CONNECTING', 'CONNECTED', 'RECONNECTING']);
      const second = sockets[1]!;
      second.open();
      second.reply(second.lastOf('resume')!, {
        sessionId: 's1',
        resumeToken: 't2',
        users: [],
        streams: [],
        publishUrl: 'rtmp://media/live/alice?sign=1',
        subscriptions: [],
        missed: [],
      });
      await tick();
      expect(seen).toEqual(['CONNECTING', 'CONNECTED', 'RECONNECTING', 'CONNECTED']);
    } finally {
      trtc.destroy();
      uninstall();
    }
  });
});
