// The facade's room lifecycle: enterRoom / exitRoom / kicks, bad input, wrong states, and what is stopped on the way out.

import { ErrorCode } from '../../src/core/errors';
import { createRig, type Rig } from '../helpers/facade';
import { status, validParams } from '../helpers/status';

let rig: Rig;
afterEach(() => rig?.dispose());

const REMOTE = /^(REMOTE_|STREAM_|MUTE_|UNMUTE_|UPDATE_URL)/;
const remoteEvents = (r: Rig) => r.codes().filter((c) => REMOTE.test(c));
const roomState = (r: Rig) => r.trtc.actor.getSnapshot().value;

describe('entering', () => {
  test('enterRoom returns pusherAttributes whose url is the room url, and LOCAL_JOIN follows 1018', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    const pusher = rig.trtc.enterRoom(validParams);
    expect(pusher.url).toMatch(/^room:\/\/cloud\.tencent\.com\/rtc\?sdkappid=1400000001&roomid=1234&userid=alice&usersig=sig-alice&/);
    expect(rig.codes()).not.toContain('LOCAL_JOIN');
    rig.status(status.entered());
    expect(rig.of('LOCAL_JOIN')).toHaveLength(1);
  });

  test('enterRoom without createPusher still gives a pusher with the url', () => {
    rig = createRig();
    expect(rig.trtc.getPusherInstance()).toBeNull();
    const pusher = rig.trtc.enterRoom(validParams);
    expect(pusher.url).toContain('roomid=1234');
    expect(rig.trtc.getPusherInstance()?.pusherAttributes.url).toBe(pusher.url);
  });

  test('pusher attributes riding along with enterRoom are applied, and identity is readable (no userSig)', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    const pusher = rig.trtc.enterRoom({ ...validParams, enableMic: true, enableCamera: true, beautyLevel: 5 });
    expect(pusher).toMatchObject({ enableMic: true, enableCamera: true, beautyLevel: 5, userID: 'alice', sdkAppID: 1400000001, roomID: 1234 });
    expect(pusher.userSig).toBeUndefined();
  });

  test.each([
    [{ ...validParams, sdkAppID: undefined }, ErrorCode.INVALID_SDK_APP_ID],
    [{ ...validParams, userID: '' }, ErrorCode.INVALID_USER_ID],
    [{ ...validParams, userID: 'a&b' }, ErrorCode.INVALID_USER_ID],
    [{ ...validParams, userSig: '' }, ErrorCode.INVALID_USER_SIG],
    [{ ...validParams, roomID: 0 }, ErrorCode.INVALID_ROOM_ID],
    [{ ...validParams, roomID: 4294967295 }, ErrorCode.INVALID_ROOM_ID],
    [{ ...validParams, strRoomID: 'x'.repeat(65) }, ErrorCode.INVALID_STR_ROOM_ID],
    [{ ...validParams, scene: 'party' }, ErrorCode.INVALID_SCENE],
    [{ ...validParams, role: 'host' }, ErrorCode.INVALID_ROLE],
    [{ ...validParams, enableMic: 'yes' }, ErrorCode.INVALID_ATTRIBUTE],
    [null, ErrorCode.INVALID_ENTER_PARAMS],
  ])('invalid params %#: ERROR with the numeric code, no url, still idle', (params, code) => {
    rig = createRig();
    rig.trtc.createPusher({});
    const pusher = rig.trtc.enterRoom(params as never);
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([code]);
    expect(typeof rig.of('ERROR')[0]!.data.message).toBe('string');
    expect(pusher.url).toBe('');
    expect(roomState(rig)).toBe('idle');
    expect(rig.codes()).toEqual(['ERROR']);
  });

  test('after refused params, valid ones enter normally', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.trtc.enterRoom({ ...validParams, roomID: 0 });
    expect(rig.trtc.enterRoom(validParams).url).toContain('roomid=1234');
  });

  test('enterRoom while entering or in a room is an ERROR WRONG_STATE and changes nothing', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    const url = rig.trtc.enterRoom(validParams).url;
    rig.trtc.enterRoom({ ...validParams, roomID: 99 });
    rig.status(status.entered());
    rig.trtc.enterRoom({ ...validParams, roomID: 98 });
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.WRONG_STATE, ErrorCode.WRONG_STATE]);
    expect(rig.trtc.getPusherAttributes().url).toBe(url);
    expect(rig.of('LOCAL_JOIN')).toHaveLength(1);
  });

  test('createPusher while in a room is refused with WRONG_STATE', () => {
    rig = createRig();
    rig.join();
    rig.clear();
    rig.trtc.createPusher({ enableCamera: true });
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.WRONG_STATE]);
    expect(rig.trtc.getPusherAttributes().url).toContain('room://');
  });

  test.each([
    ['-100018 (userSig invalid)', status.userSigInvalid()],
    ['-3301 (enter failed)', status.enterFailed()],
  ])('%s while entering: ERROR with that code, the room back to idle, no LOCAL_JOIN', (_, failure) => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.trtc.enterRoom(validParams);
    rig.trtc.getPusherInstance()!.start();
    rig.status(failure);
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([failure.code]);
    expect(roomState(rig)).toBe('idle');
    expect(rig.codes()).not.toContain('LOCAL_JOIN');
    // The room can be entered again.
    expect(rig.trtc.enterRoom(validParams).url).toContain('room://');
  });
});

