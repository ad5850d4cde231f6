// The remote-streams planner (pure): which steps each notification produces for the room's users and streams.

import { createActor } from 'xstate';
import { playerMachine } from '../../src/machines/player.machine';
import { playerIdOf, type StreamType } from '../../src/core/attributes';
import {
  planRemoteUrl,
  planStreamUpdate,
  planUserList,
  planUsersJoined,
  planUsersLeft,
  wantedTracks,
  type RemoteState,
  type Step,
} from '../../src/machines/remote-streams';
import type { RemoteStream } from '../../src/machines/room-events';

const started: Array<{ stop(): void }> = [];
afterEach(() => {
  for (const actor of started.splice(0)) actor.stop();
});

/** A stream as the room holds it, backed by a real player actor. */
function stream(userID: string, streamType: StreamType, flags: { audio?: boolean; video?: boolean; src?: string } = {}): RemoteStream {
  const audio = flags.audio ?? false;
  const video = flags.video ?? false;
  const ref = createActor(playerMachine, {
    input: { userID, streamType, src: flags.src ?? '', hasAudio: audio, hasVideo: video },
  }).start();
  started.push(ref);
  return { id: playerIdOf(userID, streamType), userID, streamType, audio, video, ref, subscribed: null };
}

const state = (users: string[], streams: RemoteStream[] = []): RemoteState => ({ users, streams });

/** Steps without the actor refs, for readable comparisons. */
const plain = (steps: Step[]) => steps.map((s) => ('ref' in s ? { ...s, ref: s.ref ? 'ref' : undefined } : s));

/** Only the emitted event names, in order. */
const emitted = (steps: Step[]) =>
  steps.flatMap((s) => {
    if (s.kind === 'emitUser' || s.kind === 'emitTrack' || s.kind === 'emitStream') return [`${s.type} ${s.userID}${'streamType' in s ? ` ${s.streamType}` : ''}`];
    if (s.kind === 'emitStreamAdded') return [`STREAM_ADDED ${s.userID} ${s.streamType}`];
    if (s.kind === 'emitUrl') return [`UPDATE_URL ${s.userID} ${s.streamType}`];
    return [];
  });

describe('users joining (1031)', () => {
  test('each new user is added and announced once, in order', () => {
    expect(planUsersJoined(state([]), ['bob', 'carol'])).toEqual([
      { kind: 'addUser', userID: 'bob' },
      { kind: 'emitUser', type: 'REMOTE_USER_JOIN', userID: 'bob' },
      { kind: 'addUser', userID: 'carol' },
      { kind: 'emitUser', type: 'REMOTE_USER_JOIN', userID: 'carol' },
    ]);
  });

  test('the same user twice in one message is announced once', () => {
    expect(planUsersJoined(state([]), ['bob', 'bob'])).toEqual([
      { kind: 'addUser', userID: 'bob' },
      { kind: 'emitUser', type: 'REMOTE_USER_JOIN', userID: 'bob' },
    ]);
  });

  test('a user already in the room is not announced again', () => {
    expect(planUsersJoined(state(['bob']), ['bob'])).toEqual([]);
  });
});

