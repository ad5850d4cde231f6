// The local pusher through the facade: pusherInstance methods reaching <live-pusher>, attributes, BGM and local events.

import { ErrorCode } from '../../src/core/errors';
import { createRig, settle, type Rig } from '../helpers/facade';
import { status, validParams } from '../helpers/status';

let rig: Rig;
afterEach(() => rig?.dispose());

const pusherMethods = (r: Rig) => r.wx.callsOf('pusher').map((c) => c.method);

describe('createPusher and attributes', () => {
  test('createPusher returns an instance whose pusherAttributes are the seed defaults plus the config', () => {
    rig = createRig();
    const instance = rig.trtc.createPusher({ frontCamera: 'back', enableCamera: true });
    expect(instance.pusherAttributes).toMatchObject({ url: '', mode: 'RTC', minBitrate: 600, maxBitrate: 900, frontCamera: 'back', enableCamera: true });
    expect(rig.trtc.getPusherInstance()).toBe(instance);
  });

  test('createPusher with a wrong type is refused with ERROR INVALID_ATTRIBUTE', () => {
    rig = createRig();
    rig.trtc.createPusher({ beautyLevel: 99 });
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.INVALID_ATTRIBUTE]);
    expect(rig.trtc.getPusherInstance()).toBeNull();
  });

  test('setPusherAttributes returns the updated attributes', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    expect(rig.trtc.setPusherAttributes({ enableMic: true, beautyLevel: 2 })).toMatchObject({ enableMic: true, beautyLevel: 2 });
  });

  test.each([[{ enableMic: 'on' }], [{ minBitrate: -5 }], [{ frontCamera: 'side' }], [null]])(
    'setPusherAttributes(%p) is an ERROR INVALID_ATTRIBUTE and the attributes are unchanged (outside and inside a room)',
    (config) => {
      rig = createRig();
      rig.trtc.createPusher({ enableMic: true, minBitrate: 700 });
      const before = rig.trtc.getPusherAttributes();
      const after = rig.trtc.setPusherAttributes(config as never);
      expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.INVALID_ATTRIBUTE]);
      expect(after).toEqual(before);
      rig.trtc.enterRoom(validParams);
      rig.status(status.entered());
      const inRoom = rig.trtc.getPusherAttributes();
      rig.trtc.setPusherAttributes(config as never);
      expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.INVALID_ATTRIBUTE, ErrorCode.INVALID_ATTRIBUTE]);
      expect(rig.trtc.getPusherAttributes()).toEqual(inRoom);
    },
  );

  test('muteLocal({audio: true}) disables the microphone (true = disabled); {video: true} the camera', () => {
    rig = createRig();
    rig.join({ enableMic: true, enableCamera: true });
    expect(rig.trtc.muteLocal({ audio: true })).toMatchObject({ enableMic: false, enableCamera: true });
    expect(rig.trtc.muteLocal({ video: true })).toMatchObject({ enableMic: false, enableCamera: false });
    expect(rig.trtc.muteLocal({ audio: false })).toMatchObject({ enableMic: true, enableCamera: false });
  });

  test('muteLocal before entering works too', () => {
    rig = createRig();
    rig.trtc.createPusher({ enableMic: true });
    expect(rig.trtc.muteLocal({ audio: true }).enableMic).toBe(false);
  });
});

