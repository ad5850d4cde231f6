// Remote users and streams: what a signaling notification means for them, planned as a list of steps.
// Planning is pure (the room's current users/streams in, steps out), so every rule below is testable on
// its own; the room machine applies the steps in order (spawn, stop, emit). The rules are where
// hand-written SDKs go wrong: duplicates announce once, a stream before its user is not lost, a user
// leaving takes its streams with it, and removal events come in trtc-wx's order.

import type { StreamType } from '../core/attributes';
import { playerIdOf } from '../core/attributes';
import type { PlayerRef, RemoteStream } from './room-events';
import { MAX_REMOTE_USERS } from '../services/signaling/server-trust';

export interface RemoteState {
  readonly users: readonly string[];
  readonly streams: readonly RemoteStream[];
  /** The local user: news naming it is never about a remote user (whatever a driver passes on). */
  readonly params?: { readonly userID: string } | null;
}

type Key = { userID: string; streamType: StreamType };

export type Step =
  | { kind: 'addUser'; userID: string }
  | { kind: 'removeUser'; userID: string }
  | ({ kind: 'addStream'; audio: boolean; video: boolean; url: string; unmute: boolean } & Key)
  | { kind: 'setFlags'; id: string; audio: boolean; video: boolean }
  | { kind: 'removeStream'; id: string }
  | { kind: 'setSrc'; id: string; url: string }
  | ({ kind: 'subscribe'; id: string } & Key)
  | { kind: 'emitUser'; type: 'REMOTE_USER_JOIN' | 'REMOTE_USER_LEAVE'; userID: string }
  /** `ref` is given when the stream is removed before the event goes out (its actor is gone from the room by then). */
  | ({ kind: 'emitTrack'; type: 'REMOTE_VIDEO_ADD' | 'REMOTE_VIDEO_REMOVE' | 'REMOTE_AUDIO_ADD' | 'REMOTE_AUDIO_REMOVE'; ref?: PlayerRef } & Key)
  | ({ kind: 'emitStreamAdded'; audio: boolean; video: boolean } & Key)
  | ({ kind: 'emitStream'; type: 'STREAM_REMOVED' | 'MUTE_AUDIO' | 'UNMUTE_AUDIO' | 'MUTE_VIDEO' | 'UNMUTE_VIDEO' } & Key)
  | ({ kind: 'emitUrl'; url: string } & Key);

const streamOrder = (s: RemoteStream): number => (s.streamType === 'main' ? 0 : 1);

function srcOf(stream: RemoteStream): string {
  return stream.ref.getSnapshot().context.attributes.src;
}

export function planUsersJoined(state: RemoteState, userIDs: readonly string[]): Step[] {
  const steps: Step[] = [];
  const present = new Set(state.users);
  for (const userID of userIDs) {
    if (present.has(userID) || userID === state.params?.userID) continue;
    // A room holds 300: more announced users are not tracked, so memory stays bounded whatever arrives.
    if (present.size >= MAX_REMOTE_USERS) break;
    present.add(userID);
    steps.push({ kind: 'addUser', userID }, { kind: 'emitUser', type: 'REMOTE_USER_JOIN', userID });
  }
  return steps;
}

export function planUsersLeft(state: RemoteState, userIDs: readonly string[]): Step[] {
  const steps: Step[] = [];
  const present = new Set(state.users);
  for (const userID of userIDs) {
    if (!present.has(userID)) continue;
    present.delete(userID);
    const own = state.streams.filter((s) => s.userID === userID).sort((a, b) => streamOrder(a) - streamOrder(b));
    // trtc-wx announces each published track's removal while the player is still in the list, then drops them.
    for (const s of own) {
      const key = { userID, streamType: s.streamType };
      if (s.video) steps.push({ kind: 'emitTrack', type: 'REMOTE_VIDEO_REMOVE', ref: s.ref, ...key });
      if (s.audio) steps.push({ kind: 'emitTrack', type: 'REMOTE_AUDIO_REMOVE', ref: s.ref, ...key });
    }
    for (const s of own) {
      steps.push({ kind: 'removeStream', id: s.id }, { kind: 'emitStream', type: 'STREAM_REMOVED', userID, streamType: s.streamType });
    }
    steps.push({ kind: 'removeUser', userID }, { kind: 'emitUser', type: 'REMOTE_USER_LEAVE', userID });
  }
  return steps;
}