describe('users leaving (1032)', () => {
  test('removal events for main video, main audio, aux video in that order, then STREAM_REMOVED, then REMOTE_USER_LEAVE', () => {
    // The aux stream is listed first on purpose: the order must not depend on announcement order.
    const aux = stream('bob', 'aux', { video: true });
    const main = stream('bob', 'main', { video: true, audio: true });
    const steps = planUsersLeft(state(['bob'], [aux, main]), ['bob']);
    expect(emitted(steps)).toEqual([
      'REMOTE_VIDEO_REMOVE bob main',
      'REMOTE_AUDIO_REMOVE bob main',
      'REMOTE_VIDEO_REMOVE bob aux',
      'STREAM_REMOVED bob main',
      'STREAM_REMOVED bob aux',
      'REMOTE_USER_LEAVE bob',
    ]);
    // Track removals carry the player (its actor is gone from the room by the time they go out).
    const trackSteps = steps.filter((s): s is Extract<Step, { kind: 'emitTrack' }> => s.kind === 'emitTrack');
    expect(trackSteps.map((s) => s.ref)).toEqual([main.ref, main.ref, aux.ref]);
    // Both streams are removed before the user is.
    const kinds = steps.map((s) => s.kind);
    expect(kinds.filter((k) => k === 'removeStream')).toHaveLength(2);
    expect(kinds.lastIndexOf('removeStream')).toBeLessThan(kinds.indexOf('removeUser'));
    expect(steps.filter((s) => s.kind === 'removeStream')).toEqual([
      { kind: 'removeStream', id: 'bob_main' },
      { kind: 'removeStream', id: 'bob_aux' },
    ]);
  });

  test('only published tracks get a removal event', () => {
    const main = stream('bob', 'main', { audio: true });
    expect(emitted(planUsersLeft(state(['bob'], [main]), ['bob']))).toEqual(['REMOTE_AUDIO_REMOVE bob main', 'STREAM_REMOVED bob main', 'REMOTE_USER_LEAVE bob']);
  });

  test('a user without streams just leaves', () => {
    expect(planUsersLeft(state(['bob']), ['bob'])).toEqual([
      { kind: 'removeUser', userID: 'bob' },
      { kind: 'emitUser', type: 'REMOTE_USER_LEAVE', userID: 'bob' },
    ]);
  });

  test("another user's streams are untouched", () => {
    const carol = stream('carol', 'main', { video: true });
    const steps = planUsersLeft(state(['bob', 'carol'], [carol]), ['bob']);
    expect(steps.some((s) => s.kind === 'removeStream')).toBe(false);
  });

  test('a user who is not in the room (or listed twice) leaves at most once', () => {
    expect(planUsersLeft(state([]), ['bob'])).toEqual([]);
    expect(emitted(planUsersLeft(state(['bob']), ['bob', 'bob']))).toEqual(['REMOTE_USER_LEAVE bob']);
  });
});

describe('user list reconciliation (1020)', () => {
  test('users missing from the list leave (with their streams) and new ones join', () => {
    const bobMain = stream('bob', 'main', { video: true });
    const steps = planUserList(state(['bob', 'carol'], [bobMain]), ['carol', 'dave']);
    expect(emitted(steps)).toEqual(['REMOTE_VIDEO_REMOVE bob main', 'STREAM_REMOVED bob main', 'REMOTE_USER_LEAVE bob', 'REMOTE_USER_JOIN dave']);
    expect(steps).toContainEqual({ kind: 'removeUser', userID: 'bob' });
    expect(steps).toContainEqual({ kind: 'addUser', userID: 'dave' });
    expect(steps).not.toContainEqual({ kind: 'addUser', userID: 'carol' });
  });

  test('the same list again changes nothing', () => {
    expect(planUserList(state(['bob', 'carol']), ['carol', 'bob'])).toEqual([]);
  });

  test('an empty list empties the room', () => {
    expect(emitted(planUserList(state(['bob', 'carol']), []))).toEqual(['REMOTE_USER_LEAVE bob', 'REMOTE_USER_LEAVE carol']);
  });
});

