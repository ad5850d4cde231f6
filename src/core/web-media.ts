// The browser's media path, as both sides see it (docs/web-media.md). A session that joins with
// platform 'web' gets WebSocket urls instead of rtmp:// ones:
//   ws://<host>:<httpPort>/v1/media/web/publish/<streamName>?gen=..&expires=..&sid=..&sub=..&sign=..
//   ws://<host>:<httpPort>/v1/media/web/play/<streamName>?gen=..&expires=..&sid=..&sub=..&sign=..
// signed like the RTMP urls. A publish socket carries MediaRecorder's webm chunks up (binary messages), a
// play socket carries an FLV byte stream down (binary messages, for mpegts.js). Everything else the server
// says with the close code and its reason; the client never receives text.

/** Path prefix of both sockets on the dev server's HTTP port. */
export const WEB_MEDIA_PATH = '/v1/media/web';

export type WebMediaDirection = 'publish' | 'play';

/**
 * Close codes of the web media sockets. The reason text is a short token (listed per code) that the browser
 * entry turns into STREAM_FAILED / pusher errors; 1000 is a clean end (the played stream ended).
 */
export const WebMediaClose = {
  /** The played stream ended (its publisher stopped or left). Reason 'stream-ended'. */
  ENDED: 1000,
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** A text message on either socket, or any message on a play socket. Reason 'binary-only' / 'play-is-receive-only'. */
  UNSUPPORTED: 1003,
  /** A message above the size bound. (ws sends it itself.) */
  TOO_LARGE: 1009,
  /**
   * The url was refused. Reason: 'malformed' | 'bad-signature' | 'expired' | 'stale-generation' | 'no-session' |
   * 'not-publishing' | 'not-subscribed' | 'session-ended' | 'not-published' | 'no-media-server' | 'internal'.
   */
  REFUSED: 4403,
  /** Nothing arrived for the idle timeout (publish: no chunk from the browser; play: no media from the server). Reason 'idle'. */
  IDLE: 4408,
  /** A newer publish socket of the same stream took over. Reason 'superseded'. */
  SUPERSEDED: 4409,
  /** The session the url belongs to ended (leave, kick, ban, dismiss, grace timeout). Reason 'session-ended'. */
  SESSION_ENDED: 4410,
  /** A bound was hit. Reason 'session-cap' | 'server-cap' | 'rate'. */
  LIMIT: 4429,
  /** ffmpeg failed: the chunks were not webm it can read, or the media server cut or refused the stream. Reason 'media-failed'. */
  MEDIA_FAILED: 4502,
} as const;

export type WebMediaCloseCode = (typeof WebMediaClose)[keyof typeof WebMediaClose];