describe('pusherInstance methods reach the <live-pusher> context', () => {
  function pushing(): Rig {
    const r = createRig();
    r.join();
    r.status(status.pushBegin());
    r.clear();
    return r;
  }

  test('start() calls start once the url is known', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.trtc.enterRoom(validParams);
    expect(pusherMethods(rig)).toEqual([]);
    rig.trtc.getPusherInstance()!.start();
    expect(pusherMethods(rig)).toEqual(['start']);
  });

  test("start()'s success callback is called", async () => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.trtc.enterRoom(validParams);
    const success = jest.fn();
    rig.trtc.getPusherInstance()!.start({ success });
    await settle();
    expect(success).toHaveBeenCalledTimes(1);
  });

  test('stop, pause, resume', () => {
    rig = pushing();
    const pusher = rig.trtc.getPusherInstance()!;
    pusher.pause();
    pusher.resume();
    pusher.stop();
    expect(pusherMethods(rig)).toEqual(['pause', 'resume', 'stop']);
  });

  test('startPreview / stopPreview', () => {
    rig = createRig();
    const pusher = rig.trtc.createPusher({});
    pusher.startPreview();
    pusher.stopPreview();
    expect(pusherMethods(rig)).toEqual(['startPreview', 'stopPreview']);
  });

  test('switchCamera toggles frontCamera and returns the updated attributes', () => {
    rig = createRig();
    const pusher = rig.trtc.createPusher({});
    expect(pusher.switchCamera().frontCamera).toBe('back');
    expect(pusher.switchCamera().frontCamera).toBe('front');
    expect(rig.trtc.getPusherAttributes().frontCamera).toBe('front');
    expect(pusherMethods(rig)).toEqual(['switchCamera', 'switchCamera']);
  });

  test("switchCamera('back') reaches LivePusherContext.switchCamera exactly as the page gave it (Tencent's demo pages)", () => {
    rig = createRig();
    const pusher = rig.trtc.createPusher({});
    expect(pusher.switchCamera('back').frontCamera).toBe('back');
    const call = rig.wx.callsOf('pusher', 'switchCamera')[0]!;
    expect(call.options).toBe('back');
    // An options object keeps the page's own callbacks.
    const success = jest.fn();
    pusher.switchCamera({ success });
    expect(rig.wx.callsOf('pusher', 'switchCamera')[1]!.options).toMatchObject({ success });
  });

  test('playBGM / pauseBGM / resumeBGM / stopBGM with their params', () => {
    rig = pushing();
    const pusher = rig.trtc.getPusherInstance()!;
    pusher.playBGM({ url: 'https://example.com/bgm.mp3' });
    pusher.pauseBGM();
    pusher.resumeBGM();
    pusher.stopBGM();
    expect(pusherMethods(rig)).toEqual(['playBGM', 'pauseBGM', 'resumeBGM', 'stopBGM']);
    expect(rig.wx.callsOf('pusher', 'playBGM')[0]!.options).toMatchObject({ url: 'https://example.com/bgm.mp3' });
  });

  test('setBGMVolume accepts {volume} and {volume: {volume}}; setMICVolume {volume}', () => {
    rig = createRig();
    const pusher = rig.trtc.createPusher({});
    pusher.setBGMVolume({ volume: 0.4 });
    pusher.setBGMVolume({ volume: { volume: 0.6 } });
    pusher.setMICVolume({ volume: 0.8 });
    const calls = rig.wx.callsOf('pusher');
    expect(calls.map((c) => c.method)).toEqual(['setBGMVolume', 'setBGMVolume', 'setMICVolume']);
    expect(calls.map((c) => c.options?.volume)).toEqual([0.4, 0.6, 0.8]);
  });

  test('toggleTorch', () => {
    rig = createRig();
    rig.trtc.createPusher({}).toggleTorch();
    expect(pusherMethods(rig)).toEqual(['toggleTorch']);
  });

  test('snapshot() resolves with the image and saves it to the album', async () => {
    rig = createRig();
    const pusher = rig.trtc.createPusher({});
    const shot = await pusher.snapshot();
    expect(shot.tempImagePath).toMatch(/^wxfile:\/\/tmp\/pusher-/);
    expect(rig.wx.album).toEqual([shot.tempImagePath]);
    expect(rig.wx.callsOf('pusher', 'snapshot')[0]!.options).toMatchObject({ quality: 'raw' });
  });

  test('snapshot() rejects when WeChat fails it, and nothing is saved', async () => {
    rig = createRig({}, { failing: ['pusher.snapshot'] });
    const pusher = rig.trtc.createPusher({});
    await expect(pusher.snapshot()).rejects.toThrow();
    expect(rig.wx.album).toEqual([]);
  });

  test('snapshot() rejects when saving to the album fails', async () => {
    rig = createRig({}, { failing: ['saveImageToPhotosAlbum'] });
    await expect(rig.trtc.createPusher({}).snapshot()).rejects.toThrow();
  });

  test('a failing context call reaches the page fail callback', async () => {
    rig = createRig({}, { failing: ['pusher.setMICVolume'] });
    const fail = jest.fn();
    rig.trtc.createPusher({}).setMICVolume({ volume: 0.5, fail });
    await settle();
    expect(fail).toHaveBeenCalledWith(expect.objectContaining({ errMsg: 'setMICVolume:fail' }));
  });

  test('getPusherInstance().setPusherAttributes is the same as the facade method', () => {
    rig = createRig();
    const pusher = rig.trtc.createPusher({});
    expect(pusher.setPusherAttributes({ enableAgc: true }).enableAgc).toBe(true);
    expect(rig.trtc.getPusherAttributes().enableAgc).toBe(true);
  });
});

