// playerInstance methods reach that player's <live-player> context; promises resolve or reject with WeChat's callbacks.

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
