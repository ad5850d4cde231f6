// Token renewal through the facade (issue 15, item 4), with both drivers. The websocket driver against a scripted
// server: USER_SIG_WILL_EXPIRE counted down on the device's clock from the relative expiry the server told (long
// lives in steps setTimeout can wait), updateUserSig sent as renew-user-sig and settled by the server's answer, the
// newest sig carried by every later join, renewals made while the socket is down. The trtc-room driver: the new sig
// waits for the pusher's next entering (1021, -1307) and goes into that url.

import { ErrorCode, WxrtcError } from '../../src/core/errors';
import { createRig, type Rig } from '../helpers/facade';
import { scriptedSignaling, type ScriptedSocket } from '../helpers/scripted-socket';
import { status } from '../helpers/status';

let rig: Rig | null = null;
afterEach(() => {
  rig?.dispose();
  rig = null;
  jest.useRealTimers();
});

const DAY_MS = 24 * 60 * 60 * 1000;
/** jest's clock (Date.now included): a countdown of days takes no time, and what fires when is exact. */
const fakeClock = () => jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });

const joinResult = (extra: Record<string, unknown> = {}) => ({
  sessionId: 's1',
  resumeToken: 'token-1',
  heartbeatIntervalMs: 600_000,
  graceMs: 30_000,
  users: [],
  streams: [],
  ...extra,
});

/** The scripted server answers every ping at once, so a countdown of days keeps its socket alive. */
function answerPings(socket: ScriptedSocket): ScriptedSocket {
  const send = socket.send.bind(socket);
  socket.send = (text: string) => {
    send(text);
    const request = socket.sent.at(-1)!;
    if (request.type === 'ping') socket.reply(request, { now: Date.now() });
  };
  return socket;
}

/** In a room through the websocket driver; the server told `userSigExpiresInMs` (or nothing) in its join answer. */
async function joined(userSigExpiresInMs: number | undefined, options: { userSigWarningMs?: number } = {}): Promise<{ rig: Rig; sockets: ScriptedSocket[] }> {
  const { signaling, sockets } = scriptedSignaling({ reconnectBaseDelayMs: 1, reconnectMaxDelayMs: 1, ...options });
  const r = createRig({ signaling });
  rig = r;
  r.join();
  answerPings(sockets[0]!).open();
  sockets[0]!.reply(sockets[0]!.lastOf('join')!, joinResult(userSigExpiresInMs === undefined ? {} : { userSigExpiresInMs }));
  await jest.advanceTimersByTimeAsync(0);
  expect(r.codes()).toContain('LOCAL_JOIN');
  return { rig: r, sockets };
}

const warnings = (r: Rig) => r.of('USER_SIG_WILL_EXPIRE').map((e) => e.data);
const outcome = (promise: Promise<void>) => promise.then(() => 'resolved', (error: WxrtcError) => (error instanceof WxrtcError ? error.code : `not a WxrtcError: ${String(error)}`));
const heldSig = (r: Rig) => r.trtc.actor.getSnapshot().context.params?.userSig;

/** Cut the socket and let the driver open the next one; the server refuses the resume (it restarted). */
async function restartServer(sockets: ScriptedSocket[]): Promise<ScriptedSocket> {
  const count = sockets.length;
  sockets[count - 1]!.drop();
  await jest.advanceTimersByTimeAsync(5);
  const next = answerPings(sockets[count]!);
  next.open();
  next.refuse(next.lastOf('resume')!, ErrorCode.RESUME_REJECTED, 'unknown token');
  await jest.advanceTimersByTimeAsync(1);
  return next;
}

