// Remote users and players through the facade: events and lists, duplicates, player status codes, net status and volume, ids.
// These pin the manual pull mode (the API document's table: players muted until the page unmutes them);
// the default, trtc-wx 1.1.15's auto-pull, is tested in pull-default.test.ts.

import { ErrorCode } from '../../src/core/errors';
import { DEFAULT_PLAYER_ATTRIBUTES } from '../../src/core/attributes';
import { createRig, type Rig } from '../helpers/facade';
import { playerEvent, status } from '../helpers/status';

let rig: Rig;
afterEach(() => rig?.dispose());

const REMOTE = /^(REMOTE_|STREAM_|MUTE_|UNMUTE_|UPDATE_URL)/;
const remote = (r: Rig) =>
  r.events
    .filter((e) => REMOTE.test(e.eventCode))
    .map((e) => `${e.eventCode} ${e.data?.userID ?? e.data?.player?.id ?? ''}${e.data?.streamType ? ` ${e.data.streamType}` : ''}`.trim());

function inRoomWithBob(): Rig {
  const r = createRig({ pull: 'manual', retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } });
  r.join();
  r.status(status.joined('bob'), status.video('bob', true), status.audio('bob', true));
  r.clear();
  return r;
}

describe('remote users and streams', () => {
  test('join, video, audio: REMOTE_USER_JOIN, STREAM_ADDED, REMOTE_VIDEO_ADD, REMOTE_AUDIO_ADD with lists', () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true), status.audio('bob', true));
    expect(remote(rig)).toEqual(['REMOTE_USER_JOIN bob', 'STREAM_ADDED bob main', 'REMOTE_VIDEO_ADD bob_main', 'REMOTE_AUDIO_ADD bob_main', 'UNMUTE_AUDIO bob main']);
    const videoAdd = rig.of('REMOTE_VIDEO_ADD')[0]!;
    expect(videoAdd.data.player).toMatchObject({ id: 'bob_main', userID: 'bob', streamType: 'main', hasVideo: true, src: 'room://cloud.tencent.com/rtc?userid=bob&streamtype=main' });
    expect(videoAdd.data.userList).toEqual([{ userID: 'bob', hasMainVideo: true, hasMainAudio: false, hasAuxVideo: false }]);
    expect(videoAdd.data.playerList.map((p: { id: string }) => p.id)).toEqual(['bob_main']);
    expect(rig.of('REMOTE_USER_JOIN')[0]!.data).toMatchObject({ userID: 'bob', userList: [{ userID: 'bob' }], playerList: [] });
    expect(rig.of('REMOTE_AUDIO_ADD')[0]!.data.player).toMatchObject({ hasVideo: true, hasAudio: true });
    expect(rig.trtc.getPlayerList()).toEqual([expect.objectContaining({ id: 'bob_main', hasVideo: true, hasAudio: true, muteVideo: true, muteAudio: true })]);
  });

  test("REMOTE_AUDIO_REMOVE carries the API document's id and trtc-wx's player, with the lists", () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true), status.audio('bob', true), status.audio('bob', false), status.left('bob'));
    const removed = rig.of('REMOTE_AUDIO_REMOVE');
    expect(removed).toHaveLength(1);
    expect(removed[0]!.data).toMatchObject({ id: 'bob_main', player: { id: 'bob_main', userID: 'bob', hasAudio: false }, userList: [{ userID: 'bob' }] });
    expect(removed[0]!.data.playerList.map((p: { id: string }) => p.id)).toEqual(['bob_main']);
  });

  test('the order of events for one user publishing video then audio', () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true), status.audio('bob', true));
    const order = remote(rig);
    expect(order.indexOf('REMOTE_USER_JOIN bob')).toBe(0);
    expect(order.indexOf('REMOTE_VIDEO_ADD bob_main')).toBeLessThan(order.indexOf('REMOTE_AUDIO_ADD bob_main'));
    expect(order.filter((l) => l.startsWith('REMOTE_VIDEO_ADD'))).toHaveLength(1);
    expect(order.filter((l) => l.startsWith('REMOTE_AUDIO_ADD'))).toHaveLength(1);
  });

  test('the same user twice in one 1031 joins once; a repeated 1031 is ignored', () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.joined('bob', 'bob'), status.joined('bob'));
    expect(rig.of('REMOTE_USER_JOIN')).toHaveLength(1);
  });

  test('repeated identical 1033 / 1034 announce once', () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true), status.video('bob', true), status.audio('bob', true), status.audio('bob', true));
    expect(rig.of('REMOTE_VIDEO_ADD')).toHaveLength(1);
    expect(rig.of('REMOTE_AUDIO_ADD')).toHaveLength(1);
    expect(rig.trtc.getPlayerList()).toHaveLength(1);
  });

  test('a stream before its user: the user joins first, then the stream', () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.video('carol', true));
    expect(remote(rig).filter((l) => !l.startsWith('STREAM_ADDED'))).toEqual(['REMOTE_USER_JOIN carol', 'REMOTE_VIDEO_ADD carol_main']);
    // The later 1031 for her is a duplicate.
    rig.status(status.joined('carol'));
    expect(rig.of('REMOTE_USER_JOIN')).toHaveLength(1);
  });

  test('a user leaving: main video, main audio, aux video removals, then STREAM_REMOVED, then REMOTE_USER_LEAVE', () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true, 'aux'), status.video('bob', true), status.audio('bob', true));
    rig.clear();
    rig.status(status.left('bob'));
    expect(remote(rig)).toEqual([
      'REMOTE_VIDEO_REMOVE bob_main',
      'REMOTE_AUDIO_REMOVE bob_main',
      'REMOTE_VIDEO_REMOVE bob_aux',
      'STREAM_REMOVED bob main',
      'STREAM_REMOVED bob aux',
      'REMOTE_USER_LEAVE bob',
    ]);
    expect(rig.trtc.getPlayerList()).toEqual([]);
    expect(rig.of('REMOTE_USER_LEAVE')[0]!.data).toMatchObject({ userID: 'bob', userList: [], playerList: [] });
  });

  test('1020 reconciles: missing users leave with their players, new users join', () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.joined('bob', 'carol'), status.video('bob', true));
    rig.clear();
    rig.status(status.userList('carol', 'dave'));
    expect(remote(rig)).toEqual(['REMOTE_VIDEO_REMOVE bob_main', 'STREAM_REMOVED bob main', 'REMOTE_USER_LEAVE bob', 'REMOTE_USER_JOIN dave']);
    expect(rig.trtc.getPlayerList()).toEqual([]);
    expect(rig.of('REMOTE_USER_JOIN')[0]!.data.userList.map((u: { userID: string }) => u.userID)).toEqual(['carol', 'dave']);
  });

  test('turning video off keeps the player while audio stays; turning audio off too removes it', () => {
    rig = inRoomWithBob();
    rig.status(status.video('bob', false));
    expect(remote(rig)).toEqual(['REMOTE_VIDEO_REMOVE bob_main', 'MUTE_VIDEO bob main']);
    expect(rig.trtc.getPlayerList()).toEqual([expect.objectContaining({ id: 'bob_main', hasVideo: false, hasAudio: true })]);
    rig.clear();
    rig.status(status.audio('bob', false));
    expect(remote(rig)).toEqual(['REMOTE_AUDIO_REMOVE bob_main', 'STREAM_REMOVED bob main']);
    expect(rig.trtc.getPlayerList()).toEqual([]);
    // The user is still in the room.
    expect(rig.codes()).not.toContain('REMOTE_USER_LEAVE');
  });

  test('a user who left and comes back gets a fresh, muted player and is announced again', () => {
    rig = inRoomWithBob();
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false });
    rig.status(status.left('bob'));
    rig.clear();
    rig.status(status.joined('bob'), status.video('bob', true));
    expect(remote(rig)).toEqual(['REMOTE_USER_JOIN bob', 'STREAM_ADDED bob main', 'REMOTE_VIDEO_ADD bob_main']);
    expect(rig.trtc.getPlayerList()).toEqual([expect.objectContaining({ id: 'bob_main', hasVideo: true, hasAudio: false, muteVideo: true })]);
    expect(rig.trtc.getPlayerInstance('bob_main')?.playerAttributes?.hasAudio).toBe(false);
  });

  test('a stream that went away and comes back is announced again with a new player', () => {
    rig = inRoomWithBob();
    rig.status(status.video('bob', false), status.audio('bob', false));
    expect(rig.trtc.getPlayerList()).toEqual([]);
    rig.clear();
    rig.status(status.audio('bob', true));
    expect(remote(rig)).toEqual(['STREAM_ADDED bob main', 'REMOTE_AUDIO_ADD bob_main']);
    expect(rig.trtc.getPlayerList()).toEqual([expect.objectContaining({ id: 'bob_main', hasVideo: false, hasAudio: true })]);
  });

  test('remote notifications while reconnecting (after 1021) are still processed', () => {
    rig = inRoomWithBob();
    rig.status(status.networkChanged(), status.joined('carol'), status.left('bob'));
    expect(remote(rig)).toContain('REMOTE_USER_JOIN carol');
    expect(remote(rig)).toContain('REMOTE_USER_LEAVE bob');
  });

  test('a malformed 1031 among valid ones: the valid users still join, nothing throws', () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status({ code: 1031, message: JSON.stringify({ userlist: [{ userid: 'bob' }, { nope: 1 }, { userid: 'carol' }] }) });
    rig.status({ code: 1031, message: '{not json' }, { code: 1033, message: '{"userlist":[{"userid":"bob","hasvideo":"yes"}]}' });
    expect(rig.of('REMOTE_USER_JOIN').map((e) => e.data.userID)).toEqual(['bob', 'carol']);
    expect(rig.trtc.getPlayerList()).toEqual([]);
    expect(rig.codes()).not.toContain('ERROR');
  });

  test('a page editing the playerList it got does not change the SDK state', () => {
    rig = inRoomWithBob();
    const list = rig.trtc.getPlayerList();
    (list[0] as Record<string, unknown>).muteVideo = false;
    expect(rig.trtc.getPlayerList()[0]!.muteVideo).toBe(true);
  });
});

