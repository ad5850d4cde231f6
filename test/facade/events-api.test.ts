// on/off semantics, throwing handlers, garbage into the handler methods, setBusinessId and setUserVisibility.

import { TRTC } from '../../src/trtc';
import { EVENT, type TRTCEvent } from '../../src/view/events';
import { ErrorCode } from '../../src/core/errors';
import { logger } from '../../src/core/log';
import { createRig, type Rig } from '../helpers/facade';
import { status, validParams } from '../helpers/status';

let rig: Rig;
afterEach(() => rig?.dispose());

describe('on / off', () => {
  test('EVENT is on the class and on instances, with the seed names', () => {
    rig = createRig();
    expect(TRTC.EVENT.LOCAL_JOIN).toBe('LOCAL_JOIN');
    expect(rig.trtc.EVENT).toBe(TRTC.EVENT);
    for (const name of ['LOCAL_JOIN', 'LOCAL_LEAVE', 'KICKED_OUT', 'REMOTE_USER_JOIN', 'REMOTE_USER_LEAVE', 'REMOTE_VIDEO_ADD', 'REMOTE_VIDEO_REMOVE',
      'REMOTE_AUDIO_ADD', 'REMOTE_AUDIO_REMOVE', 'REMOTE_STATE_UPDATE', 'LOCAL_NET_STATE_UPDATE', 'REMOTE_NET_STATE_UPDATE',
      'REMOTE_AUDIO_VOLUME_UPDATE', 'LOCAL_AUDIO_VOLUME_UPDATE', 'VIDEO_FULLSCREEN_UPDATE', 'BGM_PLAY_PROGRESS', 'BGM_PLAY_COMPLETE', 'ERROR']) {
      expect((EVENT as Record<string, string>)[name]).toBe(name);
    }
  });

  test('on(code, fn, ctx) calls fn with this === ctx and {eventCode, data}', () => {
    rig = createRig();
    const ctx = { name: 'page' };
    let seenThis: unknown;
    let seenEvent: TRTCEvent | undefined;
    rig.trtc.on(EVENT.LOCAL_JOIN, function (this: unknown, event) {
      seenThis = this;
      seenEvent = event;
    }, ctx);
    rig.join();
    expect(seenThis).toBe(ctx);
    expect(seenEvent).toEqual({ eventCode: 'LOCAL_JOIN', data: undefined });
  });

  test('off(code, fn) removes only that handler', () => {
    rig = createRig();
    const a = jest.fn();
    const b = jest.fn();
    const other = jest.fn();
    rig.trtc.on(EVENT.REMOTE_USER_JOIN, a);
    rig.trtc.on(EVENT.REMOTE_USER_JOIN, b);
    rig.trtc.on(EVENT.REMOTE_USER_LEAVE, other);
    rig.trtc.off(EVENT.REMOTE_USER_JOIN, a);
    rig.join();
    rig.status(status.joined('bob'), status.left('bob'));
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
    expect(other).toHaveBeenCalledTimes(1);
  });

  test('off(code) removes every handler of that code only', () => {
    rig = createRig();
    const a = jest.fn();
    const b = jest.fn();
    const other = jest.fn();
    rig.trtc.on(EVENT.REMOTE_USER_JOIN, a);
    rig.trtc.on(EVENT.REMOTE_USER_JOIN, b);
    rig.trtc.on(EVENT.REMOTE_USER_LEAVE, other);
    rig.trtc.off(EVENT.REMOTE_USER_JOIN);
    rig.join();
    rig.status(status.joined('bob'), status.left('bob'));
    expect(a).not.toHaveBeenCalled();
    expect(b).not.toHaveBeenCalled();
    expect(other).toHaveBeenCalledTimes(1);
  });

  test('off() removes everything', () => {
    rig = createRig();
    const a = jest.fn();
    rig.trtc.on(EVENT.LOCAL_JOIN, a);
    rig.trtc.on(EVENT.REMOTE_USER_JOIN, a);
    rig.trtc.off();
    rig.join();
    rig.status(status.joined('bob'));
    expect(a).not.toHaveBeenCalled();
    expect(rig.events).toEqual([]);
  });

  test('off(code, fn) of a handler registered twice removes one registration', () => {
    rig = createRig();
    const a = jest.fn();
    rig.trtc.on(EVENT.LOCAL_JOIN, a);
    rig.trtc.on(EVENT.LOCAL_JOIN, a);
    rig.trtc.off(EVENT.LOCAL_JOIN, a);
    rig.join();
    expect(a).toHaveBeenCalledTimes(1);
  });

  test('a handler that throws does not break the SDK: other handlers and later events are still delivered', () => {
    rig = createRig();
    const after = jest.fn();
    rig.trtc.on(EVENT.REMOTE_USER_JOIN, () => {
      throw new Error('page bug');
    });
    rig.trtc.on(EVENT.REMOTE_USER_JOIN, after);
    rig.join();
    expect(() => rig.status(status.joined('bob'))).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    rig.status(status.video('bob', true), status.joined('carol'));
    expect(after).toHaveBeenCalledTimes(2);
    expect(rig.of('REMOTE_VIDEO_ADD')).toHaveLength(1);
    expect(rig.trtc.getPlayerList().map((p) => p.id)).toEqual(['bob_main']);
  });

  test('a handler that unregisters itself while running does not skip the next handler', () => {
    rig = createRig();
    const second = jest.fn();
    const first = (): void => rig.trtc.off(EVENT.LOCAL_JOIN, first);
    rig.trtc.on(EVENT.LOCAL_JOIN, first);
    rig.trtc.on(EVENT.LOCAL_JOIN, second);
    rig.join();
    expect(second).toHaveBeenCalledTimes(1);
  });

  test('on() with a non-function handler is ignored without throwing', () => {
    rig = createRig();
    expect(() => rig.trtc.on(EVENT.LOCAL_JOIN, 'nope' as never)).not.toThrow();
    expect(() => rig.join()).not.toThrow();
  });
});