describe('websocket driver: USER_SIG_WILL_EXPIRE', () => {
  test('fires once, userSigWarningMs (30 s) before the expiry the server told, with what is left', async () => {
    fakeClock();
    const { rig: r } = await joined(120_000);
    await jest.advanceTimersByTimeAsync(89_999);
    expect(warnings(r)).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(warnings(r)).toEqual([{ expiresInMs: 30_000 }]);
    await jest.advanceTimersByTimeAsync(DAY_MS);
    expect(warnings(r)).toHaveLength(1);
  });

  test('a sig that lives less than the warning time warns right after the join; the lead time is an option', async () => {
    fakeClock();
    const { rig: r } = await joined(5_000);
    await jest.advanceTimersByTimeAsync(0);
    expect(warnings(r)).toEqual([{ expiresInMs: 5_000 }]);
    rig!.dispose();
    const { rig: other } = await joined(5_000, { userSigWarningMs: 1_000 });
    await jest.advanceTimersByTimeAsync(3_999);
    expect(warnings(other)).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(warnings(other)).toEqual([{ expiresInMs: 1_000 }]);
  });

  test('a sig valid for 180 days is counted down in steps (setTimeout overflows past 24.8 days) and warns on time', async () => {
    fakeClock();
    const { rig: r } = await joined(180 * DAY_MS);
    await jest.advanceTimersByTimeAsync(180 * DAY_MS - 30_001);
    expect(warnings(r)).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(warnings(r)).toEqual([{ expiresInMs: 30_000 }]);
  });

  test('an older server that tells no expiry (or a malformed one) gets no warning', async () => {
    fakeClock();
    const { rig: r } = await joined(undefined);
    await jest.advanceTimersByTimeAsync(40 * DAY_MS);
    expect(warnings(r)).toEqual([]);
    rig!.dispose();
    const { rig: malformed } = await joined(-5);
    await jest.advanceTimersByTimeAsync(40 * DAY_MS);
    expect(warnings(malformed)).toEqual([]);
  });
});

describe('websocket driver: updateUserSig', () => {
  test('sent as renew-user-sig; resolves on the answer, restarts the countdown, and the next join carries it', async () => {
    fakeClock();
    const { rig: r, sockets } = await joined(60_000);
    const renewal = outcome(r.trtc.updateUserSig('sig-alice-2'));
    const request = sockets[0]!.lastOf('renew-user-sig')!;
    expect(request).toMatchObject({ type: 'renew-user-sig', userSig: 'sig-alice-2' });
    // Not in effect before the server verified it.
    expect(heldSig(r)).toBe('sig-alice');
    sockets[0]!.reply(request, { userSigExpiresInMs: 3_600_000 });
    expect(await renewal).toBe('resolved');
    expect(heldSig(r)).toBe('sig-alice-2');
    // The old countdown (warning at 30 s) is gone; the new one warns 30 s before the new expiry.
    await jest.advanceTimersByTimeAsync(3_569_999);
    expect(warnings(r)).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(warnings(r)).toEqual([{ expiresInMs: 30_000 }]);
    const next = await restartServer(sockets);
    expect(next.lastOf('join')).toMatchObject({ userID: 'alice', userSig: 'sig-alice-2' });
  });

  test('a refused renewal rejects with the server code; the old sig stays, in the room and in the next join', async () => {
    fakeClock();
    const { rig: r, sockets } = await joined(60_000);
    const renewal = outcome(r.trtc.updateUserSig('sig-of-bob'));
    sockets[0]!.refuse(sockets[0]!.lastOf('renew-user-sig')!, ErrorCode.USER_SIG_MISMATCH, 'userSig was issued for another userID');
    expect(await renewal).toBe(ErrorCode.USER_SIG_MISMATCH);
    expect(heldSig(r)).toBe('sig-alice');
    expect(r.codes()).not.toContain('LOCAL_LEAVE');
    const next = await restartServer(sockets);
    expect(next.lastOf('join')).toMatchObject({ userSig: 'sig-alice' });
  });

  test('while the socket is down: the resume is followed by renew-user-sig; a rejoin carries it and settles it', async () => {
    fakeClock();
    const { rig: r, sockets } = await joined(60_000);
    sockets[0]!.drop();
    await jest.advanceTimersByTimeAsync(5);
    const renewal = outcome(r.trtc.updateUserSig('sig-alice-2'));
    const second = answerPings(sockets[1]!);
    second.open();
    expect(second.lastOf('renew-user-sig')).toBeUndefined();
    second.reply(second.lastOf('resume')!, { sessionId: 's1', resumeToken: 'token-2', users: [], streams: [], publishUrl: null, subscriptions: [], missed: [] });
    await jest.advanceTimersByTimeAsync(1);
    second.reply(second.lastOf('renew-user-sig')!, { userSigExpiresInMs: 3_600_000 });
    expect(await renewal).toBe('resolved');

    // Down again, renewed again, and this time the server forgot the session: the join itself carries the sig.
    second.drop();
    await jest.advanceTimersByTimeAsync(5);
    const again = outcome(r.trtc.updateUserSig('sig-alice-3'));
    const third = answerPings(sockets[2]!);
    third.open();
    third.refuse(third.lastOf('resume')!, ErrorCode.RESUME_REJECTED, 'unknown token');
    await jest.advanceTimersByTimeAsync(1);
    expect(third.lastOf('join')).toMatchObject({ userSig: 'sig-alice-3' });
    third.reply(third.lastOf('join')!, joinResult({ resumeToken: 'token-3', userSigExpiresInMs: 7_200_000 }));
    expect(await again).toBe('resolved');
    expect(third.lastOf('renew-user-sig')).toBeUndefined();
    expect(heldSig(r)).toBe('sig-alice-3');
    expect(r.codes()).not.toContain('LOCAL_LEAVE');
  });

  test('a later call supersedes one still waiting; exitRoom answers a waiting one; malformed sigs and no room are refused', async () => {
    fakeClock();
    const { rig: r, sockets } = await joined(60_000);
    expect(await outcome(r.trtc.updateUserSig(42 as unknown as string))).toBe(ErrorCode.INVALID_USER_SIG);
    expect(await outcome(r.trtc.updateUserSig('x'.repeat(5000)))).toBe(ErrorCode.INVALID_USER_SIG);
    expect(await outcome(r.trtc.updateUserSig('   '))).toBe(ErrorCode.INVALID_USER_SIG);
    expect(sockets[0]!.lastOf('renew-user-sig')).toBeUndefined();
    const first = outcome(r.trtc.updateUserSig('sig-alice-2'));
    const second = outcome(r.trtc.updateUserSig('sig-alice-3'));
    expect(await first).toBe(ErrorCode.WRONG_STATE);
    expect(sockets[0]!.lastOf('renew-user-sig')).toMatchObject({ userSig: 'sig-alice-3' });
    r.trtc.exitRoom();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(r.codes()).toContain('LOCAL_LEAVE');
    expect(await second).toBe(ErrorCode.WRONG_STATE);
    expect(await outcome(r.trtc.updateUserSig('sig-alice-4'))).toBe(ErrorCode.WRONG_STATE);
  });
});

