// Connection and publishing failures through the facade: 1021 re-enter, 5000 + app show, reconnect deadline, -1307 retries.

import { ErrorCode } from '../../src/core/errors';
import { createRig, waitFor, type Rig } from '../helpers/facade';
import { status, validParams } from '../helpers/status';

let rig: Rig;
afterEach(() => {
  rig?.dispose();
  jest.useRealTimers();
});

/**
 * Tests that prove something did NOT happen run on jest's clock: time is moved far past every deadline at once,
 * and then no timer may be left that could still do it later. The async advance also lets the events that timers
 * caused reach the page (they are delivered a microtask later). Nothing depends on how fast the machine is.
 */
function fakeClock(): void {
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
}

/** Pending timers: 0 means nothing is scheduled that could still change the outcome. */
const pendingTimers = (): number => jest.getTimerCount();

const connectionStates = (r: Rig) => r.of('CONNECTION_STATE_CHANGED').map((e) => e.data.state);
const pusherMethods = (r: Rig) => r.wx.callsOf('pusher').map((c) => c.method);

describe('CONNECTION_STATE_CHANGED', () => {
  test('enterRoom -> CONNECTING, 1018 -> CONNECTED, exit -> DISCONNECTED, each with its prevState', () => {
    rig = createRig();
    rig.join();
    rig.trtc.exitRoom();
    expect(rig.of('CONNECTION_STATE_CHANGED').map((e) => `${e.data.prevState}->${e.data.state}`)).toEqual([
      'DISCONNECTED->CONNECTING',
      'CONNECTING->CONNECTED',
      'CONNECTED->DISCONNECTED',
    ]);
  });
});

describe('1021 (network changed, enter again)', () => {
  test('RECONNECTING and the pusher restarted (stop+start); a following 1018 -> CONNECTED without a second LOCAL_JOIN', () => {
    rig = createRig();
    rig.join();
    rig.status(status.pushBegin());
    rig.clear();
    rig.status(status.networkChanged());
    expect(connectionStates(rig)).toEqual(['RECONNECTING']);
    expect(pusherMethods(rig)).toEqual(['stop', 'start']);
    rig.status(status.entered());
    expect(connectionStates(rig)).toEqual(['RECONNECTING', 'CONNECTED']);
    expect(rig.codes()).not.toContain('LOCAL_JOIN');
    expect(rig.codes()).not.toContain('LOCAL_LEAVE');
  });

  test('remote users and players survive a re-enter', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    rig.status(status.networkChanged(), status.entered());
    expect(rig.trtc.getPlayerList().map((p) => p.id)).toEqual(['bob_main']);
    rig.clear();
    // Tencent repeats the state after re-entering: nothing is announced twice.
    rig.status(status.joined('bob'), status.video('bob', true));
    expect(rig.codes().filter((c) => c.startsWith('REMOTE_'))).toEqual([]);
  });
});

describe('5000 (mini-program hung up)', () => {
  test('RECONNECTING; showing the app again restarts the pusher; media back -> pushing', () => {
    rig = createRig();
    rig.join();
    rig.status(status.pushBegin());
    rig.clear();
    rig.status(status.hungUp());
    expect(connectionStates(rig)).toEqual(['RECONNECTING']);
    expect(pusherMethods(rig)).toEqual([]);
    rig.wx.showApp();
    expect(pusherMethods(rig)).toEqual(['stop', 'start']);
    rig.status(status.entered());
    expect(connectionStates(rig)).toEqual(['RECONNECTING', 'CONNECTED']);
    expect(rig.codes()).not.toContain('LOCAL_JOIN');
  });

  test('while suspended there is no reconnect deadline', async () => {
    fakeClock();
    rig = createRig({ reconnectTimeoutMs: 10 });
    rig.join();
    rig.status(status.pushBegin(), status.hungUp());
    expect(pendingTimers()).toBe(0);
    await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(rig.codes()).not.toContain('LOCAL_LEAVE');
    expect(rig.codes()).not.toContain('ERROR');
    expect(rig.trtc.actor.getSnapshot().matches({ active: { inRoom: { connection: { reconnecting: 'suspended' } } } })).toBe(true);
    // The deadline comes back once the app shows again and the pusher is restarted.
    rig.wx.showApp();
    expect(pendingTimers()).toBe(1);
    await jest.advanceTimersByTimeAsync(10);
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.RECONNECT_TIMEOUT]);
  });

  test('5000 while still entering (before 1018): showing the app again restarts the pusher', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.trtc.enterRoom(validParams);
    rig.trtc.getPusherInstance()!.start();
    rig.clear();
    rig.status(status.hungUp());
    rig.wx.showApp();
    expect(pusherMethods(rig)).toEqual(['stop', 'start']);
  });

  test('a duplicate 1018 while connected emits no second LOCAL_JOIN and no state change', () => {
    rig = createRig();
    rig.join();
    rig.clear();
    rig.status(status.entered());
    expect(rig.codes()).toEqual([]);
  });

  test('showing the app while connected does not restart anything', () => {
    rig = createRig();
    rig.join();
    rig.clear();
    rig.wx.showApp();
    expect(pusherMethods(rig)).toEqual([]);
  });
});

