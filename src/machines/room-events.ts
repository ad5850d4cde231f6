// What the room machine emits to whoever drives it (the TRTC facade, or a page using the actor directly).
// One emitted event per public EVENT; remote ones carry an immutable view of the room at that moment so the
// facade can build userList / playerList lazily, without copying on every event.

import type { ActorRefFrom } from 'xstate';
import type { playerMachine } from './player.machine';
import type { StreamType } from '../core/attributes';
import type { KickReason } from '../services/signaling/types';

/** A spawned player actor. */
export type PlayerRef = ActorRefFrom<typeof playerMachine>;

/** A remote stream as the room knows it from signaling; the player actor owns what the page binds. */
export interface RemoteStream {
  readonly id: string;
  readonly userID: string;
  readonly streamType: StreamType;
  /** Published audio / video, as signaling last said. */
  readonly audio: boolean;
  readonly video: boolean;
  readonly ref: PlayerRef;
  /** What we last asked the server to send us (websocket driver); null when not subscribed. */
  readonly subscribed: { readonly audio: boolean; readonly video: boolean } | null;
}

/** The room as of one emitted event: remote users in join order, streams in announcement order. */
export interface RoomView {
  readonly users: readonly string[];
  readonly streams: readonly RemoteStream[];
}

/** The room's connection, as CONNECTION_STATE_CHANGED reports it. */
export type ConnectionState = 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED' | 'RECONNECTING';

type StreamKey = { userID: string; streamType: StreamType };

/** The page calls that report whether they took effect (their `success` / `fail` callbacks). */
export type ConfirmedCall =
  | 'muteLocal'
  | 'muteRemote'
  | 'subscribe'
  | 'unsubscribe'
  | 'publish'
  | 'unpublish'
  | 'setUserVisibility'
  | 'setBusinessId';

/**
 * The answer to one page call that gave a `ticket` (the facade's handle on its callbacks). Not a public EVENT:
 * the facade turns it into the call's `success` or `fail`; a refused call the page did not answer is an ERROR too.
 */
export type CallSettled =
  | { type: 'CALL_SETTLED'; ticket: number; call: ConfirmedCall; ok: true }
  | { type: 'CALL_SETTLED'; ticket: number; call: ConfirmedCall; ok: false; code: number; message: string };

/** Everything the room chart emits: the public events (LOCAL_JOIN, REMOTE_VIDEO_ADD ...) with their payloads. */
export type RoomEmitted =
  | { type: 'LOCAL_JOIN' }
  | { type: 'LOCAL_LEAVE' }
  | { type: 'KICKED_OUT'; reason: KickReason }
  | { type: 'REMOTE_USER_JOIN'; userID: string; view: RoomView }
  | { type: 'REMOTE_USER_LEAVE'; userID: string; view: RoomView }
  | ({ type: 'REMOTE_VIDEO_ADD' | 'REMOTE_VIDEO_REMOVE' | 'REMOTE_AUDIO_ADD' | 'REMOTE_AUDIO_REMOVE'; player: PlayerRef; view: RoomView } & StreamKey)
  | { type: 'REMOTE_STATE_UPDATE'; id: string; detail: unknown }
  | { type: 'PLAYER_WARNING'; id: string | null; detail: unknown }
  | { type: 'REMOTE_NET_STATE_UPDATE'; id: string; view: RoomView }
  | { type: 'REMOTE_AUDIO_VOLUME_UPDATE'; id: string; view: RoomView }
  | { type: 'VIDEO_FULLSCREEN_UPDATE'; id: string | null; detail: unknown }
  | { type: 'LOCAL_NET_STATE_UPDATE' }
  | { type: 'LOCAL_AUDIO_VOLUME_UPDATE' }
  | { type: 'BGM_PLAY_START' }
  | { type: 'BGM_PLAY_FAIL'; errMsg: string }
  | { type: 'BGM_PLAY_PROGRESS'; progress: unknown; duration: unknown }
  | { type: 'BGM_PLAY_COMPLETE' }
  | { type: 'ERROR'; code: number; message: string; data?: Readonly<Record<string, unknown>> }
  | ({ type: 'STREAM_ADDED'; streamPublishState: { audio: boolean; video: boolean } } & StreamKey)
  | ({ type: 'STREAM_REMOVED' } & StreamKey)
  | ({ type: 'UPDATE_URL'; url: string; local: boolean } & StreamKey)
  | ({ type: 'STREAM_FAILED'; code: number; reason: string; willRetry: boolean; local: boolean } & StreamKey)
  | ({ type: 'MUTE_AUDIO' | 'UNMUTE_AUDIO' | 'MUTE_VIDEO' | 'UNMUTE_VIDEO' } & StreamKey)
  | { type: 'CONNECTION_STATE_CHANGED'; state: ConnectionState; prevState: ConnectionState }
  | CallSettled
  /** The userSig in use expires in `expiresInMs`: updateUserSig with a fresh one (websocket driver only). */
  | { type: 'USER_SIG_WILL_EXPIRE'; expiresInMs: number };

/** The `type` of a {@link RoomEmitted} event. */
export type RoomEmittedType = RoomEmitted['type'];
