// The wire protocol between the websocket driver and the dev server (server/), imported by both so the two
// cannot drift. JSON text frames. Every frame carries the protocol version `v`. A client request has an
// `id` and gets exactly one response with the same id; the server also sends notifications (no id) with a
// per-session sequence number `seq`, so a client that resumes can tell what it has already seen.
// Nothing here touches a socket: it is types, constants and pure checks.

import { ErrorCode } from './errors';
import { checkNetStatsBatch, type NetStatsSample } from './net-stats';

export const PROTOCOL_VERSION = 1;
/** Frames above this size are refused (FRAME_TOO_LARGE) and the socket closed. */
export const MAX_FRAME_BYTES = 16 * 1024;
/** The client pings this often; the server drops a session silent for 3 intervals. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A dropped session can be resumed with its token for this long; then the user has left. */
export const RESUME_GRACE_MS = 30_000;
/** A client gives a request this long before it counts as lost. */
export const REQUEST_TIMEOUT_MS = 8_000;

/** Limits through the mini-program (volc 3.0.0) and per scene (TRTC). */
export const LIMITS = Object.freeze({
  visibleUsersPerRoom: 8,
  silentUsersPerRoom: 2000,
  subscriptionsPerUser: 8,
  /** From this many subscriptions on, an Android client is warned (black screens, silence were seen). */
  androidSubscriptionWarningAt: 6,
  rtcUsersPerRoom: 300,
  liveAnchorsPerRoom: 50,
});

export type StreamTypeWire = 'main' | 'aux';
export type SceneWire = 'rtc' | 'live';
export type RoleWire = 'anchor' | 'audience';
/** 'web': a browser (wxrtc/web); its media urls are WebSocket bridges, not rtmp:// (docs/web-media.md). */
export type PlatformWire = 'ios' | 'android' | 'devtools' | 'windows' | 'mac' | 'web' | 'unknown';
/**
 * The one list of kick reasons (TRTC's names), for the wire, the drivers and the emulation: each with the number
 * the trtc-room's 1019 message carries as "reason[n]" (0 there is the user's own exit, no kick).
 */
export const KICK_REASON_CODES = Object.freeze({ banned: 1, 'room-disband': 2, kick: 3 } as const);
export type KickReasonWire = keyof typeof KICK_REASON_CODES;

/** Published tracks of a stream; `true` = the track is sent. */
export interface PublishState {
  audio: boolean;
  video: boolean;
}

export interface StreamInfo extends PublishState {
  userID: string;
  streamType: StreamTypeWire;
}

/** What a joined or resumed client learns about the room: visible users and published streams, self excluded. */
export interface RoomSnapshot {
  users: string[];
  streams: StreamInfo[];
}

// --- requests (client -> server) ----------------------------------------------------------------------------

export interface JoinRequest {
  type: 'join';
  sdkAppID: number;
  userID: string;
  userSig: string;
  /** Exactly one of roomID / strRoomID. */
  roomID?: number;
  strRoomID?: string;
  scene: SceneWire;
  role: RoleWire;
  /** Visible users count toward the 8; silent ones (up to 2000) are not announced and cannot publish. */
  visible: boolean;
  businessId?: string;
  platform?: PlatformWire;
  /** Local tracks disabled at join (muteLocal before entering); true = disabled. */
  mute?: { audio: boolean; video: boolean };
}

export interface ResumeRequest {
  type: 'resume';
  resumeToken: string;
  /** The highest notification seq the client processed. */
  lastSeq: number;
}

export interface RenewUserSigRequest {
  type: 'renew-user-sig';
  userSig: string;
}

