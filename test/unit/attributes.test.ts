// pusherAttributes / playerAttributes: defaults from the seed tables, validation with INVALID_ATTRIBUTE, player ids.

import {
  DEFAULT_PLAYER_ATTRIBUTES,
  DEFAULT_PUSHER_ATTRIBUTES,
  checkPlayerAttributes,
  checkPusherAttributes,
  initialPlayerAttributes,
  parsePlayerId,
  playerIdOf,
} from '../../src/core/attributes';
import { ErrorCode } from '../../src/core/errors';

describe('pusher defaults', () => {
  test('equal the seed table of pusherAttributes', () => {
    expect(DEFAULT_PUSHER_ATTRIBUTES).toMatchObject({
      mode: 'RTC',
      enableCamera: false,
      enableMic: false,
      enableAgc: false,
      enableAns: false,
      minBitrate: 600,
      maxBitrate: 900,
      frontCamera: 'front',
      enableZoom: false,
      videoWidth: 360,
      videoHeight: 640,
      beautyLevel: 0,
      whitenessLevel: 0,
      videoOrientation: 'vertical',
      enableRemoteMirror: false,
      localMirror: 'auto',
      audioQuality: 'high',
      audioVolumeType: 'voicecall',
      audioReverbType: 0,
      beautyStyle: 'smooth',
      filter: '',
    });
  });

  test('start with no url, not pushing by themselves', () => {
    expect(DEFAULT_PUSHER_ATTRIBUTES.url).toBe('');
    expect(DEFAULT_PUSHER_ATTRIBUTES.autopush).toBe(false);
  });

  test('cannot be mutated by a page', () => {
    expect(Object.isFrozen(DEFAULT_PUSHER_ATTRIBUTES)).toBe(true);
  });
});

describe('player defaults', () => {
  test('equal the seed table of playerAttributes', () => {
    expect(DEFAULT_PLAYER_ATTRIBUTES).toMatchObject({
      mode: 'RTC',
      autoplay: true,
      muteAudio: true,
      muteVideo: true,
      orientation: 'vertical',
      objectFit: 'fillCrop',
      minCache: 1,
      maxCache: 2,
      soundMode: 'speaker',
      enableRecvMessage: false,
      autoPauseIfNavigate: true,
      autoPauseIfOpenNative: true,
    });
  });

  test("a new player's attributes carry its identity: id userID_streamType, streamID, src and published tracks", () => {
    const attributes = initialPlayerAttributes({ userID: 'bob', streamType: 'main', src: 'room://x', hasVideo: true, hasAudio: false });
    expect(attributes).toMatchObject({
      id: 'bob_main',
      userID: 'bob',
      streamType: 'main',
      streamID: 'bob_main',
      src: 'room://x',
      hasVideo: true,
      hasAudio: false,
      objectFit: 'fillCrop',
      _definitionType: 'main',
    });
  });

  test('a screen share (aux) is shown whole: objectFit contain', () => {
    expect(initialPlayerAttributes({ userID: 'bob', streamType: 'aux', src: '', hasVideo: true, hasAudio: false }).objectFit).toBe('contain');
  });

  test("a screen share (aux) starts with its audio on: muteAudio false (trtc-wx 1.1.3's fix for silent Android screen shares)", () => {
    const aux = initialPlayerAttributes({ userID: 'bob', streamType: 'aux', src: '', hasVideo: true, hasAudio: true });
    expect(aux.muteAudio).toBe(false);
    // Only the audio flag is the fix: video follows the defaults like any player's.
    expect(aux.muteVideo).toBe(DEFAULT_PLAYER_ATTRIBUTES.muteVideo);
    expect(initialPlayerAttributes({ userID: 'bob', streamType: 'main', src: '', hasVideo: true, hasAudio: true }).muteAudio).toBe(DEFAULT_PLAYER_ATTRIBUTES.muteAudio);
  });
});