describe('setPlayerAttributes / getPlayerInstance / switchStreamType', () => {
  test('setPlayerAttributes returns the updated playerList', () => {
    rig = inRoomWithBob();
    const list = rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false, objectFit: 'contain' });
    expect(list).toEqual([expect.objectContaining({ id: 'bob_main', muteVideo: false, objectFit: 'contain', muteAudio: true })]);
  });

  test('a wrong type is refused with ERROR INVALID_ATTRIBUTE and changes nothing', () => {
    rig = inRoomWithBob();
    const list = rig.trtc.setPlayerAttributes('bob_main', { muteVideo: 'no' });
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.INVALID_ATTRIBUTE]);
    expect(list[0]!.muteVideo).toBe(true);
  });

  test('identity keys cannot be changed by a page', () => {
    rig = inRoomWithBob();
    const list = rig.trtc.setPlayerAttributes('bob_main', { userID: 'mallory', hasVideo: false });
    expect(rig.of('ERROR').map((e) => e.data.code)).toEqual([ErrorCode.INVALID_ATTRIBUTE]);
    expect(list[0]).toMatchObject({ userID: 'bob', hasVideo: true });
  });

  test('unknown ids: no exception, list unchanged, getPlayerInstance returns null', () => {
    rig = inRoomWithBob();
    const before = rig.trtc.getPlayerList();
    expect(() => rig.trtc.setPlayerAttributes('nobody_main', { muteVideo: false })).not.toThrow();
    expect(rig.trtc.setPlayerAttributes('nobody_main', { muteVideo: false })).toEqual(before);
    expect(rig.trtc.switchStreamType('nobody_main')).toEqual(before);
    expect(rig.trtc.getPlayerInstance('nobody_main')).toBeNull();
    expect(rig.trtc.getPlayerInstance('')).toBeNull();
    expect(rig.trtc.getPlayerList()).toEqual(before);
    expect(rig.codes().filter((c) => REMOTE.test(c))).toEqual([]);
  });

  test('unknown ids outside a room: no exception, empty list', () => {
    rig = createRig({ pull: 'manual' });
    expect(rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false })).toEqual([]);
    expect(rig.trtc.switchStreamType('bob_main')).toEqual([]);
    expect(rig.trtc.getPlayerInstance('bob_main')).toBeNull();
  });

  test('switchStreamType toggles src main <-> small and _definitionType', () => {
    rig = inRoomWithBob();
    const small = rig.trtc.switchStreamType('bob_main');
    expect(small[0]).toMatchObject({ src: 'room://cloud.tencent.com/rtc?userid=bob&streamtype=small', _definitionType: 'small' });
    const main = rig.trtc.switchStreamType('bob_main');
    expect(main[0]).toMatchObject({ src: 'room://cloud.tencent.com/rtc?userid=bob&streamtype=main', _definitionType: 'main' });
  });

  test('getPlayerInstance returns the same handle for an id, reading live attributes', () => {
    rig = inRoomWithBob();
    const handle = rig.trtc.getPlayerInstance('bob_main')!;
    expect(rig.trtc.getPlayerInstance('bob_main')).toBe(handle);
    expect(handle.playerAttributes).toMatchObject({ id: 'bob_main', muteVideo: true });
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false });
    expect(handle.playerAttributes?.muteVideo).toBe(false);
    rig.status(status.left('bob'));
    expect(handle.playerAttributes).toBeNull();
  });

  test('muteRemote(userID, {video: true}) sets muteVideo true on userID_main; false unmutes', () => {
    rig = inRoomWithBob();
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false, muteAudio: false });
    expect(rig.trtc.muteRemote('bob', { video: true })[0]).toMatchObject({ muteVideo: true, muteAudio: false });
    expect(rig.trtc.muteRemote('bob', { audio: true })[0]).toMatchObject({ muteVideo: true, muteAudio: true });
    expect(rig.trtc.muteRemote('bob', { video: false })[0]).toMatchObject({ muteVideo: false, muteAudio: true });
  });

  test("a screen-share player starts with muteAudio false (trtc-wx 1.1.3's Android fix), the camera player with the defaults", () => {
    // Manual pull, where the camera player's audio starts muted: only there does the aux exception show.
    rig = createRig({ pull: 'manual' });
    rig.join();
    rig.status(status.joined('bob'), status.video('bob', true), status.video('bob', true, 'aux'));
    const list = rig.trtc.getPlayerList();
    expect(list.find((p) => p.id === 'bob_aux')).toMatchObject({ muteAudio: false, objectFit: 'contain' });
    expect(list.find((p) => p.id === 'bob_main')).toMatchObject({ muteAudio: true, objectFit: 'fillCrop' });
    // What the page was told about the new player says the same.
    const added = rig.of('REMOTE_VIDEO_ADD').find((e) => e.data.player.id === 'bob_aux');
    expect(added?.data.player.muteAudio).toBe(false);
  });

  test('muteRemote on an aux stream addresses userID_aux', () => {
    rig = inRoomWithBob();
    rig.status(status.video('bob', true, 'aux'));
    const list = rig.trtc.muteRemote('bob', { video: false, streamType: 'aux' });
    expect(list.find((p) => p.id === 'bob_aux')?.muteVideo).toBe(false);
    expect(list.find((p) => p.id === 'bob_main')?.muteVideo).toBe(true);
  });
});