export type RequestBody =
  | JoinRequest
  | ResumeRequest
  | { type: 'leave' }
  | { type: 'publish'; streamType: StreamTypeWire }
  | { type: 'unpublish'; streamType: StreamTypeWire }
  /** Local tracks disabled (true) or enabled (false): the others hear stream-updated. */
  | { type: 'mute'; audio: boolean; video: boolean }
  | { type: 'subscribe'; userID: string; streamType: StreamTypeWire; audio: boolean; video: boolean }
  | { type: 'unsubscribe'; userID: string; streamType: StreamTypeWire }
  | { type: 'set-visibility'; visible: boolean }
  /**
   * A fresh userSig for the session (the page's updateUserSig): verified like join's, for the same sdkAppID and
   * userID, unexpired and expiring no earlier than the one it replaces. The session, its token and its seq stay.
   */
  | RenewUserSigRequest
  /** What the client's own <live-pusher>/<live-player> report (volc 2.1.0: the SDK tells the server). */
  | { type: 'media-state'; kind: 'push' | 'play'; userID: string; streamType: StreamTypeWire; state: 'started' | 'stopped' | 'failed'; code: number }
  | { type: 'ping' }
  /** Stream quality samples (volc 2.0.0): at most MAX_NET_STATS_PER_FRAME, each one stream's figures (net-stats.ts). */
  | { type: 'net-stats'; samples: NetStatsSample[] };

export type RequestType = RequestBody['type'];
export type Request = RequestBody & { v: number; id: number };

// --- responses (server -> client, one per request) ----------------------------------------------------------

export interface JoinResult extends RoomSnapshot {
  sessionId: string;
  resumeToken: string;
  heartbeatIntervalMs: number;
  graceMs: number;
  /**
   * How long the userSig the session joined with stays valid, in ms from the moment the server answered: relative,
   * so the client counts down on its own clock and a skewed phone clock does not matter. Absent from older servers.
   */
  userSigExpiresInMs?: number;
}

/** The answer to renew-user-sig: how long the new userSig stays valid, relative like JoinResult's. */
export interface RenewUserSigResult {
  userSigExpiresInMs: number;
}

export interface ResumeResult extends RoomSnapshot {
  sessionId: string;
  resumeToken: string;
  /** The push url the session publishes to (a new one if the media server restarted), or null. */
  publishUrl: string | null;
  /** Current pull urls of the session's subscriptions; a changed one is UPDATE_URL for the client. */
  subscriptions: Array<{ userID: string; streamType: StreamTypeWire; url: string }>;
  /** Notifications after lastSeq that the session missed while away, in order. */
  missed: Notification[];
}

export interface ResultByType {
  join: JoinResult;
  resume: ResumeResult;
  leave: Record<string, never>;
  publish: { url: string; expiresAt: number };
  unpublish: Record<string, never>;
  mute: PublishState;
  subscribe: { url: string; expiresAt: number; warning?: WireError };
  unsubscribe: Record<string, never>;
  'set-visibility': { visible: boolean };
  'renew-user-sig': RenewUserSigResult;
  'media-state': Record<string, never>;
  ping: { now: number };
  /** Samples kept, and those dropped (not a stream of this session, or sooner than the per-stream interval). */
  'net-stats': { accepted: number; dropped: number };
}

export interface WireError {
  code: number;
  message: string;
}

export type Response =
  | { v: number; id: number; type: 'response'; ok: true; result: unknown }
  | { v: number; id: number; type: 'response'; ok: false; error: WireError };

// --- notifications (server -> client) -----------------------------------------------------------------------

export type NotificationBody =
  | { type: 'user-joined'; userID: string }
  | { type: 'user-left'; userID: string; reason: 'leave' | 'timeout' | 'kicked' | 'invisible' }
  | ({ type: 'stream-added' } & StreamInfo)
  | ({ type: 'stream-updated' } & StreamInfo)
  | { type: 'stream-removed'; userID: string; streamType: StreamTypeWire }
  /** A url the client uses changed: its own push url (kind publish) or a pull url (kind subscribe). */
  | { type: 'url-updated'; kind: 'publish' | 'subscribe'; userID: string; streamType: StreamTypeWire; url: string }
  | { type: 'stream-failed'; kind: 'publish' | 'subscribe'; userID: string; streamType: StreamTypeWire; code: number; reason: string }
  /** The server took the client's own stream down (it became invisible, an admin unpublished it). */
  | { type: 'unpublished'; streamType: StreamTypeWire; reason: string }
  | { type: 'visibility-changed'; visible: boolean }
  | { type: 'kicked'; reason: KickReasonWire }
  | { type: 'warning'; code: number; message: string };

