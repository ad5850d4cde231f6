// The public event names (TRTC.EVENT) and the data each one carries. Names and payloads follow the seed's
// event table and trtc-wx 1.1.15; the stream events (STREAM_ADDED ... CONNECTION_STATE_CHANGED) follow the
// second feature family (visibility, UPDATE_URL, STREAM_FAILED, mute events).

/**
 * The names of every event `TRTC#on` can listen to (`TRTC.EVENT` and `trtc.EVENT`): trtc-wx's table plus the second
 * feature family (STREAM_ADDED, UPDATE_URL, STREAM_FAILED ...).
 */
export const EVENT = Object.freeze({
  LOCAL_JOIN: 'LOCAL_JOIN',
  LOCAL_LEAVE: 'LOCAL_LEAVE',
  KICKED_OUT: 'KICKED_OUT',
  REMOTE_USER_JOIN: 'REMOTE_USER_JOIN',
  REMOTE_USER_LEAVE: 'REMOTE_USER_LEAVE',
  REMOTE_VIDEO_ADD: 'REMOTE_VIDEO_ADD',
  REMOTE_VIDEO_REMOVE: 'REMOTE_VIDEO_REMOVE',
  REMOTE_AUDIO_ADD: 'REMOTE_AUDIO_ADD',
  REMOTE_AUDIO_REMOVE: 'REMOTE_AUDIO_REMOVE',
  REMOTE_STATE_UPDATE: 'REMOTE_STATE_UPDATE',
  LOCAL_NET_STATE_UPDATE: 'LOCAL_NET_STATE_UPDATE',
  REMOTE_NET_STATE_UPDATE: 'REMOTE_NET_STATE_UPDATE',
  REMOTE_AUDIO_VOLUME_UPDATE: 'REMOTE_AUDIO_VOLUME_UPDATE',
  LOCAL_AUDIO_VOLUME_UPDATE: 'LOCAL_AUDIO_VOLUME_UPDATE',
  VIDEO_FULLSCREEN_UPDATE: 'VIDEO_FULLSCREEN_UPDATE',
  BGM_PLAY_PROGRESS: 'BGM_PLAY_PROGRESS',
  BGM_PLAY_COMPLETE: 'BGM_PLAY_COMPLETE',
  ERROR: 'ERROR',
  // trtc-wx's additions to the seed's table.
  BGM_PLAY_START: 'BGM_PLAY_START',
  BGM_PLAY_FAIL: 'BGM_PLAY_FAIL',
  PLAYER_WARNING: 'PLAYER_WARNING',
  // Streams, urls and connection.
  STREAM_ADDED: 'STREAM_ADDED',
  STREAM_REMOVED: 'STREAM_REMOVED',
  UPDATE_URL: 'UPDATE_URL',
  STREAM_FAILED: 'STREAM_FAILED',
  MUTE_AUDIO: 'MUTE_AUDIO',
  UNMUTE_AUDIO: 'UNMUTE_AUDIO',
  MUTE_VIDEO: 'MUTE_VIDEO',
  UNMUTE_VIDEO: 'UNMUTE_VIDEO',
  CONNECTION_STATE_CHANGED: 'CONNECTION_STATE_CHANGED',
  // Token renewal (Agora's token-privilege-will-expire, Volcengine's onTokenWillExpire): answer with updateUserSig.
  USER_SIG_WILL_EXPIRE: 'USER_SIG_WILL_EXPIRE',
} as const);

/** One of the {@link EVENT} names. */
export type EventCode = (typeof EVENT)[keyof typeof EVENT];

/** What every handler receives, as in trtc-wx: `{ eventCode, data }`. */
export interface TRTCEvent<D = unknown> {
  eventCode: EventCode;
  data: D;
}

/** A listener given to `TRTC#on`. */
export type EventHandler = (event: TRTCEvent) => void;