describe('BGM events', () => {
  test('pusherBGMStartHandler -> BGM_PLAY_START', () => {
    rig = createRig();
    rig.join();
    rig.clear();
    // WXML hands every bound handler its event, even the ones that do not read it.
    (rig.trtc.pusherBGMStartHandler as (event: unknown) => void)({ type: 'bgmstart', detail: {} });
    expect(rig.codes()).toEqual(['BGM_PLAY_START']);
  });

  test('pusherBGMProgressHandler -> BGM_PLAY_PROGRESS {progress, duration}', () => {
    rig = createRig();
    rig.join();
    rig.clear();
    rig.trtc.pusherBGMProgressHandler({ type: 'bgmprogress', detail: { progress: 12, duration: 180 } });
    expect(rig.events).toEqual([{ eventCode: 'BGM_PLAY_PROGRESS', data: { progress: 12, duration: 180 } }]);
  });

  test('pusherBGMCompleteHandler -> BGM_PLAY_COMPLETE, and the BGM region is off again', () => {
    rig = createRig();
    rig.join();
    rig.trtc.getPusherInstance()!.playBGM({ url: 'https://example.com/a.mp3' });
    rig.clear();
    (rig.trtc.pusherBGMCompleteHandler as (event: unknown) => void)({ type: 'bgmcomplete', detail: {} });
    expect(rig.codes()).toEqual(['BGM_PLAY_COMPLETE']);
    const pusher = rig.trtc.actor.getSnapshot().context.pusher!;
    expect((pusher.getSnapshot().value as { bgm: string }).bgm).toBe('off');
  });

  test('binderror 10003 -> ERROR 10003 and BGM_PLAY_FAIL', () => {
    rig = createRig();
    rig.join();
    rig.trtc.getPusherInstance()!.playBGM({ url: 'https://example.com/missing.mp3' });
    rig.clear();
    rig.trtc.pusherErrorHandler({ type: 'error', detail: { errCode: 10003, errMsg: 'bgm load failed' } });
    expect(rig.of('ERROR').map((e) => e.data)).toEqual([{ code: 10003, message: 'bgm load failed' }]);
    expect(rig.of('BGM_PLAY_FAIL')).toHaveLength(1);
    expect(rig.of('BGM_PLAY_FAIL')[0]!.data.errMsg).toBe('bgm load failed');
  });

  test('a playBGM call WeChat fails -> BGM_PLAY_FAIL', async () => {
    rig = createRig({}, { failing: ['pusher.playBGM'] });
    rig.join();
    rig.clear();
    rig.trtc.getPusherInstance()!.playBGM({ url: 'https://example.com/a.mp3' });
    await settle();
    expect(rig.codes()).toContain('BGM_PLAY_FAIL');
  });

  test('other binderror codes are an ERROR but not a BGM failure', () => {
    rig = createRig();
    rig.join();
    rig.clear();
    rig.trtc.pusherErrorHandler({ type: 'error', detail: { errCode: 10001, errMsg: 'no camera permission' } });
    expect(rig.codes()).toEqual(['ERROR']);
    expect(rig.of('ERROR')[0]!.data.code).toBe(10001);
  });
});

describe('local net status and volume', () => {
  test('pusherNetStatusHandler -> LOCAL_NET_STATE_UPDATE {pusher} with netStatus set', () => {
    rig = createRig();
    rig.join();
    rig.clear();
    const info = { videoBitrate: 850, netQualityLevel: 2 };
    rig.trtc.pusherNetStatusHandler({ type: 'netstatus', detail: { info } });
    expect(rig.codes()).toEqual(['LOCAL_NET_STATE_UPDATE']);
    expect(rig.events[0]!.data.pusher.netStatus).toEqual(info);
    expect(rig.trtc.getPusherAttributes().netStatus).toEqual(info);
  });

  test('pusherAudioVolumeNotify -> LOCAL_AUDIO_VOLUME_UPDATE with pusher.volume', () => {
    rig = createRig();
    rig.join();
    rig.clear();
    rig.trtc.pusherAudioVolumeNotify({ type: 'audiovolumenotify', detail: { volume: 37 } });
    expect(rig.codes()).toEqual(['LOCAL_AUDIO_VOLUME_UPDATE']);
    expect(rig.events[0]!.data.pusher.volume).toBe(37);
  });

  test('the pusher in LOCAL_NET_STATE_UPDATE is a copy the page cannot use to change the SDK', () => {
    rig = createRig();
    rig.join();
    rig.trtc.pusherNetStatusHandler({ type: 'netstatus', detail: { info: { a: 1 } } });
    const event = rig.of('LOCAL_NET_STATE_UPDATE')[0]!;
    event.data.pusher.url = 'hacked';
    expect(rig.trtc.getPusherAttributes().url).toContain('room://');
  });
});