export type NotificationType = NotificationBody['type'];
export type Notification = NotificationBody & { v: number; seq: number };

export type ServerFrame = Response | Notification;

// --- pure helpers used by both ends -------------------------------------------------------------------------

/**
 * One key per stream of a room, for maps on either end: NUL cannot occur in a userID (isUserID), so no two
 * (userID, streamType) pairs share a key.
 */
export const streamKey = (userID: string, streamType: StreamTypeWire): string => `${userID}\u0000${streamType}`;

export function encodeRequest(id: number, body: RequestBody): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, id, ...body });
}

export function encodeResponse(id: number, result: unknown): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, id, type: 'response', ok: true, result });
}

export function encodeError(id: number, code: number, message: string): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, id, type: 'response', ok: false, error: { code, message } });
}

export function encodeNotification(seq: number, body: NotificationBody): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, seq, ...body });
}

const REQUEST_TYPES: ReadonlySet<string> = new Set<RequestType>([
  'join', 'resume', 'leave', 'publish', 'unpublish', 'mute', 'subscribe', 'unsubscribe', 'set-visibility', 'renew-user-sig', 'media-state', 'ping', 'net-stats',
]);

export type ParsedRequest = { ok: true; request: Request } | { ok: false; id: number | null; code: number; message: string };

const isStreamType = (v: unknown): v is StreamTypeWire => v === 'main' || v === 'aux';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

/**
 * The one check of every id and text field either end reads from the other (userID, strRoomID, businessId,
 * tokens): a string of 1..max UTF-16 code units that is well-formed, i.e. has no lone surrogate. A lone
 * surrogate has no UTF-8 form: it becomes U+FFFD on the way to bytes, so "m\uD800", "m\uDBFF" and "m\uDC00"
 * would be three users to this process and one to a userSig, an RTMP path, Redis or a url.
 */
export function isWellFormedString(value: unknown, max: number): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) return false;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    // A high surrogate must be followed by a low one; a low one must never come first.
    const next = value.charCodeAt(i + 1);
    if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

const isNonEmptyString = (v: unknown, max = 128): v is string => isWellFormedString(v, max);

// --- the id fields both ends check, with one rule each ------------------------------------------------------
// The SDK refuses a bad id before anything is sent (INVALID_USER_ID, INVALID_STR_ROOM_ID, INVALID_ARGUMENT) and
// the server refuses the same id in a frame (BAD_REQUEST): one function per field, so the two cannot drift.
// The alphabets are ASCII, so a length in characters is a length in UTF-8 bytes (what TRTC documents, what a
// userSig signs, what Redis keys and RTMP paths hold) and no lone surrogate can get through.

/** Tencent's userID: at most 32 bytes of a-z A-Z 0-9 _ - and, as trtc-wx and IM accept, @ and . */
const USER_ID_PATTERN = /^[A-Za-z0-9_\-@.]{1,32}$/;
/**
 * TRTC's documented strRoomID alphabet (64 bytes), minus the url delimiters & = ? # and space: it travels in
 * the room:// url as trtc-wx writes it, and in the server's room key.
 */
const STR_ROOM_ID_PATTERN = /^[A-Za-z0-9!$%()+\-:;<.>@[\]^_{}|~,]{1,64}$/;
/** The business id server callbacks carry: an identifier, never text with meaning in a url or a log line. */
const BUSINESS_ID_PATTERN = /^[A-Za-z0-9_\-.:]{1,128}$/;
/** The largest numeric room id TRTC accepts (2^32 - 2). */
export const MAX_ROOM_ID = 4294967294;

