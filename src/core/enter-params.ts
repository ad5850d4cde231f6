// enterRoom params: what a page passes, how it is checked, and the normalized form the machines keep.
// Pages often pass ids read from a page query (strings), so numeric strings are accepted and normalized,
// as trtc-wx accepts them. Anything else malformed is refused with a catalogue code before any state changes.

import { ErrorCode, WxrtcError } from './errors';
import { checkPusherAttributes } from './attributes';
import { MAX_ROOM_ID, STR_ROOM_ID_RULE, USER_ID_RULE, isStrRoomID, isUserID, isWellFormedString } from './protocol';

/** `rtc` for calls (up to 300 users), `live` for broadcasting to an audience (trtc-wx's older names too). */
export type Scene = 'rtc' | 'live' | 'videocall' | 'audiocall' | 'voicechatroom';
/** In scene `live`: `anchor` publishes, `audience` only plays. */
export type Role = 'anchor' | 'audience';

/** What a page passes to enterRoom: the seed's params plus trtc-wx's url options and any pusher attributes. */
export interface EnterRoomParams {
  sdkAppID: number | string;
  userID: string;
  userSig: string;
  roomID?: number | string;
  strRoomID?: string;
  scene?: Scene;
  /** Also TRTC's numeric roles, which trtc-cloud-wx passes unchanged: 20 anchor, 21 audience. */
  role?: Role | 20 | 21;
  userDefineRecordId?: string;
  /** trtc-wx's spelling of userDefineRecordId; either is accepted. */
  userDefineRecordID?: string;
  privateMapKey?: string;
  streamID?: string;
  encsmall?: number;
  cloudenv?: string;
  enableBlackStream?: number | string;
  pureAudioMode?: number | string;
  recvMode?: number;
  enableinfiniteanchor?: number;
  /** Publish as soon as the room is entered (websocket driver). Default true for anchors. */
  autoPublish?: boolean;
  /**
   * Unmute (and so subscribe to) every remote stream as it is announced. Default: the room's pull mode —
   * true through `new TRTC(page)` (trtc-wx 1.1.6+ pulls audio and video), false with `pull: 'manual'` or
   * the bare room machine (the API document's "not pulled until you subscribe").
   */
  autoSubscribe?: boolean;
  /** Any pusher attribute (enableMic, enableCamera, ...) may ride along, as in trtc-wx. */
  [attribute: string]: unknown;
}

/** Validated and normalized: numbers are numbers, the room is exactly one of roomID / strRoomID. */
export interface RoomParams {
  sdkAppID: number;
  userID: string;
  userSig: string;
  roomID: number | null;
  strRoomID: string | null;
  scene: Scene;
  role: Role;
  userDefineRecordId: string;
  privateMapKey: string;
  streamID: string;
  encsmall: number;
  cloudenv: string;
  enableBlackStream: string;
  pureAudioMode: string;
  recvMode: number;
  enableinfiniteanchor: number;
  autoPublish: boolean;
  autoSubscribe: boolean;
}

/** Keys of EnterRoomParams that configure the room, as opposed to pusher attributes riding along. */
export const ROOM_PARAM_KEYS: ReadonlySet<string> = new Set([
  'sdkAppID', 'userID', 'userSig', 'roomID', 'strRoomID', 'scene', 'role', 'userDefineRecordId', 'userDefineRecordID',
  'privateMapKey', 'streamID', 'encsmall', 'cloudenv', 'enableBlackStream', 'pureAudioMode', 'recvMode',
  'enableinfiniteanchor', 'autoPublish', 'autoSubscribe',
]);