describe('infinite anchor rooms', () => {
  test("setPlayerAttributes('x_main') for an unannounced user creates that player with the room pull url", () => {
    rig = createRig({ pull: 'manual' });
    rig.join({ enableinfiniteanchor: 1 });
    const list = rig.trtc.setPlayerAttributes('x_main', { muteVideo: false });
    expect(list).toEqual([expect.objectContaining({ id: 'x_main', userID: 'x', streamType: 'main', muteVideo: false, src: 'room://cloud.tencent.com/rtc?userid=x&streamtype=main' })]);
    expect(rig.trtc.getPlayerInstance('x_main')).not.toBeNull();
  });

  test('without enableinfiniteanchor the same call creates nothing', () => {
    rig = createRig({ pull: 'manual' });
    rig.join();
    expect(rig.trtc.setPlayerAttributes('x_main', { muteVideo: false })).toEqual([]);
  });
});

describe('player status codes', () => {
  test('2004 makes the player playing; REMOTE_STATE_UPDATE carries data.code and data.currentTarget.dataset.streamid', () => {
    rig = inRoomWithBob();
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false });
    rig.playerStatus('bob_main', 2004, 'playing');
    const streamOf = rig.trtc.actor.getSnapshot().context.streams.find((s) => s.id === 'bob_main')!;
    expect(JSON.stringify(streamOf.ref.getSnapshot().value)).toContain('playing');
    const update = rig.of('REMOTE_STATE_UPDATE');
    expect(update).toHaveLength(1);
    expect(update[0]!.data.code).toBe(2004);
    expect(update[0]!.data.currentTarget.dataset.streamid).toBe('bob_main');
  });

  test('a player event found by the element id alone (no data-streamid) still reaches its player', () => {
    rig = inRoomWithBob();
    rig.trtc.playerEventHandler({ type: 'statechange', detail: { code: 2004 }, currentTarget: { id: 'bob_main', dataset: {} } });
    expect(rig.of('REMOTE_STATE_UPDATE')).toHaveLength(1);
  });

  test('status for an unknown player is dropped', () => {
    rig = inRoomWithBob();
    rig.playerStatus('nobody_main', 2004);
    expect(rig.codes()).toEqual([]);
  });

  test.each([[6002], [6003], [6004], [6005]])('%p is a PLAYER_WARNING, not a REMOTE_STATE_UPDATE', (code) => {
    rig = inRoomWithBob();
    rig.playerStatus('bob_main', code);
    expect(rig.codes()).toEqual(['PLAYER_WARNING']);
    expect(rig.of('PLAYER_WARNING')[0]!.data.code).toBe(code);
  });

  test('-2301 fails the player: STREAM_FAILED (remote, willRetry), then stop+play on its context, then it gives up', async () => {
    rig = inRoomWithBob();
    rig.trtc.setPlayerAttributes('bob_main', { muteVideo: false });
    rig.playerStatus('bob_main', 2004);
    rig.clear();
    rig.playerStatus('bob_main', -2301, 'disconnected');
    const failed = rig.of('STREAM_FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ userID: 'bob', streamType: 'main', code: -2301, willRetry: true, local: false });
    // Retry after the (short) backoff: the <live-player> is stopped and played again.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(rig.wx.callsOf('bob_main').map((c) => c.method)).toEqual(['stop', 'play']);
    // Keep failing: after the policy's retries it gives up.
    for (let n = 0; n < 4; n++) {
      rig.playerStatus('bob_main', -2301);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const stream = rig.trtc.actor.getSnapshot().context.streams.find((s) => s.id === 'bob_main')!;
    expect(stream.ref.getSnapshot().value).toEqual({ failed: 'gaveUp' });
    const willRetry = rig.of('STREAM_FAILED').map((e) => e.data.willRetry);
    expect(willRetry[willRetry.length - 1]).toBe(false);
    expect(rig.wx.callsOf('bob_main', 'play')).toHaveLength(2);
  });
});