describe('garbage into the handler methods', () => {
  const garbage: unknown[] = [
    undefined,
    null,
    {},
    { detail: {} },
    { detail: null },
    { detail: { code: 'x' } },
    { detail: { code: undefined, message: 42 } },
    { detail: { info: 'not an object', volume: 'loud' } },
    { detail: { errCode: 'x' } },
    { detail: { code: 1031, message: '{"userlist": [' } },
    { detail: { code: 1031, message: 'null' } },
    { detail: { code: 1033, message: '{"userlist":[{"hasvideo":true}]}' } },
    { detail: { code: 1034, message: 12 } },
    { detail: { code: 1020, message: '{"userlist":{}}' } },
  ];
  const statusHandlers = [
    'pusherEventHandler',
    'pusherNetStatusHandler',
    'pusherErrorHandler',
    'pusherAudioVolumeNotify',
    'playerEventHandler',
    'playerNetStatus',
    'playerAudioVolumeNotify',
  ] as const;

  // Every handler sits behind a wrapper that catches and logs whatever its body throws, so "does not throw"
  // alone proves nothing. These tests require that the body itself read the garbage without throwing (the
  // wrapper's logger.error never ran) and that what it did with it is exactly right.
  let caught: jest.SpyInstance;
  beforeEach(() => {
    caught = jest.spyOn(logger, 'error');
  });
  afterEach(() => caught.mockRestore());

  test.each(statusHandlers)('%s reads garbage without an exception and drops what it cannot read (in a room)', (name) => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    rig.clear();
    const handler = rig.trtc[name] as (event: unknown) => void;
    for (const event of garbage) handler(event);
    expect(caught).not.toHaveBeenCalled();
    expect(rig.events).toEqual([]);
    expect(rig.trtc.getPlayerList().map((p) => p.id)).toEqual(['bob_main']);
    // The SDK still works afterwards.
    rig.status(status.joined('carol'));
    expect(rig.of('REMOTE_USER_JOIN').map((e) => e.data.userID)).toEqual(['carol']);
  });

  // These four carry no data they depend on: as in trtc-wx, each call is its event, whatever the payload.
  const detailOf = (event: unknown) => (event as { detail?: unknown } | null | undefined)?.detail;
  test.each([
    ['pusherBGMStartHandler', 'BGM_PLAY_START', () => undefined],
    [
      'pusherBGMProgressHandler',
      'BGM_PLAY_PROGRESS',
      (event: unknown) => ({ progress: (detailOf(event) as { progress?: unknown } | null)?.progress, duration: (detailOf(event) as { duration?: unknown } | null)?.duration }),
    ],
    ['pusherBGMCompleteHandler', 'BGM_PLAY_COMPLETE', () => undefined],
    ['playerFullscreenChange', 'VIDEO_FULLSCREEN_UPDATE', detailOf],
  ] as const)('%s turns each call, garbage included, into one %s without an exception', (name, code, dataOf) => {
    rig = createRig();
    rig.join();
    rig.clear();
    const handler = rig.trtc[name] as (event: unknown) => void;
    for (const event of garbage) handler(event);
    expect(caught).not.toHaveBeenCalled();
    expect(rig.events).toEqual(garbage.map((event) => ({ eventCode: code, data: dataOf(event) })));
    handler({ detail: { progress: 3, duration: 9 } });
    expect(rig.events).toHaveLength(garbage.length + 1);
  });

  test('garbage before any pusher or room: read without an exception, nothing emitted, no pusher made', () => {
    rig = createRig();
    for (const name of statusHandlers) {
      const handler = rig.trtc[name] as (event: unknown) => void;
      for (const event of garbage) handler(event);
    }
    expect(caught).not.toHaveBeenCalled();
    expect(rig.events).toEqual([]);
    expect(rig.trtc.getPusherInstance()).toBeNull();
    expect(rig.trtc.actor.getSnapshot().value).toBe('idle');
  });

  test('what the wrapper is for: a failure inside a handler is logged, never thrown into the page', () => {
    rig = createRig();
    rig.join();
    const hostile = { get detail(): never {
      throw new Error('a getter that throws');
    } };
    expect(() => rig.trtc.pusherEventHandler(hostile as never)).not.toThrow();
    expect(caught).toHaveBeenCalledTimes(1);
    expect(String(caught.mock.calls[0]![0])).toContain('pusherEventHandler failed');
  });
});