describe('checkPusherAttributes', () => {
  test.each([
    [{ enableMic: 'true' }],
    [{ enableCamera: 1 }],
    [{ minBitrate: '600' }],
    [{ maxBitrate: NaN }],
    [{ videoWidth: -1 }],
    [{ beautyLevel: 10 }],
    [{ whitenessLevel: -1 }],
    [{ audioReverbType: 8 }],
    [{ frontCamera: 'left' }],
    [{ mode: 'rtc-ish' }],
    [{ localMirror: true }],
    [{ audioQuality: 'medium' }],
    [{ audioVolumeType: 'loud' }],
    [{ beautyStyle: 'glam' }],
    [{ videoOrientation: 'diagonal' }],
    [{ url: 5 }],
    [{ netStatus: null }],
  ])('%p is refused with INVALID_ATTRIBUTE naming the key', (config) => {
    const error = checkPusherAttributes(config);
    expect(error?.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
    expect(error?.data).toEqual({ key: Object.keys(config)[0] });
  });

  test.each([[null], ['enableMic'], [[{ enableMic: true }]], [42]])('a non-object config %p is refused with INVALID_ATTRIBUTE', (config) => {
    expect(checkPusherAttributes(config)?.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  test('valid values and the range bounds pass', () => {
    expect(
      checkPusherAttributes({ enableMic: true, beautyLevel: 0, whitenessLevel: 9, audioReverbType: 7, frontCamera: 'back', mode: 'live', localMirror: 'disable' }),
    ).toBeNull();
  });

  test('unknown keys pass through (attributes newer than this SDK)', () => {
    expect(checkPusherAttributes({ fps: 15, somethingNew: { a: 1 } })).toBeNull();
  });

  test('the first bad key is reported even after good ones', () => {
    expect(checkPusherAttributes({ enableMic: true, minBitrate: 'x' })?.data).toEqual({ key: 'minBitrate' });
  });
});

describe('checkPlayerAttributes', () => {
  test.each([
    [{ muteAudio: 1 }],
    [{ muteVideo: 'false' }],
    [{ autoplay: null }],
    [{ objectFit: 'cover' }],
    [{ orientation: 'up' }],
    [{ minCache: -1 }],
    [{ maxCache: 61 }],
    [{ soundMode: 'headphones' }],
    [{ mode: 'RTMP' }],
    [{ src: 0 }],
    [{ volume: 101 }],
  ])('%p is refused with INVALID_ATTRIBUTE', (config) => {
    expect(checkPlayerAttributes(config)?.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });

  test.each([['id'], ['userID'], ['streamType'], ['streamID'], ['hasVideo'], ['hasAudio'], ['_definitionType']])(
    'the identity key %p cannot be set by a page',
    (key) => {
      const error = checkPlayerAttributes({ [key]: key === 'hasVideo' || key === 'hasAudio' ? true : 'x' });
      expect(error?.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
      expect(error?.data).toEqual({ key });
    },
  );

  test('valid values and unknown keys pass', () => {
    expect(checkPlayerAttributes({ muteAudio: false, muteVideo: false, objectFit: 'contain', minCache: 0, maxCache: 60, pictureInPictureMode: ['push'] })).toBeNull();
  });

  test('a non-object config is refused', () => {
    expect(checkPlayerAttributes(undefined)?.code).toBe(ErrorCode.INVALID_ATTRIBUTE);
  });
});

describe('player ids', () => {
  test('are userID_streamType and parse back, even when the userID holds underscores', () => {
    expect(playerIdOf('bob', 'main')).toBe('bob_main');
    expect(parsePlayerId('bob_aux')).toEqual({ userID: 'bob', streamType: 'aux' });
    expect(parsePlayerId('the_user_main')).toEqual({ userID: 'the_user', streamType: 'main' });
  });

  test.each([['bob'], ['bob_small'], ['_main'], ['']])('%p is not a player id', (id) => {
    expect(parsePlayerId(id)).toBeNull();
  });
});
