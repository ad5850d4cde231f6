// What the websocket driver accepts from its signaling server. A server can be old, buggy, behind a broken
// proxy or hostile: its urls, timers, sequence numbers and answers are checked here before the driver acts
// on them, so one bad frame cannot point a <live-pusher> elsewhere, flood pings or silence the session.
// Pure checks only; the driver decides what a refusal means.

import { ErrorCode } from '../../core/errors';
import {
  HEARTBEAT_INTERVAL_MS,
  LIMITS,
  parseNotification,
  type JoinResult,
  type Notification,
  type ResumeResult,
  type RoomSnapshot,
  type StreamInfo,
  type WireError,
} from '../../core/protocol';

/**
 * A frame from the server longer than this is dropped unread: a join answer for a full room or a resume replaying
 * thousands of notifications is a few hundred KiB; a hostile server must not make the SDK parse megabytes.
 */
export const MAX_SERVER_FRAME_CHARS = 1024 * 1024;

/** The schemes <live-pusher> and <live-player> are given by our server (RTMP) and by TRTC (room://). */
export const DEFAULT_URL_SCHEMES: readonly string[] = ['rtmp', 'room'];

/** A push or pull url longer than this is not one a media server hands out. */
const MAX_URL_LENGTH = 4096;

/** The url's scheme in lower case, or null when it has none of the form `scheme://`. */
function schemeOf(url: string): string | null {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  return match ? match[1]!.toLowerCase() : null;
}

/**
 * Whether a url from the server may become a pusher url or a player src: one of `schemes`, no whitespace or
 * control characters (a tag given `javascript:` or `http://evil/` would otherwise take it as it is).
 */
export function isAcceptedUrl(url: unknown, schemes: ReadonlySet<string>): url is string {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL_LENGTH) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f]/.test(url)) return false;
  const scheme = schemeOf(url);
  return scheme !== null && schemes.has(scheme);
}

/** The accepted schemes: rtmp and room unless the page names others explicitly. */
export function urlSchemesOf(option: readonly string[] | undefined): ReadonlySet<string> {
  const named = Array.isArray(option) ? option.filter((s): s is string => typeof s === 'string' && s.length > 0) : [];
  return new Set((named.length > 0 ? named : DEFAULT_URL_SCHEMES).map((s) => s.toLowerCase()));
}

/**
 * The heartbeat interval a server may ask for. Below 1 s is a ping flood; above 10 min a dead server goes
 * unnoticed for half an hour, and anything past 2^31-1 ms overflows setInterval to 1 ms.
 */
export const HEARTBEAT_BOUNDS = Object.freeze({ minMs: 1_000, maxMs: 600_000 });

export function clampHeartbeat(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return HEARTBEAT_INTERVAL_MS;
  return Math.min(HEARTBEAT_BOUNDS.maxMs, Math.max(HEARTBEAT_BOUNDS.minMs, Math.round(value)));
}

/**
 * How far one notification may move the seq forward. The server numbers a session's notifications 1, 2, 3...;
 * a jump beyond its resume buffer cannot be resumed anyway, and a frame claiming seq 2^53-1 would otherwise make
 * every later notification (a kick among them) look like a duplicate.
 */
export const MAX_SEQ_ADVANCE = 4096;

/** A well-formed notification's seq is news: above the last one, and not implausibly far above it. */
export function isPlausibleSeq(seq: number, lastSeq: number): boolean {
  return Number.isSafeInteger(seq) && seq > lastSeq && seq - lastSeq <= MAX_SEQ_ADVANCE;
}

/**
 * The most remote users the SDK tracks in one room: a room holds 300 in scene rtc (live has at most 50 anchors
 * on mic; its audience is never announced). The SDK keeps at most this many, whatever a server announces.
 */
export const MAX_REMOTE_USERS = LIMITS.rtcUsersPerRoom - 1;

const isUserID = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 32;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

function isStreamInfo(v: unknown): v is StreamInfo {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return isUserID(s.userID) && (s.streamType === 'main' || s.streamType === 'aux') && isBool(s.audio) && isBool(s.video);
}