describe('stream announcements (1033 / 1034)', () => {
  test('a new video stream of a known user is added, announced with STREAM_ADDED and REMOTE_VIDEO_ADD', () => {
    expect(plain(planStreamUpdate(state(['bob']), { userID: 'bob', streamType: 'main', video: true, url: 'room://bob' }, false))).toEqual([
      { kind: 'addStream', userID: 'bob', streamType: 'main', audio: false, video: true, url: 'room://bob', unmute: false },
      { kind: 'emitStreamAdded', userID: 'bob', streamType: 'main', audio: false, video: true },
      { kind: 'emitTrack', type: 'REMOTE_VIDEO_ADD', userID: 'bob', streamType: 'main' },
    ]);
  });

  test('with autoSubscribe the new player starts unmuted and is subscribed', () => {
    const steps = planStreamUpdate(state(['bob']), { userID: 'bob', streamType: 'main', audio: true }, true);
    expect(steps[0]).toMatchObject({ kind: 'addStream', unmute: true, audio: true, video: false });
    expect(steps[steps.length - 1]).toEqual({ kind: 'subscribe', id: 'bob_main', userID: 'bob', streamType: 'main' });
    expect(emitted(steps)).toEqual(['STREAM_ADDED bob main', 'REMOTE_AUDIO_ADD bob main']);
  });

  test('a stream announced before its user makes the user join first', () => {
    const steps = planStreamUpdate(state([]), { userID: 'carol', streamType: 'main', video: true }, false);
    expect(steps.slice(0, 2)).toEqual([
      { kind: 'addUser', userID: 'carol' },
      { kind: 'emitUser', type: 'REMOTE_USER_JOIN', userID: 'carol' },
    ]);
    expect(emitted(steps)).toEqual(['REMOTE_USER_JOIN carol', 'STREAM_ADDED carol main', 'REMOTE_VIDEO_ADD carol main']);
  });

  test('an unpublished flag for an unknown stream adds no player and announces no one', () => {
    expect(plain(planStreamUpdate(state(['bob']), { userID: 'bob', streamType: 'main', video: false }, false))).toEqual([]);
    // Turning off what was never announced does not prove the user is here (they may just have left).
    expect(emitted(planStreamUpdate(state([]), { userID: 'bob', streamType: 'aux', video: false }, false))).toEqual([]);
  });

  test('a repeated identical 1033 announces nothing', () => {
    const main = stream('bob', 'main', { video: true, src: 'room://bob' });
    expect(planStreamUpdate(state(['bob'], [main]), { userID: 'bob', streamType: 'main', video: true, url: 'room://bob' }, false)).toEqual([]);
  });

  test('a repeated identical 1034 announces nothing', () => {
    const main = stream('bob', 'main', { audio: true, src: 'room://bob' });
    expect(planStreamUpdate(state(['bob'], [main]), { userID: 'bob', streamType: 'main', audio: true, url: 'room://bob' }, false)).toEqual([]);
  });

  test('audio added to a video stream: setFlags, REMOTE_AUDIO_ADD and UNMUTE_AUDIO', () => {
    const main = stream('bob', 'main', { video: true });
    const steps = planStreamUpdate(state(['bob'], [main]), { userID: 'bob', streamType: 'main', audio: true }, false);
    expect(plain(steps)).toEqual([
      { kind: 'setFlags', id: 'bob_main', audio: true, video: true },
      { kind: 'emitTrack', type: 'REMOTE_AUDIO_ADD', userID: 'bob', streamType: 'main' },
      { kind: 'emitStream', type: 'UNMUTE_AUDIO', userID: 'bob', streamType: 'main' },
    ]);
  });

  test('video turned off while audio stays: setFlags, REMOTE_VIDEO_REMOVE and MUTE_VIDEO; the player stays', () => {
    const main = stream('bob', 'main', { video: true, audio: true });
    const steps = planStreamUpdate(state(['bob'], [main]), { userID: 'bob', streamType: 'main', video: false }, false);
    expect(plain(steps)).toEqual([
      { kind: 'setFlags', id: 'bob_main', audio: true, video: false },
      { kind: 'emitTrack', type: 'REMOTE_VIDEO_REMOVE', userID: 'bob', streamType: 'main' },
      { kind: 'emitStream', type: 'MUTE_VIDEO', userID: 'bob', streamType: 'main' },
    ]);
  });

  test('video turned back on: REMOTE_VIDEO_ADD and UNMUTE_VIDEO', () => {
    const main = stream('bob', 'main', { audio: true });
    expect(emitted(planStreamUpdate(state(['bob'], [main]), { userID: 'bob', streamType: 'main', video: true }, false))).toEqual([
      'REMOTE_VIDEO_ADD bob main',
      'UNMUTE_VIDEO bob main',
    ]);
  });

  test('audio turned off while video stays: REMOTE_AUDIO_REMOVE and MUTE_AUDIO', () => {
    const main = stream('bob', 'main', { audio: true, video: true });
    expect(emitted(planStreamUpdate(state(['bob'], [main]), { userID: 'bob', streamType: 'main', audio: false }, false))).toEqual([
      'REMOTE_AUDIO_REMOVE bob main',
      'MUTE_AUDIO bob main',
    ]);
  });

  test('the last track going away removes the stream: flags cleared, player dropped, removals, STREAM_REMOVED', () => {
    const aux = stream('bob', 'aux', { video: true });
    const steps = planStreamUpdate(state(['bob'], [aux]), { userID: 'bob', streamType: 'aux', video: false }, false);
    expect(plain(steps)).toEqual([
      { kind: 'setFlags', id: 'bob_aux', audio: false, video: false },
      { kind: 'removeStream', id: 'bob_aux' },
      { kind: 'emitTrack', type: 'REMOTE_VIDEO_REMOVE', ref: 'ref', userID: 'bob', streamType: 'aux' },
      { kind: 'emitStream', type: 'STREAM_REMOVED', userID: 'bob', streamType: 'aux' },
    ]);
    // The user stays: only the stream went away.
    expect(steps.some((s) => s.kind === 'removeUser')).toBe(false);
  });

  test('an explicit published:false removes the stream even when flags are not given', () => {
    const main = stream('bob', 'main', { audio: true, video: true });
    expect(emitted(planStreamUpdate(state(['bob'], [main]), { userID: 'bob', streamType: 'main', published: false }, false))).toEqual([
      'REMOTE_VIDEO_REMOVE bob main',
      'REMOTE_AUDIO_REMOVE bob main',
      'STREAM_REMOVED bob main',
    ]);
  });
});