describe('notifications outside the room are dropped', () => {
  test('remote notifications before 1018 produce no REMOTE_* event and no player', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.trtc.enterRoom(validParams);
    rig.status(status.joined('bob'), status.video('bob', true), status.audio('bob', true), status.userList('bob'));
    expect(remoteEvents(rig)).toEqual([]);
    expect(rig.trtc.getPlayerList()).toEqual([]);
  });

  test('remote notifications before enterRoom are dropped', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.status(status.joined('bob'), status.video('bob', true));
    expect(remoteEvents(rig)).toEqual([]);
    expect(rig.trtc.getPlayerList()).toEqual([]);
  });

  test('remote notifications after exit are dropped', () => {
    rig = createRig();
    rig.join();
    rig.trtc.exitRoom();
    rig.clear();
    rig.status(status.joined('bob'), status.video('bob', true), status.audio('bob', true), status.entered());
    expect(remoteEvents(rig)).toEqual([]);
    expect(rig.codes()).not.toContain('LOCAL_JOIN');
    expect(rig.trtc.getPlayerList()).toEqual([]);
  });

  test.each([
    [1, 'banned'],
    [2, 'room-disband'],
    [3, 'kick'],
  ])('1019 reason[%i] is KICKED_OUT with reason %s, and nothing remote is processed afterwards', (reason, name) => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    rig.clear();
    rig.status(status.exited(reason));
    expect(rig.of('KICKED_OUT').map((e) => e.data.reason)).toEqual([name]);
    expect(typeof rig.of('KICKED_OUT')[0]!.data.message).toBe('string');
    expect(rig.trtc.getPlayerList()).toEqual([]);
    rig.clear();
    rig.status(status.joined('carol'), status.video('carol', true), status.audio('bob', true), status.left('bob'), status.entered());
    expect(remoteEvents(rig)).toEqual([]);
    expect(rig.codes()).not.toContain('LOCAL_JOIN');
    expect(rig.trtc.getPlayerList()).toEqual([]);
  });

  test('exitRoom after a kick returns the reset state and answers with LOCAL_LEAVE, as trtc-wx', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true), status.exited(1));
    rig.clear();
    const result = rig.trtc.exitRoom();
    expect(result.pusher.url).toBe('');
    expect(result.playerList).toEqual([]);
    expect(rig.events).toEqual([{ eventCode: 'LOCAL_LEAVE', data: undefined }]);
  });

  test('a second 1019 after a kick changes nothing', () => {
    rig = createRig();
    rig.join();
    rig.status(status.exited(1), status.exited(2));
    expect(rig.of('KICKED_OUT')).toHaveLength(1);
  });

  test('after a kick, enterRoom enters again', () => {
    rig = createRig();
    rig.join();
    rig.status(status.exited(3));
    rig.clear();
    expect(rig.trtc.enterRoom(validParams).url).toContain('room://');
    rig.status(status.entered(), status.joined('bob'));
    expect(rig.codes()).toEqual(expect.arrayContaining(['LOCAL_JOIN', 'REMOTE_USER_JOIN']));
  });
});