/** What {@link isUserID} accepts, for refusal messages on both ends. */
export const USER_ID_RULE = 'at most 32 bytes of a-z A-Z 0-9 _ - @ .';
/** What {@link isStrRoomID} accepts. */
export const STR_ROOM_ID_RULE = 'at most 64 bytes of a-z A-Z 0-9 and !$%()+-:;<.>@[]^_{}|~,';
/** What {@link isBusinessId} accepts. */
export const BUSINESS_ID_RULE = '1..128 characters of a-z A-Z 0-9 _ - . :';

/** The longest userSig either end accepts (a TLS-Sig v2 sig is a few hundred characters). */
export const MAX_USER_SIG_CHARS = 4096;
/** A userSig as it may travel: its own checks (signature, expiry) are the server's. */
export const isUserSig = (value: unknown): value is string => isWellFormedString(value, MAX_USER_SIG_CHARS);

export const isUserID = (value: unknown): value is string => typeof value === 'string' && USER_ID_PATTERN.test(value);
export const isStrRoomID = (value: unknown): value is string => typeof value === 'string' && STR_ROOM_ID_PATTERN.test(value);
export const isBusinessId = (value: unknown): value is string => typeof value === 'string' && BUSINESS_ID_PATTERN.test(value);
export const isRoomID = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_ROOM_ID;

const PLATFORMS: ReadonlySet<unknown> = new Set<PlatformWire>(['ios', 'android', 'devtools', 'windows', 'mac', 'web', 'unknown']);
/** Codes the pusher and player report (trtc-wx status and error codes, negative ones included). */
const isMediaCode = (v: unknown): v is number => Number.isSafeInteger(v) && Math.abs(v as number) <= 2 ** 31 - 1;
/** Exactly { audio: boolean, video: boolean }: nothing else rides along into the store and the admin view. */
const isMuteState = (v: unknown): v is { audio: boolean; video: boolean } => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  const m = v as Record<string, unknown>;
  return keys.length === 2 && isBool(m.audio) && isBool(m.video);
};

/** The fields each request type may carry (besides v, id and type); anything else is refused, not stored. */
const REQUEST_FIELDS: Record<RequestType, readonly string[]> = {
  join: ['sdkAppID', 'userID', 'userSig', 'roomID', 'strRoomID', 'scene', 'role', 'visible', 'businessId', 'platform', 'mute'],
  resume: ['resumeToken', 'lastSeq'],
  leave: [],
  publish: ['streamType'],
  unpublish: ['streamType'],
  mute: ['audio', 'video'],
  subscribe: ['userID', 'streamType', 'audio', 'video'],
  unsubscribe: ['userID', 'streamType'],
  'set-visibility': ['visible'],
  'renew-user-sig': ['userSig'],
  'media-state': ['kind', 'userID', 'streamType', 'state', 'code'],
  ping: [],
  'net-stats': ['samples'],
};
const ENVELOPE_FIELDS: ReadonlySet<string> = new Set(['v', 'id', 'type']);

/**
 * Check one client frame: valid JSON, the right version, a known type with well-typed fields. The server
 * answers a failure with its code and the request id when one could be read.
 */