describe('setBusinessId', () => {
  test('before enterRoom it is accepted silently and kept', () => {
    rig = createRig();
    rig.trtc.setBusinessId('order-42');
    expect(rig.codes()).toEqual([]);
    expect(rig.trtc.actor.getSnapshot().context.businessId).toBe('order-42');
  });

  test.each([[''], ['has space'], ['x'.repeat(129)], [42], [null], ['a&b']])('%p is refused with INVALID_ARGUMENT and not kept', (id) => {
    rig = createRig();
    rig.trtc.setBusinessId('kept');
    rig.trtc.setBusinessId(id as never);
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.INVALID_ARGUMENT]);
    expect(rig.trtc.actor.getSnapshot().context.businessId).toBe('kept');
  });

  test('after enterRoom it is refused with WRONG_STATE (entering and in the room)', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.trtc.enterRoom(validParams);
    rig.trtc.setBusinessId('late');
    rig.status(status.entered());
    rig.trtc.setBusinessId('later');
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.WRONG_STATE, ErrorCode.WRONG_STATE]);
    expect(rig.trtc.actor.getSnapshot().context.businessId).toBeNull();
  });

  test('after exitRoom it can be set again for the next room', () => {
    rig = createRig();
    rig.join();
    rig.trtc.exitRoom();
    rig.clear();
    rig.trtc.setBusinessId('next');
    expect(rig.codes()).toEqual([]);
    expect(rig.trtc.actor.getSnapshot().context.businessId).toBe('next');
  });
});

describe('setUserVisibility with the trtc-room driver', () => {
  test('in a room: ERROR NOT_SUPPORTED_BY_DRIVER', () => {
    rig = createRig();
    rig.join();
    rig.clear();
    rig.trtc.setUserVisibility(false);
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.NOT_SUPPORTED_BY_DRIVER]);
  });
});
