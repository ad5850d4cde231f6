// The `data` of each public event, in the shape trtc-wx pages read: `{ userID, userList, playerList }`,
// `{ player, userList, playerList }`, `{ pusher }` ... userList and playerList are built on first read
// from the room as it was when the event happened, so an event nobody reads costs no list copies.

import type { PlayerAttributes, PusherAttributes } from '../core/attributes';
import type { RemoteStream, RoomEmitted, RoomView } from '../machines/room-events';

/** One remote user as trtc-wx lists it: which of its tracks are published. */
export interface RemoteUserEntry {
  userID: string;
  hasMainVideo: boolean;
  hasMainAudio: boolean;
  hasAuxVideo: boolean;
}

/** The `userList` of REMOTE_USER_* events: one entry per remote user, with the tracks it publishes. */
export function userListOf(view: RoomView): RemoteUserEntry[] {
  return view.users.map((userID) => {
    const main = view.streams.find((s) => s.userID === userID && s.streamType === 'main');
    const aux = view.streams.find((s) => s.userID === userID && s.streamType === 'aux');
    return { userID, hasMainVideo: main?.video ?? false, hasMainAudio: main?.audio ?? false, hasAuxVideo: aux?.video ?? false };
  });
}

/** Copies, so a page that edits what it got cannot change the SDK's state (trtc-wx 1.1.2 fixed exactly that). */
export function copyOf<T extends object>(attributes: T): T {
  return { ...attributes };
}

/** The `playerList` a page binds: each remote stream's <live-player> attributes, in announcement order. */
export function playerListOf(streams: readonly RemoteStream[]): PlayerAttributes[] {
  const list = new Array<PlayerAttributes>(streams.length);
  for (let i = 0; i < streams.length; i++) list[i] = copyOf(streams[i]!.ref.getSnapshot().context.attributes);
  return list;
}

// Own enumerable getters (a page may spread or log the data) written as object literals: V8 builds those from
// one boilerplate, cheaper than Object.defineProperties on every event (that showed at ~5% of a small join
// storm's CPU, BENCHMARKS.md).
function userEventData(userID: string, view: RoomView) {
  let userList: RemoteUserEntry[] | undefined;
  let playerList: PlayerAttributes[] | undefined;
  return {
    userID,
    get userList(): RemoteUserEntry[] {
      return (userList ??= userListOf(view));
    },
    get playerList(): PlayerAttributes[] {
      return (playerList ??= playerListOf(view.streams));
    },
  };
}

function trackEventData(player: PlayerAttributes, view: RoomView) {
  let userList: RemoteUserEntry[] | undefined;
  let playerList: PlayerAttributes[] | undefined;
  return {
    player,
    get userList(): RemoteUserEntry[] {
      return (userList ??= userListOf(view));
    },
    get playerList(): PlayerAttributes[] {
      return (playerList ??= playerListOf(view.streams));
    },
  };
}

/** REMOTE_AUDIO_REMOVE: the API document reads `{ id, userList, playerList }`, trtc-wx gives `player`; both are here. */
function audioRemovedData(player: PlayerAttributes, view: RoomView) {
  let userList: RemoteUserEntry[] | undefined;
  let playerList: PlayerAttributes[] | undefined;
  return {
    id: player.id,
    player,
    get userList(): RemoteUserEntry[] {
      return (userList ??= userListOf(view));
    },
    get playerList(): PlayerAttributes[] {
      return (playerList ??= playerListOf(view.streams));
    },
  };
}

function playerEventData(id: string, view: RoomView) {
  let playerList: PlayerAttributes[] | undefined;
  return {
    id,
    get playerList(): PlayerAttributes[] {
      return (playerList ??= playerListOf(view.streams));
    },
  };
}

/**
 * The page-facing data for an emitted room event. `pusher` reads the local pusher's attributes now
 * (local events fire after the pusher has taken the change).
 */