export function parseRequest(text: string): ParsedRequest {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { ok: false, id: null, code: ErrorCode.BAD_REQUEST, message: 'frame is not JSON' };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return { ok: false, id: null, code: ErrorCode.BAD_REQUEST, message: 'frame is not an object' };
  }
  const f = frame as Record<string, unknown>;
  const id = Number.isSafeInteger(f.id) && (f.id as number) >= 0 ? (f.id as number) : null;
  const fail = (code: number, message: string): ParsedRequest => ({ ok: false, id, code, message });
  if (id === null) return fail(ErrorCode.BAD_REQUEST, 'request id must be a non-negative integer');
  if (f.v !== PROTOCOL_VERSION) return fail(ErrorCode.UNSUPPORTED_VERSION, `protocol version ${String(f.v)} is not supported (use ${PROTOCOL_VERSION})`);
  if (typeof f.type !== 'string' || !REQUEST_TYPES.has(f.type)) return fail(ErrorCode.BAD_REQUEST, `unknown request type ${JSON.stringify(f.type)}`);

  switch (f.type as RequestType) {
    case 'join':
      if (!Number.isSafeInteger(f.sdkAppID) || (f.sdkAppID as number) <= 0) return fail(ErrorCode.BAD_REQUEST, 'join.sdkAppID must be a positive integer');
      if (!isUserID(f.userID)) return fail(ErrorCode.BAD_REQUEST, `join.userID must be ${USER_ID_RULE}`);
      if (!isUserSig(f.userSig)) return fail(ErrorCode.BAD_REQUEST, 'join.userSig is required');
      if ((f.roomID === undefined) === (f.strRoomID === undefined)) return fail(ErrorCode.BAD_REQUEST, 'join needs exactly one of roomID and strRoomID');
      if (f.roomID !== undefined && !isRoomID(f.roomID)) return fail(ErrorCode.BAD_REQUEST, `join.roomID must be an integer in 1..${MAX_ROOM_ID}`);
      if (f.strRoomID !== undefined && !isStrRoomID(f.strRoomID)) return fail(ErrorCode.BAD_REQUEST, `join.strRoomID must be ${STR_ROOM_ID_RULE}`);
      if (f.scene !== 'rtc' && f.scene !== 'live') return fail(ErrorCode.BAD_REQUEST, "join.scene must be 'rtc' or 'live'");
      if (f.role !== 'anchor' && f.role !== 'audience') return fail(ErrorCode.BAD_REQUEST, "join.role must be 'anchor' or 'audience'");
      if (!isBool(f.visible)) return fail(ErrorCode.BAD_REQUEST, 'join.visible must be a boolean');
      if (f.businessId !== undefined && !isBusinessId(f.businessId)) return fail(ErrorCode.BAD_REQUEST, `join.businessId must be ${BUSINESS_ID_RULE}`);
      if (f.platform !== undefined && !PLATFORMS.has(f.platform)) return fail(ErrorCode.BAD_REQUEST, `join.platform must be one of ${[...PLATFORMS].join(', ')}`);
      if (f.mute !== undefined && !isMuteState(f.mute)) return fail(ErrorCode.BAD_REQUEST, 'join.mute must be { audio: boolean, video: boolean }');
      break;
    case 'resume':
      if (!isNonEmptyString(f.resumeToken, 256)) return fail(ErrorCode.BAD_REQUEST, 'resume.resumeToken is required');
      if (!Number.isSafeInteger(f.lastSeq) || (f.lastSeq as number) < 0) return fail(ErrorCode.BAD_REQUEST, 'resume.lastSeq must be a non-negative integer');
      break;
    case 'publish':
    case 'unpublish':
      if (!isStreamType(f.streamType)) return fail(ErrorCode.BAD_REQUEST, `${f.type}.streamType must be 'main' or 'aux'`);
      break;
    case 'mute':
      if (!isBool(f.audio) || !isBool(f.video)) return fail(ErrorCode.BAD_REQUEST, 'mute.audio and mute.video must be booleans');
      break;
    case 'subscribe':
      if (!isUserID(f.userID) || !isStreamType(f.streamType)) return fail(ErrorCode.BAD_REQUEST, 'subscribe needs userID and streamType');
      if (!isBool(f.audio) || !isBool(f.video)) return fail(ErrorCode.BAD_REQUEST, 'subscribe.audio and subscribe.video must be booleans');
      break;
    case 'unsubscribe':
      if (!isUserID(f.userID) || !isStreamType(f.streamType)) return fail(ErrorCode.BAD_REQUEST, 'unsubscribe needs userID and streamType');
      break;
    case 'set-visibility':
      if (!isBool(f.visible)) return fail(ErrorCode.BAD_REQUEST, 'set-visibility.visible must be a boolean');
      break;
    case 'renew-user-sig':
      if (!isUserSig(f.userSig)) return fail(ErrorCode.BAD_REQUEST, `renew-user-sig.userSig must be a string of 1..${MAX_USER_SIG_CHARS} characters`);
      break;
    case 'media-state':
      if (f.kind !== 'push' && f.kind !== 'play') return fail(ErrorCode.BAD_REQUEST, "media-state.kind must be 'push' or 'play'");
      if (!isUserID(f.userID) || !isStreamType(f.streamType)) return fail(ErrorCode.BAD_REQUEST, 'media-state needs userID and streamType');
      if (f.state !== 'started' && f.state !== 'stopped' && f.state !== 'failed') return fail(ErrorCode.BAD_REQUEST, 'media-state.state is invalid');
      if (!isMediaCode(f.code)) return fail(ErrorCode.BAD_REQUEST, 'media-state.code must be an integer (a pusher or player code)');
      break;
    case 'net-stats': {
      const check = checkNetStatsBatch(f.samples);
      if (!check.ok) return fail(ErrorCode.BAD_REQUEST, `net-stats: ${check.message}`);
      break;
    }
    default:
      break;
  }
  const allowed = REQUEST_FIELDS[f.type as RequestType];
  const extra = Object.keys(f).find((k) => !ENVELOPE_FIELDS.has(k) && !allowed.includes(k));
  if (extra !== undefined) return fail(ErrorCode.BAD_REQUEST, `${f.type} has no field ${JSON.stringify(extra.slice(0, 40))}`);
  return { ok: true, request: f as unknown as Request };
}

