// The status codes <live-pusher> and <live-player> report (bindstatechange), by name, for every layer: the
// charts act on them, the drivers translate them, the web entry's components report them. Tencent's codes,
// from WeChat's live-pusher / live-player documentation and TRTC's PUSH_EVT_* / PLAY_EVT_* tables.

/** <live-pusher> status codes (the room signaling ones are RoomStatus). */
export const PusherStatus = {
  CONNECTED: 1001,
  PUSH_BEGIN: 1002,
  CAMERA_OPENED: 1003,
  FIRST_FRAME: 1007,
  ENCODER_STARTED: 1008,
  CAMERA_FAILED: -1301,
  MICROPHONE_FAILED: -1302,
  DISCONNECTED: -1307,
  URL_EMPTY: -1313,
  APP_HUNG_UP: 5000,
} as const;

/** <live-player> status codes. */
export const PlayerStatus = {
  CONNECTED: 2001,
  BEGIN: 2002,
  FIRST_VIDEO_FRAME: 2003,
  PLAYING: 2004,
  ENDED: 2006,
  LOADING: 2007,
  FIRST_AUDIO_FRAME: 2026,
  DISCONNECTED: -2301,
  UNRECOVERABLE: -2302,
} as const;

/** Status codes of <live-pusher> that carry room signaling (TRTC's PUSH_EVT_ROOM_*). */
export const RoomStatus = {
  ENTERED: 1018,
  LEFT: 1019,
  USER_LIST: 1020,
  NEED_REENTER: 1021,
  /**
   * The push is up (1002, PUSH_EVT_PUSH_BEGIN). With a room:// url the push is the room connection: after 1021 or
   * 5000 a phone may push again without a new 1018 (the SDK kept the room), and 1002 is then the only sign.
   */
  PUSH_BEGIN: 1002,
  USERS_JOINED: 1031,
  USERS_LEFT: 1032,
  VIDEO_STATE: 1033,
  AUDIO_STATE: 1034,
  USER_SIG_INVALID: -100018,
  ENTER_FAILED: -3301,
  APP_HUNG_UP: 5000,
  FLOAT_WINDOW_CLOSED: 5001,
} as const;