/** The room snapshot of a join or resume answer, or null when its lists are not lists of users and streams. */
function snapshotOf(r: Record<string, unknown>): RoomSnapshot | null {
  if (!Array.isArray(r.users) || !r.users.every(isUserID)) return null;
  if (!Array.isArray(r.streams) || !r.streams.every(isStreamInfo)) return null;
  return { users: r.users as string[], streams: r.streams as StreamInfo[] };
}

const isToken = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;

function recordOf(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** A join answer with everything the protocol promises, the heartbeat clamped; null when it is malformed. */
export function checkJoinResult(value: unknown): JoinResult | null {
  const r = recordOf(value);
  if (!r || !isToken(r.resumeToken) || typeof r.sessionId !== 'string') return null;
  const snapshot = snapshotOf(r);
  if (!snapshot) return null;
  return {
    sessionId: r.sessionId,
    resumeToken: r.resumeToken,
    heartbeatIntervalMs: clampHeartbeat(r.heartbeatIntervalMs),
    graceMs: typeof r.graceMs === 'number' && Number.isFinite(r.graceMs) ? r.graceMs : 0,
    ...snapshot,
    ...(userSigExpiresInMsOf(r.userSigExpiresInMs) !== null ? { userSigExpiresInMs: userSigExpiresInMsOf(r.userSigExpiresInMs)! } : {}),
  };
}

/**
 * How long a userSig stays valid, as a join or renew-user-sig answer says (relative ms), or null when it says
 * nothing usable: not a finite non-negative number. An older server sends none; the SDK then warns of nothing.
 */
export function userSigExpiresInMsOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
}

/**
 * A resume answer with everything the protocol promises (urls are checked where they are applied); null when
 * malformed. Its missed notifications are validated one by one, as frames are.
 */
export function checkResumeResult(value: unknown): ResumeResult | null {
  const r = recordOf(value);
  if (!r || !isToken(r.resumeToken) || typeof r.sessionId !== 'string') return null;
  const snapshot = snapshotOf(r);
  if (!snapshot) return null;
  if (r.publishUrl !== null && r.publishUrl !== undefined && typeof r.publishUrl !== 'string') return null;
  if (!Array.isArray(r.subscriptions) || !Array.isArray(r.missed)) return null;
  const subscriptions: ResumeResult['subscriptions'] = [];
  for (const entry of r.subscriptions) {
    const s = recordOf(entry);
    if (!s || !isUserID(s.userID) || (s.streamType !== 'main' && s.streamType !== 'aux') || typeof s.url !== 'string') return null;
    subscriptions.push({ userID: s.userID, streamType: s.streamType, url: s.url });
  }
  const missed: Notification[] = [];
  for (const entry of r.missed) {
    const n = parseNotification(entry);
    if (!n) return null;
    missed.push(n);
  }
  return { sessionId: r.sessionId, resumeToken: r.resumeToken, publishUrl: typeof r.publishUrl === 'string' ? r.publishUrl : null, subscriptions, missed, ...snapshot };
}

/** The url of a publish or subscribe answer (its scheme is checked where it is applied), or null. */
export function urlOfResult(value: unknown): string | null {
  const r = recordOf(value);
  return r && typeof r.url === 'string' ? r.url : null;
}

/** The `error` of a refusal: a code and a message, or MALFORMED_ANSWER when the server sent something else. */
export function wireErrorOf(value: unknown): WireError {
  const e = recordOf(value);
  if (e && Number.isSafeInteger(e.code) && typeof e.message === 'string') return { code: e.code as number, message: e.message.slice(0, 512) };
  return { code: ErrorCode.MALFORMED_ANSWER, message: 'the server refused the request without a readable error' };
}

/** Any thrown value as a WireError: a code from the catalogue, never undefined. */
export function asWireError(error: unknown): WireError {
  const e = recordOf(error);
  if (e && Number.isSafeInteger(e.code) && typeof e.message === 'string') return { code: e.code as number, message: e.message };
  return { code: ErrorCode.MALFORMED_ANSWER, message: error instanceof Error ? error.message : 'the server answer could not be used' };
}