/** Check one server frame on the client: a response to a request, or a notification. null if unreadable. */
export function parseServerFrame(text: string): ServerFrame | null {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null) return null;
  const f = frame as Record<string, unknown>;
  if (f.v !== PROTOCOL_VERSION || typeof f.type !== 'string') return null;
  if (f.type === 'response') {
    if (!Number.isSafeInteger(f.id) || typeof f.ok !== 'boolean') return null;
    if (!f.ok && (typeof f.error !== 'object' || f.error === null)) return null;
    return f as unknown as Response;
  }
  return parseNotification(f);
}

/** A notification as an object (one frame, or an entry of a resume's `missed`), or null if it is not one. */
export function parseNotification(value: unknown): Notification | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const f = value as Record<string, unknown>;
  if (f.v !== PROTOCOL_VERSION || typeof f.type !== 'string' || !Number.isSafeInteger(f.seq) || !isWellFormedNotification(f)) return null;
  return f as unknown as Notification;
}

const KICK_REASONS: ReadonlySet<unknown> = new Set(Object.keys(KICK_REASON_CODES));
const LEAVE_REASONS: ReadonlySet<unknown> = new Set(['leave', 'timeout', 'kicked', 'invisible']);

/**
 * Every field a notification's type promises is there with its type: the driver acts on them without
 * further checks, so a frame that lies (an old or broken server, a proxy) is dropped here, not half-applied.
 */
function isWellFormedNotification(f: Record<string, unknown>): boolean {
  const user = isUserID(f.userID);
  const stream = user && isStreamType(f.streamType);
  switch (f.type as NotificationType) {
    case 'user-joined':
      return user;
    case 'user-left':
      return user && LEAVE_REASONS.has(f.reason);
    case 'stream-added':
    case 'stream-updated':
      return stream && isBool(f.audio) && isBool(f.video);
    case 'stream-removed':
      return stream;
    case 'url-updated':
      return stream && (f.kind === 'publish' || f.kind === 'subscribe') && isNonEmptyString(f.url, 4096);
    case 'stream-failed':
      return stream && (f.kind === 'publish' || f.kind === 'subscribe') && Number.isSafeInteger(f.code) && typeof f.reason === 'string';
    case 'unpublished':
      return isStreamType(f.streamType) && typeof f.reason === 'string';
    case 'visibility-changed':
      return isBool(f.visible);
    case 'kicked':
      return KICK_REASONS.has(f.reason);
    case 'warning':
      return Number.isSafeInteger(f.code) && typeof f.message === 'string';
    default:
      return false;
  }
}
