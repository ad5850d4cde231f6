// playerInstance methods reach that player's <live-player> context; promises resolve or reject with WeChat's callbacks.

import { ErrorCode } from '../../src/core/errors';
import { createRig, settle, type Rig } from '../helpers/facade';
import { status } from '../helpers/status';
import type { HeadlessWxOptions } from '../../src/testing/wx';

let rig: Rig;
afterEach(() => rig?.dispose());

function withBob(wxOptions: HeadlessWxOptions = {}): Rig {
  const r = createRig({}, wxOptions);
  r.join();
  r.status(status.joined('bob'), status.video('bob', true), status.audio('bob', true));
  r.clear();
  return r;
}

const methodsOf = (r: Rig, id: string) => r.wx.callsOf(id).map((c) => c.method);

test('play / stop / pause / resume / mute reach the context of that player only', () => {
  rig = withBob();
  rig.status(status.joined('carol'), status.audio('carol', true));
  const bob = rig.trtc.getPlayerInstance('bob_main')!;
  bob.play();
  bob.pause();
  bob.resume();
  bob.mute();
  bob.stop();
  expect(methodsOf(rig, 'bob_main')).toEqual(['play', 'pause', 'resume', 'mute', 'stop']);
  expect(methodsOf(rig, 'carol_main')).toEqual([]);
});

test("the page's own callbacks are passed through and called", async () => {
  rig = withBob();
  const success = jest.fn();
  const complete = jest.fn();
  rig.trtc.getPlayerInstance('bob_main')!.play({ success, complete });
  await settle();
  expect(success).toHaveBeenCalledWith({ errMsg: 'play:ok' });
  expect(complete).toHaveBeenCalledTimes(1);
});

test('snapshot() resolves with the image, saved to the album', async () => {
  rig = withBob();
  const shot = await rig.trtc.getPlayerInstance('bob_main')!.snapshot();
  expect(shot.tempImagePath).toMatch(/^wxfile:\/\/tmp\/bob_main-/);
  expect(rig.wx.album).toEqual([shot.tempImagePath]);
});

test('snapshot() rejects when WeChat fails it', async () => {
  rig = withBob({ failing: ['player.snapshot'] });
  await expect(rig.trtc.getPlayerInstance('bob_main')!.snapshot()).rejects.toThrow();
  expect(rig.wx.album).toEqual([]);
});

test('requestFullScreen resolves and passes the direction; requestExitFullScreen calls exitFullScreen', async () => {
  rig = withBob();
  const player = rig.trtc.getPlayerInstance('bob_main')!;
  await expect(player.requestFullScreen({ direction: 90 })).resolves.toEqual({ errMsg: 'requestFullScreen:ok' });
  await expect(player.requestExitFullScreen()).resolves.toEqual({ errMsg: 'exitFullScreen:ok' });
  expect(methodsOf(rig, 'bob_main')).toEqual(['requestFullScreen', 'exitFullScreen']);
  expect(rig.wx.callsOf('bob_main', 'requestFullScreen')[0]!.options).toMatchObject({ direction: 90 });
});

test('requestFullScreen without params uses direction 0', async () => {
  rig = withBob();
  await rig.trtc.getPlayerInstance('bob_main')!.requestFullScreen();
  expect(rig.wx.callsOf('bob_main', 'requestFullScreen')[0]!.options).toMatchObject({ direction: 0 });
});

test('requestFullScreen and requestExitFullScreen reject when WeChat fails them', async () => {
  rig = withBob({ failing: ['player.requestFullScreen', 'player.exitFullScreen'] });
  const player = rig.trtc.getPlayerInstance('bob_main')!;
  await expect(player.requestFullScreen({ direction: 0 })).rejects.toThrow('requestFullScreen:fail');
  await expect(player.requestExitFullScreen()).rejects.toThrow('exitFullScreen:fail');
  // One error type on every path: a WxrtcError with the code, WeChat's errMsg kept as message and data.
  await expect(player.requestFullScreen()).rejects.toMatchObject({ name: 'WxrtcError', code: ErrorCode.WX_API_FAILED, data: { errMsg: expect.stringContaining('requestFullScreen:fail') } });
});

test('a handle whose player has gone: calls fail through the callbacks and promises reject, nothing reaches WeChat', async () => {
  rig = withBob();
  const player = rig.trtc.getPlayerInstance('bob_main')!;
  rig.status(status.left('bob'));
  rig.clear();
  const fail = jest.fn();
  expect(() => player.play({ fail })).not.toThrow();
  await settle();
  expect(fail).toHaveBeenCalledTimes(1);
  await expect(player.requestFullScreen()).rejects.toThrow();
  expect(rig.wx.calls).toEqual([]);
});

test('setPlayerAttributes on the handle changes that player', () => {
  rig = withBob();
  rig.trtc.getPlayerInstance('bob_main')!.setPlayerAttributes({ muteAudio: false });
  expect(rig.trtc.getPlayerList()[0]!.muteAudio).toBe(false);
});

/** The facade's handle map, read for the leak tests: its size is what grew per distinct player. */
const handleCount = (r: Rig): number => (r.trtc as unknown as { playerHandles: Map<string, unknown> }).playerHandles.size;

test('a page asking for each new user\'s handle keeps only the handles of players still in the room', () => {
  rig = createRig();
  rig.join();
  // A long call where every visitor stays a moment: 200 distinct users, at most 3 in the room at once.
  for (let i = 0; i < 200; i++) {
    const user = `visitor${i}`;
    rig.status(status.joined(user), status.video(user, true), status.audio(user, true));
    const handle = rig.trtc.getPlayerInstance(`${user}_main`);
    expect(handle).not.toBeNull();
    // The same player keeps the same handle while it is here.
    expect(rig.trtc.getPlayerInstance(`${user}_main`)).toBe(handle);
    if (i >= 2) rig.status(status.left(`visitor${i - 2}`));
    expect(handleCount(rig)).toBeLessThanOrEqual(3);
  }
  expect(handleCount(rig)).toBe(2);
  // A stream unpublished (the user stays) takes its handle with it too.
  rig.status(status.video('visitor199', false), status.audio('visitor199', false));
  expect(rig.trtc.getPlayerInstance('visitor199_main')).toBeNull();
  expect(handleCount(rig)).toBe(1);
});

test('a returning user gets a handle for the new player; the old handle still addresses that id', () => {
  rig = withBob();
  const first = rig.trtc.getPlayerInstance('bob_main')!;
  rig.status(status.left('bob'));
  rig.status(status.joined('bob'), status.video('bob', true));
  const second = rig.trtc.getPlayerInstance('bob_main')!;
  expect(second).not.toBe(first);
  rig.clear();
  first.play();
  expect(methodsOf(rig, 'bob_main')).toEqual(['play']);
});

test('leaving without exitRoom (kicked) drops every handle', () => {
  rig = withBob();
  rig.status(status.joined('carol'), status.audio('carol', true));
  rig.trtc.getPlayerInstance('bob_main');
  rig.trtc.getPlayerInstance('carol_main');
  expect(handleCount(rig)).toBe(2);
  // 1019: the server removed the local user (trtc-room's exit code).
  rig.status(status.exited(1));
  expect(rig.codes()).toContain('KICKED_OUT');
  expect(handleCount(rig)).toBe(0);
});
