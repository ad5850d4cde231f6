// The one catalogue of error codes wxrtc itself raises, and the one error class that carries them.
// Codes are stable API: pages switch on them, so a code is never reused or renumbered.
// Codes reported by WeChat's <live-pusher>/<live-player> (-1301, -1307, -100018, 10001 ...) pass through
// unchanged in ERROR events; the 7xxx range below is ours and never collides with them.

/**
 * The catalogue of wxrtc's own error codes: 7xxx raised by the SDK, 8xxx answered by the dev server (and
 * PUBLISH_NOT_ALLOWED raised by the SDK as well). ERROR events carry them as `data.code`, `fail` callbacks as
 * `errCode`, rejected promises as the WxrtcError's `code`.
 */
export const ErrorCode = {
  /** enterRoom params is not an object. */
  INVALID_ENTER_PARAMS: 7000,
  /** sdkAppID missing, not a positive integer (number or numeric string). */
  INVALID_SDK_APP_ID: 7001,
  /** userID missing, empty, longer than 32 bytes, or with characters that would break the room url. */
  INVALID_USER_ID: 7002,
  /** userSig missing or empty. */
  INVALID_USER_SIG: 7003,
  /** roomID not an integer in 1..4294967294 (numeric strings are accepted). */
  INVALID_ROOM_ID: 7004,
  /** strRoomID empty, over 64 bytes, or with characters outside a-zA-Z0-9 and TRTC's symbol set. */
  INVALID_STR_ROOM_ID: 7005,
  /** scene is not 'rtc' or 'live' (or TRTC's older 'videocall' / 'audiocall'). */
  INVALID_SCENE: 7006,
  /** role is not 'anchor' or 'audience'. */
  INVALID_ROLE: 7007,
  /**
   * An enterRoom option that travels in the room url is malformed: userDefineRecordId or streamID not at most 64
   * bytes of a-z A-Z 0-9 _ -, or privateMapKey not a signed key. `data.key` names it.
   */
  INVALID_URL_PARAM: 7008,
  /** A pusher or player attribute has the wrong type or an out-of-range value. */
  INVALID_ATTRIBUTE: 7010,
  /** No player with that id is in the room. */
  UNKNOWN_PLAYER: 7011,
  /** An argument other than attributes or enter params is malformed (mute options, business id, ...). */
  INVALID_ARGUMENT: 7012,
  /** The feature needs the other signaling driver (visibility, for example, needs the websocket driver). */
  NOT_SUPPORTED_BY_DRIVER: 7013,
  /**
   * A WeChat API called for the page failed or is missing: snapshot, saving to the album, a LivePusherContext or
   * LivePlayerContext method. The message and `data.errMsg` are WeChat's own errMsg.
   */
  WX_API_FAILED: 7014,
  /** The method is not allowed in the room's current state (for example enterRoom while in a room). */
  WRONG_STATE: 7020,
  /** A status message from <live-pusher> or the signaling server could not be parsed; it was dropped. */
  MALFORMED_NOTIFICATION: 7030,
  /**
   * The signaling server answered with something the protocol does not allow (a join answer whose users are not a
   * list, a refusal without a code ...). The request counts as failed.
   */
  MALFORMED_ANSWER: 7031,
  /**
   * The server sent a push or play url the tags must not be given: a scheme other than rtmp:// or room:// (unless
   * the driver's `urlSchemes` option names it), or control characters. It was not applied.
   */
  URL_REFUSED: 7032,
  /** Warning, not a failure: the server announced more remote users than a room holds (300); the rest are ignored. */
  REMOTE_USER_LIMIT: 7033,
  /** Publishing the local stream failed and the server gave no code of its own (STREAM_FAILED, `local: true`). */
  PUBLISH_FAILED: 7040,
  // 7041 and 7042 are retired, never to be reused: a remote stream's STREAM_FAILED carries the player's own code
  // (-2301, 8024 ...), and `willRetry: false` is what says its retries ran out.
  /** The connection to the room did not come back within the reconnect deadline; the room was left. */
  RECONNECT_TIMEOUT: 7050,
  /** The signaling connection failed or closed and could not be resumed. */
  SIGNALING_UNAVAILABLE: 7051,
  /** The signaling server did not answer a request in time. */
  SIGNALING_TIMEOUT: 7052,

  // Codes the dev server answers with (src/core/protocol.ts), surfaced unchanged. The SDK raises one of them
  // itself, PUBLISH_NOT_ALLOWED, where it can tell without asking.
  /** The request was not valid JSON or not a known message. */
  BAD_REQUEST: 8000,
  /** The protocol version is not supported. */
  UNSUPPORTED_VERSION: 8001,
  /** The request is not allowed in the session's state (publish before join, join twice ...). */
  REQUEST_OUT_OF_STATE: 8002,
  /** A frame was larger than the server accepts. */
  FRAME_TOO_LARGE: 8003,
  /** Too many messages in a short time. */
  RATE_LIMITED: 8004,
  /** userSig does not verify (forged, wrong secret, wrong sdkAppID). */
  USER_SIG_INVALID: 8010,
  /** userSig has expired. */
  USER_SIG_EXPIRED: 8011,
  /** userSig was issued for another userID. */
  USER_SIG_MISMATCH: 8012,
  /** The room already has the maximum of visible users (8 through the mini-program). */
  VISIBLE_USER_LIMIT: 8020,
  /** The room already has the maximum of silent users (2000). */
  SILENT_USER_LIMIT: 8021,
  /** The room is at the scene's limit (300 in rtc, 50 anchors in live). */
  ROOM_FULL: 8022,
  /** The user already subscribes to the maximum of streams (8). */
  SUBSCRIPTION_LIMIT: 8023,
  /** Warning, not a failure: the 6th+ subscription on Android may play black or silent (volc 3.0.0). */
  SUBSCRIPTION_WARNING: 8026,
  /** The stream does not exist in this room. */
  STREAM_NOT_FOUND: 8024,
  /**
   * Invisible users and audience cannot publish. The server answers it to a publish; the SDK raises it too, as an
   * ERROR, for `publish()` while `setUserVisibility(false)`, without asking the server.
   */
  PUBLISH_NOT_ALLOWED: 8025,
  /** The resume token is unknown or its grace period is over. */
  RESUME_REJECTED: 8030,
  /** The admin API key is missing or wrong. */
  ADMIN_UNAUTHORIZED: 8040,
  /** The room or user named in an admin API call does not exist. */
  NOT_FOUND: 8041,
  /** The dev server has nothing at that path (or not for that method): a mistyped url, not a missing room. */
  ROUTE_NOT_FOUND: 8042,
  /** The server failed while handling the request. */
  INTERNAL: 8099,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
/** Any code in {@link ErrorCode}. */
export type WxrtcErrorCode = (typeof ErrorCode)[ErrorCodeName];

const nameByCode = new Map<number, ErrorCodeName>(
  (Object.keys(ErrorCode) as ErrorCodeName[]).map((name) => [ErrorCode[name], name]),
);

/** The name of a catalogue code ('INVALID_ROOM_ID'), or undefined for a code that is not ours. */
export function errorCodeName(code: number): ErrorCodeName | undefined {
  return nameByCode.get(code);
}

/** Every error wxrtc raises or reports. `code` is from ErrorCode, or a platform code passed through. */
export class WxrtcError extends Error {
  /** A code from {@link ErrorCode}, or a platform code (-1301, 10001 ...) passed through. */
  readonly code: number;
  /** Details for the code, when there are any (the failed attribute, the limit reached ...). */
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: number, message: string, data?: Record<string, unknown>) {
    super(message);
    this.name = 'WxrtcError';
    this.code = code;
    this.data = data;
  }

  /** The shape an ERROR event carries to the page: `{ code, message }` like trtc-wx, plus our extras. */
  toEventData(): ErrorEventData {
    return { code: this.code, message: this.message, ...(this.data ? { data: this.data } : {}) };
  }
}

/** The `data` of an ERROR event: `{ code, message }` as in trtc-wx, plus wxrtc's details. */
export interface ErrorEventData {
  code: number;
  message: string;
  data?: Readonly<Record<string, unknown>>;
}