describe('exiting', () => {
  test('exitRoom returns the pusher with url "" and the createPusher config kept, and an empty playerList', () => {
    rig = createRig();
    rig.join({ enableMic: true }, { enableCamera: true, beautyLevel: 3, frontCamera: 'back' });
    rig.status(status.joined('bob'), status.video('bob', true));
    expect(rig.trtc.getPlayerList()).toHaveLength(1);
    const result = rig.trtc.exitRoom();
    expect(result.playerList).toEqual([]);
    expect(result.pusher).toMatchObject({ url: '', enableCamera: true, beautyLevel: 3, frontCamera: 'back' });
    expect(rig.trtc.getPlayerList()).toEqual([]);
  });

  test('every exitRoom is answered by one LOCAL_LEAVE, the second exit too (trtc-wx emits it on each call)', () => {
    rig = createRig();
    rig.join();
    rig.trtc.exitRoom();
    expect(rig.of('LOCAL_LEAVE')).toHaveLength(1);
    rig.trtc.exitRoom();
    expect(rig.of('LOCAL_LEAVE')).toHaveLength(2);
    // The pusher's own 1019 for our leave is not another answer.
    rig.status(status.exited(0));
    expect(rig.of('LOCAL_LEAVE')).toHaveLength(2);
    rig.trtc.enterRoom(validParams);
    rig.status(status.entered());
    rig.trtc.exitRoom();
    expect(rig.of('LOCAL_LEAVE')).toHaveLength(3);
    expect(rig.of('LOCAL_LEAVE').map((e) => e.data)).toEqual([undefined, undefined, undefined]);
  });

  test('exitRoom without having entered answers LOCAL_LEAVE and returns the reset state', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    const result = rig.trtc.exitRoom();
    expect(rig.codes()).toEqual(['LOCAL_LEAVE']);
    expect(result.playerList).toEqual([]);
    expect(result.pusher.url).toBe('');
  });

  test('exitRoom after a failed enter (-100018) answers LOCAL_LEAVE', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.trtc.enterRoom(validParams);
    rig.trtc.getPusherInstance()!.start();
    rig.status({ code: -100018, message: 'userSig check failed' });
    expect(rig.codes()).toContain('ERROR');
    rig.clear();
    rig.trtc.exitRoom();
    expect(rig.codes()).toEqual(['LOCAL_LEAVE']);
  });

  test('exit stops the started pusher', () => {
    rig = createRig();
    rig.join();
    expect(rig.wx.callsOf('pusher', 'start')).toHaveLength(1);
    rig.trtc.exitRoom();
    expect(rig.wx.callsOf('pusher', 'stop')).toHaveLength(1);
  });

  test('exit stops an autopush pusher although start() was never called', () => {
    rig = createRig();
    rig.trtc.createPusher({ autopush: true });
    rig.trtc.enterRoom(validParams);
    rig.status(status.entered());
    rig.trtc.exitRoom();
    expect(rig.wx.callsOf('pusher', 'stop')).toHaveLength(1);
  });

  test('exit stops every player that pulled media, and leaves the list empty', () => {
    // Manual pull, so that one player (dave) never pulls anything.
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.joined('bob', 'carol', 'dave'), status.video('bob', true), status.audio('carol', true), status.video('dave', true));
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false });
    rig.trtc.setPlayerAttributes('carol_main', { muteAudio: false });
    rig.trtc.exitRoom();
    expect(rig.wx.callsOf('bob_main', 'stop')).toHaveLength(1);
    expect(rig.wx.callsOf('carol_main', 'stop')).toHaveLength(1);
    // dave was never unmuted: its <live-player> never pulled anything.
    expect(rig.wx.callsOf('dave_main')).toEqual([]);
    expect(rig.trtc.getPlayerList()).toEqual([]);
  });

  test('a kick stops the started pusher and every player that pulled media', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true), status.video('bob', true, 'aux'));
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false });
    rig.trtc.setPlayerAttributes('bob_aux', { muteVideo: false });
    rig.status(status.exited(1));
    expect(rig.wx.callsOf('pusher', 'stop')).toHaveLength(1);
    expect(rig.wx.callsOf('bob_main', 'stop')).toHaveLength(1);
    expect(rig.wx.callsOf('bob_aux', 'stop')).toHaveLength(1);
    expect(rig.trtc.getPlayerList()).toEqual([]);
  });

  test('after exit, enterRoom works again without createPusher: the url is set again', () => {
    rig = createRig();
    rig.join();
    const firstUrl = rig.trtc.getPusherAttributes().url;
    expect(rig.trtc.exitRoom().pusher.url).toBe('');
    const pusher = rig.trtc.enterRoom({ ...validParams, roomID: 4321 });
    expect(pusher.url).toContain('roomid=4321');
    expect(pusher.url).not.toBe(firstUrl);
    rig.trtc.getPusherInstance()!.start();
    expect(rig.wx.callsOf('pusher', 'start')).toHaveLength(2);
    rig.status(status.entered(), status.joined('bob'));
    expect(rig.of('LOCAL_JOIN')).toHaveLength(2);
    expect(rig.of('REMOTE_USER_JOIN')).toHaveLength(1);
  });

  test('exit while entering (before 1018) still stops the started pusher', () => {
    rig = createRig();
    rig.trtc.createPusher({});
    rig.trtc.enterRoom(validParams);
    rig.trtc.getPusherInstance()!.start();
    rig.trtc.exitRoom();
    expect(rig.wx.callsOf('pusher', 'stop')).toHaveLength(1);
    expect(roomState(rig)).toBe('idle');
  });

  test('5001 (floating window closed) leaves the room', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    rig.status(status.floatWindowClosed());
    expect(rig.of('LOCAL_LEAVE')).toHaveLength(1);
    expect(rig.trtc.getPlayerList()).toEqual([]);
    expect(rig.wx.callsOf('pusher', 'stop')).toHaveLength(1);
    expect(roomState(rig)).toBe('idle');
  });

  test('destroy() while pushing stops the pusher', () => {
    rig = createRig();
    rig.join();
    rig.trtc.destroy();
    expect(rig.wx.callsOf('pusher', 'stop')).toHaveLength(1);
  });

  test('destroy() (page onUnload) while in a room stops every player that pulled media', () => {
    rig = createRig();
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true));
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false });
    rig.trtc.destroy();
    expect(rig.wx.callsOf('bob_main', 'stop')).toHaveLength(1);
  });
});