export function eventDataOf(event: RoomEmitted, pusher: () => PusherAttributes): unknown {
  switch (event.type) {
    case 'LOCAL_JOIN':
    case 'LOCAL_LEAVE':
    case 'BGM_PLAY_START':
    case 'BGM_PLAY_COMPLETE':
      return undefined;
    case 'KICKED_OUT':
      return { reason: event.reason, message: kickMessages[event.reason] };
    case 'REMOTE_USER_JOIN':
    case 'REMOTE_USER_LEAVE':
      return userEventData(event.userID, event.view);
    case 'REMOTE_VIDEO_ADD':
    case 'REMOTE_VIDEO_REMOVE':
    case 'REMOTE_AUDIO_ADD':
      return trackEventData(copyOf(event.player.getSnapshot().context.attributes), event.view);
    case 'REMOTE_AUDIO_REMOVE':
      return audioRemovedData(copyOf(event.player.getSnapshot().context.attributes), event.view);
    case 'REMOTE_STATE_UPDATE':
    case 'PLAYER_WARNING':
    case 'VIDEO_FULLSCREEN_UPDATE':
      return event.detail;
    case 'REMOTE_NET_STATE_UPDATE':
    case 'REMOTE_AUDIO_VOLUME_UPDATE':
      return playerEventData(event.id, event.view);
    case 'LOCAL_NET_STATE_UPDATE':
    case 'LOCAL_AUDIO_VOLUME_UPDATE':
      return { pusher: pusher() };
    case 'BGM_PLAY_FAIL':
      return { errMsg: event.errMsg };
    case 'BGM_PLAY_PROGRESS':
      return { progress: event.progress, duration: event.duration };
    case 'ERROR':
      return { code: event.code, message: event.message, ...(event.data ? { data: event.data } : {}) };
    case 'STREAM_ADDED':
      return { userID: event.userID, streamType: event.streamType, streamPublishState: { ...event.streamPublishState } };
    case 'STREAM_REMOVED':
    case 'MUTE_AUDIO':
    case 'UNMUTE_AUDIO':
    case 'MUTE_VIDEO':
    case 'UNMUTE_VIDEO':
      return { userID: event.userID, streamType: event.streamType };
    case 'UPDATE_URL':
      return { userID: event.userID, streamType: event.streamType, url: event.url, local: event.local };
    case 'STREAM_FAILED':
      return {
        userID: event.userID,
        streamType: event.streamType,
        code: event.code,
        reason: event.reason,
        willRetry: event.willRetry,
        local: event.local,
      };
    case 'CONNECTION_STATE_CHANGED':
      return { state: event.state, prevState: event.prevState };
    case 'USER_SIG_WILL_EXPIRE':
      return { expiresInMs: event.expiresInMs };
  }
}

const kickMessages = {
  kick: 'the same userID entered the room elsewhere',
  banned: 'removed from the room by the server',
  'room-disband': 'the room was dismissed',
} as const;

/** Room events worth reporting (volc's client event reporting), in a compact form; null for chatty ones. */
export function reportOf(event: RoomEmitted, at: number): ({ type: string; at: number } & Record<string, unknown>) | null {
  switch (event.type) {
    case 'LOCAL_JOIN':
    case 'LOCAL_LEAVE':
      return { type: event.type, at };
    case 'KICKED_OUT':
      return { type: event.type, at, reason: event.reason };
    case 'ERROR':
      return { type: event.type, at, code: event.code, message: event.message };
    case 'REMOTE_USER_JOIN':
    case 'REMOTE_USER_LEAVE':
      return { type: event.type, at, userID: event.userID };
    case 'STREAM_ADDED':
    case 'STREAM_REMOVED':
    case 'MUTE_AUDIO':
    case 'UNMUTE_AUDIO':
    case 'MUTE_VIDEO':
    case 'UNMUTE_VIDEO':
      return { type: event.type, at, userID: event.userID, streamType: event.streamType };
    case 'UPDATE_URL':
      return { type: event.type, at, userID: event.userID, streamType: event.streamType, local: event.local };
    case 'STREAM_FAILED':
      return { type: event.type, at, userID: event.userID, streamType: event.streamType, code: event.code, reason: event.reason, willRetry: event.willRetry };
    case 'CONNECTION_STATE_CHANGED':
      return { type: event.type, at, state: event.state, prevState: event.prevState };
    case 'USER_SIG_WILL_EXPIRE':
      return { type: event.type, at, expiresInMs: event.expiresInMs };
    default:
      return null;
  }
}