// userID and strRoomID travel inside the room:// url as trtc-wx writes them (buildRoomUrl encodes only what
// could break the url), so the server's rules (isUserID, isStrRoomID in protocol.ts) refuse characters with a
// meaning in a url query rather than have them sent encoded.
// userDefineRecordId as the API document says: at most 64 bytes of a-z A-Z 0-9 _ -. TRTC documents streamId
// (the CDN stream id) with the same alphabet and length.
const RECORD_ID_PATTERN = /^[A-Za-z0-9_-]{0,64}$/;
// A privateMapKey is signed like a userSig: base64 with TLS's url-safe substitutes (* - _), or plain base64.
const PRIVATE_MAP_KEY_PATTERN = /^[A-Za-z0-9*_\-+/=]{0,4096}$/;
const SCENES: readonly Scene[] = ['rtc', 'live', 'videocall', 'audiocall', 'voicechatroom'];
const ROLES: readonly Role[] = ['anchor', 'audience'];
/** TRTCRoleType as trtc-cloud-wx passes it (TRTCRoleAnchor 20, TRTCRoleAudience 21); trtc-wx takes either form. */
const NUMERIC_ROLES: Readonly<Record<number, Role>> = { 20: 'anchor', 21: 'audience' };

function toPositiveInteger(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null;
  if (typeof value === 'string' && /^[1-9][0-9]*$/.test(value.trim())) return Number(value.trim());
  return null;
}

function optionalString(value: unknown, fallback: string): string {
  return value === undefined || value === null ? fallback : String(value);
}

/**
 * A room-url option that must match `pattern`: absent is '', a number is read as its digits (trtc-wx takes any
 * value), anything else or a mismatch is null.
 */
function urlOption(value: unknown, pattern: RegExp): string | null {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return typeof text === 'string' && pattern.test(text) ? text : null;
}

function optionalNumber(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}

export type ParamsCheck = { ok: true; params: RoomParams } | { ok: false; error: WxrtcError };

/** What a room fills in for params a page left out. */
export interface EnterDefaults {
  /** autoSubscribe when the params do not say: the room's pull mode. */
  autoSubscribe?: boolean;
}

/**
 * Check and normalize enterRoom params. Pure: the same input (and defaults) always gives the same answer.
 * `defaults` are the room's own, for params the page left out (autoSubscribe: its pull mode).
 */