describe('trtc-room driver: updateUserSig', () => {
  const pusherUrl = (r: Rig) => String(r.trtc.getPusherAttributes().url);
  const localUrls = (r: Rig) => r.of('UPDATE_URL').filter((e) => e.data.local).map((e) => String(e.data.url));

  test('taken at once; the url changes only when the pusher enters again (1021), then once', async () => {
    const r = createRig();
    rig = r;
    r.join();
    r.status(status.pushBegin());
    expect(pusherUrl(r)).toContain('usersig=sig-alice&');
    expect(await outcome(r.trtc.updateUserSig('sig-alice-2'))).toBe('resolved');
    expect(r.trtc.actor.getSnapshot().context.params?.userSig).toBe('sig-alice-2');
    // Tencent checks a sig when entering, not during the call: nothing re-enters for it.
    expect(localUrls(r)).toEqual([]);
    expect(pusherUrl(r)).toContain('usersig=sig-alice&');
    r.clear();
    r.status(status.networkChanged());
    expect(localUrls(r)).toHaveLength(1);
    expect(localUrls(r)[0]).toContain('usersig=sig-alice-2&');
    expect(pusherUrl(r)).toContain('usersig=sig-alice-2&');
    // The new url is the re-entry (the page binds it); a context restart now would enter with the old url first.
    expect(r.wx.callsOf('pusher').map((c) => c.method)).toEqual([]);
    expect(r.of('CONNECTION_STATE_CHANGED').map((e) => e.data.state)).toEqual(['RECONNECTING']);
    r.status(status.pushBegin());
    expect(r.of('CONNECTION_STATE_CHANGED').map((e) => e.data.state)).toEqual(['RECONNECTING', 'CONNECTED']);
    // A later 1021 with nothing new to carry restarts the pusher as before.
    r.status(status.networkChanged());
    expect(r.wx.callsOf('pusher').map((c) => c.method)).toEqual(['stop', 'start']);
    expect(localUrls(r)).toHaveLength(1);
    // No expiry warning: nothing here can read a sig's expiry without inflating it (a README driver difference).
    expect(r.codes()).not.toContain('USER_SIG_WILL_EXPIRE');
  });

  test('a push cut (-1307) and retried carries the new sig', async () => {
    const r = createRig({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });
    rig = r;
    r.join();
    r.status(status.pushBegin());
    await r.trtc.updateUserSig('sig-alice-2');
    r.status(status.disconnected());
    expect(localUrls(r).at(-1)).toContain('usersig=sig-alice-2&');
    expect(pusherUrl(r)).toContain('usersig=sig-alice-2&');
  });
});