describe('reconnect deadline', () => {
  test('no 1018 within reconnectTimeoutMs after 1021: ERROR RECONNECT_TIMEOUT, LOCAL_LEAVE, everything stopped', async () => {
    rig = createRig({ reconnectTimeoutMs: 15 });
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false });
    rig.clear();
    rig.status(status.networkChanged());
    await waitFor(() => rig.codes().includes('LOCAL_LEAVE'), 500);
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.RECONNECT_TIMEOUT]);
    expect(rig.of('LOCAL_LEAVE')).toHaveLength(1);
    expect(rig.trtc.getPlayerList()).toEqual([]);
    expect(rig.wx.callsOf('bob_main', 'stop')).toHaveLength(1);
    expect(rig.trtc.getPusherAttributes().url).toBe('');
    expect(rig.trtc.actor.getSnapshot().value).toBe('idle');
  });

  test('1018 in time cancels the deadline', async () => {
    fakeClock();
    rig = createRig({ reconnectTimeoutMs: 15 });
    rig.join();
    rig.status(status.networkChanged());
    expect(pendingTimers()).toBe(1);
    await jest.advanceTimersByTimeAsync(14);
    rig.status(status.entered());
    expect(pendingTimers()).toBe(0);
    await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(rig.codes()).not.toContain('LOCAL_LEAVE');
    expect(rig.codes()).not.toContain('ERROR');
  });
});

describe('-1307 (push disconnected)', () => {
  test('ERROR -1307 and STREAM_FAILED (local, willRetry); the pusher is retried with stop+start after the backoff', async () => {
    rig = createRig({ retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    rig.join();
    rig.status(status.pushBegin());
    rig.clear();
    rig.status(status.disconnected());
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([-1307]);
    expect(rig.of('STREAM_FAILED').map((e) => e.data)).toEqual([
      { userID: 'alice', streamType: 'main', code: -1307, reason: 'push disconnected', willRetry: true, local: true },
    ]);
    expect(pusherMethods(rig)).toEqual([]);
    await waitFor(() => pusherMethods(rig).length >= 2, 200);
    expect(pusherMethods(rig)).toEqual(['stop', 'start']);
  });

  test('gives up after the retry policy maxAttempts: exactly that many restarts, the last failure says willRetry false', async () => {
    fakeClock();
    const retry = { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 };
    rig = createRig({ retry });
    rig.join();
    rig.clear();
    for (let n = 0; n < retry.maxAttempts + 2; n++) {
      rig.status(status.disconnected());
      await jest.advanceTimersByTimeAsync(retry.maxDelayMs);
    }
    // Given up: no retry is left scheduled, so however long we wait there is no third start.
    expect(pendingTimers()).toBe(0);
    expect(rig.wx.callsOf('pusher', 'start')).toHaveLength(retry.maxAttempts);
    const willRetry = rig.of('STREAM_FAILED').map((e) => e.data.willRetry);
    expect(willRetry).toEqual([...Array(retry.maxAttempts).fill(true), false]);
    // Giving up does not leave the room.
    expect(rig.codes()).not.toContain('LOCAL_LEAVE');
  });

  test('exitRoom while a retry is pending: the pusher is not started again after the exit', async () => {
    fakeClock();
    rig = createRig({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    rig.join();
    rig.status(status.disconnected());
    expect(pendingTimers()).toBe(1);
    rig.trtc.exitRoom();
    rig.clear();
    // The exit cancelled the retry (and the exit confirmation timer is all that may remain).
    await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(pendingTimers()).toBe(0);
    expect(pusherMethods(rig)).toEqual([]);
  });

  test('a kick while a player retry is pending: the player is not played again', async () => {
    fakeClock();
    rig = createRig({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false });
    rig.playerStatus('bob_main', -2301);
    expect(pendingTimers()).toBe(1);
    rig.status(status.exited(2));
    rig.clear();
    expect(pendingTimers()).toBe(0);
    await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(rig.wx.calls).toEqual([]);
  });

  test('a failure after media flowed again starts from a fresh retry budget', async () => {
    rig = createRig({ retry: { maxAttempts: 1, baseDelayMs: 5, maxDelayMs: 5 } });
    rig.join();
    rig.clear();
    rig.status(status.disconnected());
    await waitFor(() => rig.wx.callsOf('pusher', 'start').length === 1, 200);
    rig.status(status.pushBegin(), status.disconnected());
    expect(rig.of('STREAM_FAILED').map((e) => e.data.willRetry)).toEqual([true, true]);
    await waitFor(() => rig.wx.callsOf('pusher', 'start').length === 2, 200);
  });
});