describe('urls', () => {
  test('a new url on a stream that had one: setSrc and UPDATE_URL', () => {
    const main = stream('bob', 'main', { video: true, src: 'room://old' });
    expect(planStreamUpdate(state(['bob'], [main]), { userID: 'bob', streamType: 'main', video: true, url: 'room://new' }, false)).toEqual([
      { kind: 'setSrc', id: 'bob_main', url: 'room://new' },
      { kind: 'emitUrl', userID: 'bob', streamType: 'main', url: 'room://new' },
    ]);
  });

  test('the first url of a stream that had none: setSrc only, no UPDATE_URL', () => {
    const main = stream('bob', 'main', { video: true, src: '' });
    expect(planStreamUpdate(state(['bob'], [main]), { userID: 'bob', streamType: 'main', video: true, url: 'room://first' }, false)).toEqual([
      { kind: 'setSrc', id: 'bob_main', url: 'room://first' },
    ]);
  });

  test('a flag change and a url change in one announcement give both', () => {
    const main = stream('bob', 'main', { video: true, src: 'room://old' });
    const steps = planStreamUpdate(state(['bob'], [main]), { userID: 'bob', streamType: 'main', audio: true, url: 'room://new' }, false);
    expect(steps.map((s) => s.kind)).toEqual(['setFlags', 'emitTrack', 'emitStream', 'setSrc', 'emitUrl']);
  });

  test('planRemoteUrl updates a known player and announces UPDATE_URL; an unknown one is ignored', () => {
    const main = stream('bob', 'main', { video: true, src: 'rtmp://a' });
    expect(planRemoteUrl(state(['bob'], [main]), { userID: 'bob', streamType: 'main', url: 'rtmp://b' })).toEqual([
      { kind: 'setSrc', id: 'bob_main', url: 'rtmp://b' },
      { kind: 'emitUrl', userID: 'bob', streamType: 'main', url: 'rtmp://b' },
    ]);
    expect(planRemoteUrl(state(['bob'], [main]), { userID: 'bob', streamType: 'aux', url: 'rtmp://b' })).toEqual([]);
  });
});

describe('wantedTracks', () => {
  test("follows the player's mute flags (true = not wanted)", () => {
    const main = stream('bob', 'main', { video: true, audio: true });
    expect(wantedTracks(main)).toEqual({ audio: false, video: false });
    main.ref.send({ type: 'SET_ATTRIBUTES', attributes: { muteVideo: false } });
    expect(wantedTracks(main)).toEqual({ audio: false, video: true });
  });
});

describe('the local user and the room limit', () => {
  const local = (users: string[]): RemoteState => ({ users, streams: [], params: { userID: 'alice' } });

  test('news naming the local user plans nothing: no remote user, no stream', () => {
    expect(planUsersJoined(local([]), ['alice'])).toEqual([]);
    expect(planStreamUpdate(local([]), { userID: 'alice', streamType: 'main', audio: true, video: true }, true)).toEqual([]);
    expect(planUserList(local(['bob']), ['alice', 'bob'])).toEqual([]);
  });

  test('at 299 remote users nobody more joins, and a stream of someone new is not tracked either', () => {
    const full = local(Array.from({ length: 299 }, (_, i) => `u${i}`));
    expect(planUsersJoined(full, ['late'])).toEqual([]);
    expect(planStreamUpdate(full, { userID: 'late', streamType: 'main', audio: true, video: false }, false)).toEqual([]);
    expect(emitted(planUsersJoined(local(full.users.slice(1)), ['late', 'later']))).toEqual(['REMOTE_USER_JOIN late']);
  });
});