/** A complete user list (1020, or the server's snapshot after a resume): whoever is missing left, whoever is new joined. */
export function planUserList(state: RemoteState, userIDs: readonly string[]): Step[] {
  const listed = new Set(userIDs);
  // Joins are counted against the users who stay, so a list that replaces users at the limit admits the new ones.
  const staying = { ...state, users: state.users.filter((u) => listed.has(u)) };
  return [...planUsersLeft(state, state.users.filter((u) => !listed.has(u))), ...planUsersJoined(staying, userIDs)];
}

export interface StreamUpdate extends Key {
  published?: boolean;
  audio?: boolean;
  video?: boolean;
  url?: string;
}

export function planStreamUpdate(state: RemoteState, update: StreamUpdate, autoSubscribe: boolean): Step[] {
  const { userID, streamType } = update;
  const key = { userID, streamType };
  const id = playerIdOf(userID, streamType);
  const existing = state.streams.find((s) => s.id === id);
  const audio = update.audio ?? existing?.audio ?? false;
  const video = update.video ?? existing?.video ?? false;
  const published = update.published ?? (audio || video);

  // Turning off a stream never announced says nothing, not even that its user is here.
  if (!existing && !published) return [];
  // A stream published before its user was announced proves the user is in the room: the user joins first.
  const steps: Step[] = state.users.includes(userID) ? [] : planUsersJoined(state, [userID]);
  // ...unless the user cannot be tracked (the local user, or the room is at its limit): then neither is the stream.
  if (!state.users.includes(userID) && steps.length === 0) return [];

  if (!existing) {
    steps.push(
      { kind: 'addStream', ...key, audio, video, url: update.url ?? '', unmute: autoSubscribe },
      { kind: 'emitStreamAdded', ...key, audio, video },
    );
    if (video) steps.push({ kind: 'emitTrack', type: 'REMOTE_VIDEO_ADD', ...key });
    if (audio) steps.push({ kind: 'emitTrack', type: 'REMOTE_AUDIO_ADD', ...key });
    if (autoSubscribe) steps.push({ kind: 'subscribe', id, ...key });
    return steps;
  }

  if (!published) {
    // trtc-wx clears the player's flags and drops it, then says which tracks went away.
    steps.push({ kind: 'setFlags', id, audio: false, video: false }, { kind: 'removeStream', id });
    if (existing.video) steps.push({ kind: 'emitTrack', type: 'REMOTE_VIDEO_REMOVE', ref: existing.ref, ...key });
    if (existing.audio) steps.push({ kind: 'emitTrack', type: 'REMOTE_AUDIO_REMOVE', ref: existing.ref, ...key });
    steps.push({ kind: 'emitStream', type: 'STREAM_REMOVED', ...key });
    return steps;
  }

  if (audio !== existing.audio || video !== existing.video) {
    steps.push({ kind: 'setFlags', id, audio, video });
    if (video !== existing.video) {
      steps.push(
        { kind: 'emitTrack', type: video ? 'REMOTE_VIDEO_ADD' : 'REMOTE_VIDEO_REMOVE', ...key },
        { kind: 'emitStream', type: video ? 'UNMUTE_VIDEO' : 'MUTE_VIDEO', ...key },
      );
    }
    if (audio !== existing.audio) {
      steps.push(
        { kind: 'emitTrack', type: audio ? 'REMOTE_AUDIO_ADD' : 'REMOTE_AUDIO_REMOVE', ...key },
        { kind: 'emitStream', type: audio ? 'UNMUTE_AUDIO' : 'MUTE_AUDIO', ...key },
      );
    }
  }
  if (update.url !== undefined && update.url !== srcOf(existing)) {
    steps.push({ kind: 'setSrc', id, url: update.url });
    // A url in an announcement is news only when it replaces one the page already has.
    if (srcOf(existing) !== '') steps.push({ kind: 'emitUrl', ...key, url: update.url });
  }
  return steps;
}

/** A subscribe result or a changed pull url: the player gets it, and the page hears UPDATE_URL. */
export function planRemoteUrl(state: RemoteState, change: Key & { url: string }): Step[] {
  const id = playerIdOf(change.userID, change.streamType);
  const existing = state.streams.find((s) => s.id === id);
  if (!existing) return [];
  return [
    { kind: 'setSrc', id, url: change.url },
    { kind: 'emitUrl', userID: change.userID, streamType: change.streamType, url: change.url },
  ];
}

/** What the local user wants from a stream, from its player's mute flags (true = not wanted). */
export function wantedTracks(stream: RemoteStream): { audio: boolean; video: boolean } {
  const { muteAudio, muteVideo } = stream.ref.getSnapshot().context.attributes;
  return { audio: !muteAudio, video: !muteVideo };
}