export function checkEnterParams(input: unknown, defaults: EnterDefaults = {}): ParamsCheck {
  const fail = (code: number, message: string, data?: Record<string, unknown>): ParamsCheck => ({
    ok: false,
    error: new WxrtcError(code, message, data),
  });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail(ErrorCode.INVALID_ENTER_PARAMS, 'enterRoom params must be an object');
  }
  const p = input as Record<string, unknown>;

  const sdkAppID = toPositiveInteger(p.sdkAppID);
  if (sdkAppID === null) return fail(ErrorCode.INVALID_SDK_APP_ID, 'sdkAppID is required: a positive integer');

  if (typeof p.userID !== 'string' || p.userID.length === 0) {
    return fail(ErrorCode.INVALID_USER_ID, 'userID is required: a non-empty string');
  }
  // The server's own check (one validator for both ends).
  if (!isUserID(p.userID)) return fail(ErrorCode.INVALID_USER_ID, `userID must be ${USER_ID_RULE}`);
  if (typeof p.userSig !== 'string' || p.userSig.trim().length === 0 || !isWellFormedString(p.userSig, 4096)) {
    return fail(ErrorCode.INVALID_USER_SIG, 'userSig is required: the signature your server issued');
  }

  let roomID: number | null = null;
  let strRoomID: string | null = null;
  const hasStr = p.strRoomID !== undefined && p.strRoomID !== null && p.strRoomID !== '';
  if (hasStr) {
    // As in trtc-wx, a string room id takes precedence over a numeric one.
    if (!isStrRoomID(p.strRoomID)) return fail(ErrorCode.INVALID_STR_ROOM_ID, `strRoomID must be ${STR_ROOM_ID_RULE}`);
    strRoomID = p.strRoomID;
  } else {
    if (p.roomID === undefined || p.roomID === null || p.roomID === '') {
      return fail(ErrorCode.INVALID_ROOM_ID, 'roomID (or strRoomID) is required');
    }
    roomID = toPositiveInteger(p.roomID);
    if (roomID === null || roomID > MAX_ROOM_ID) {
      return fail(ErrorCode.INVALID_ROOM_ID, `roomID must be an integer in 1..${MAX_ROOM_ID}`);
    }
  }

  // trtc-cloud-wx sends '' for a scene it has no name for; trtc-wx enters that as its default, videocall.
  const scene = (p.scene === undefined || p.scene === null || p.scene === '' ? 'rtc' : p.scene) as Scene;
  if (!SCENES.includes(scene)) return fail(ErrorCode.INVALID_SCENE, "scene must be 'rtc' or 'live'");
  const role = (typeof p.role === 'number' ? (NUMERIC_ROLES[p.role] ?? p.role) : (p.role ?? 'anchor')) as Role;
  if (!ROLES.includes(role)) return fail(ErrorCode.INVALID_ROLE, "role must be 'anchor' or 'audience'");

  if (p.autoPublish !== undefined && typeof p.autoPublish !== 'boolean') {
    return fail(ErrorCode.INVALID_ENTER_PARAMS, 'autoPublish must be a boolean');
  }
  if (p.autoSubscribe !== undefined && typeof p.autoSubscribe !== 'boolean') {
    return fail(ErrorCode.INVALID_ENTER_PARAMS, 'autoSubscribe must be a boolean');
  }

  // These travel inside the room:// url: a value such as "x&usersig=EVIL" must not add parameters to it.
  const userDefineRecordId = urlOption(p.userDefineRecordId ?? p.userDefineRecordID, RECORD_ID_PATTERN);
  if (userDefineRecordId === null) {
    return fail(ErrorCode.INVALID_URL_PARAM, 'userDefineRecordId must be at most 64 bytes of a-z A-Z 0-9 _ -', { key: 'userDefineRecordId' });
  }
  const streamID = urlOption(p.streamID, RECORD_ID_PATTERN);
  if (streamID === null) return fail(ErrorCode.INVALID_URL_PARAM, 'streamID must be at most 64 bytes of a-z A-Z 0-9 _ -', { key: 'streamID' });
  const privateMapKey = urlOption(p.privateMapKey, PRIVATE_MAP_KEY_PATTERN);
  if (privateMapKey === null) {
    return fail(ErrorCode.INVALID_URL_PARAM, 'privateMapKey must be the signed key your server issued (base64, at most 4096 bytes)', { key: 'privateMapKey' });
  }

  const attributeError = checkPusherAttributes(pusherAttributesIn(p));
  if (attributeError) return { ok: false, error: attributeError };

  return {
    ok: true,
    params: {
      sdkAppID,
      userID: p.userID,
      userSig: p.userSig,
      roomID,
      strRoomID,
      scene,
      role,
      userDefineRecordId,
      privateMapKey,
      streamID,
      encsmall: optionalNumber(p.encsmall, 0),
      cloudenv: optionalString(p.cloudenv, 'PRO'),
      enableBlackStream: optionalString(p.enableBlackStream, ''),
      pureAudioMode: optionalString(p.pureAudioMode, ''),
      recvMode: optionalNumber(p.recvMode, 1),
      enableinfiniteanchor: optionalNumber(p.enableinfiniteanchor, 0),
      autoPublish: typeof p.autoPublish === 'boolean' ? p.autoPublish : role === 'anchor',
      autoSubscribe: typeof p.autoSubscribe === 'boolean' ? p.autoSubscribe : (defaults.autoSubscribe ?? false),
    },
  };
}

/** The pusher attributes that ride along with enterRoom params (everything that is not a room param). */
export function pusherAttributesIn(input: Record<string, unknown>): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!ROOM_PARAM_KEYS.has(key)) attributes[key] = value;
  }
  return attributes;
}

/** The identity fields trtc-wx leaves readable on pusherAttributes after enterRoom (no userSig). */
export function publicRoomFields(params: RoomParams): Record<string, unknown> {
  return {
    sdkAppID: params.sdkAppID,
    userID: params.userID,
    ...(params.strRoomID !== null ? { strRoomID: params.strRoomID } : { roomID: params.roomID }),
    scene: params.scene,
  };
}

/** A room's key for logs and the wire: the string id when there is one. */
export function roomKeyOf(params: Pick<RoomParams, 'roomID' | 'strRoomID'>): string {
  return params.strRoomID ?? String(params.roomID);
}