describe('net status and volume', () => {
  test('playerNetStatus -> REMOTE_NET_STATE_UPDATE whose playerList carries the new netStatus', () => {
    rig = inRoomWithBob();
    rig.trtc.playerNetStatus(playerEvent('bob_main', { info: { videoBitrate: 700, netQualityLevel: 1 } }));
    const update = rig.of('REMOTE_NET_STATE_UPDATE');
    expect(update).toHaveLength(1);
    expect(update[0]!.data.playerList[0].netStatus).toEqual({ videoBitrate: 700, netQualityLevel: 1 });
    expect(rig.trtc.getPlayerList()[0]!.netStatus).toEqual({ videoBitrate: 700, netQualityLevel: 1 });
  });

  test('playerAudioVolumeNotify -> REMOTE_AUDIO_VOLUME_UPDATE with the volume in the playerList', () => {
    rig = inRoomWithBob();
    rig.trtc.playerAudioVolumeNotify(playerEvent('bob_main', { volume: 42 }));
    const update = rig.of('REMOTE_AUDIO_VOLUME_UPDATE');
    expect(update).toHaveLength(1);
    expect(update[0]!.data.playerList[0].volume).toBe(42);
  });

  test('net status and volume for unknown players are dropped', () => {
    rig = inRoomWithBob();
    rig.trtc.playerNetStatus(playerEvent('nobody_main', { info: { videoBitrate: 1 } }));
    rig.trtc.playerAudioVolumeNotify(playerEvent('nobody_main', { volume: 1 }));
    expect(rig.codes()).toEqual([]);
  });

  test('playerFullscreenChange -> VIDEO_FULLSCREEN_UPDATE', () => {
    rig = inRoomWithBob();
    rig.trtc.playerFullscreenChange(playerEvent('bob_main', { fullScreen: true, direction: 'horizontal' }));
    expect(rig.codes()).toEqual(['VIDEO_FULLSCREEN_UPDATE']);
  });
});
