// The trtc-room driver: with Tencent Cloud, <live-pusher> itself carries the signaling. Entering is
// starting a pusher whose url is room://cloud.tencent.com/rtc?...; the room's news comes back as the
// pusher's status codes. This file builds that url and turns the codes into SignalingEvents.
// Message formats and parameter names follow trtc-wx 1.1.15, the peer pages are written against.

import { fromCallback } from 'xstate';
import { ErrorCode } from '../../core/errors';
import { logger } from '../../core/log';
import type { RoomParams } from '../../core/enter-params';
import type { StreamType } from '../../core/attributes';
import { KICK_REASON_CODES } from '../../core/protocol';
import { RoomStatus } from '../../core/status-codes';
import { currentTuiScene } from '../../wx/tui-scene';
import type { KickReason, SignalingCommand, SignalingEvent, SignalingInput, SignalingLogic } from './types';


/** TUIKit scene names trtc-wx reports in the url's `component` field; a number 1..19 passes as is. */
const COMPONENT_BY_SCENE: Readonly<Record<string, number>> = {
  sampleDemo: 2,
  TUICalling: 3,
  TUIRoom: 5,
  TUIVoiceRoom: 6,
  TIMCalling: 10,
  TUICallKit: 14,
  TIMCallKit: 15,
  TUIRoomEngine: 16,
  TUICallEngine: 17,
  TUIRoomKit: 18,
};

export function componentOf(tuiScene: unknown): number {
  const n = Number(tuiScene);
  if (tuiScene !== undefined && tuiScene !== null && tuiScene !== '' && Number.isFinite(n) && n > 0 && n < 20) return n;
  return typeof tuiScene === 'string' ? (COMPONENT_BY_SCENE[tuiScene] ?? 1) : 1;
}

// Printable characters that cannot end or split a query value, and that TRTC's own alphabets for userID,
// strRoomID and signatures use (strRoomID allows !$()+-:;<.>@[]^_{}|~,). They stay as trtc-wx writes them.
const QUERY_VALUE_SAFE = /[A-Za-z0-9\-._~!$()*+,;:@[\]^{}|<>]/;

/**
 * One value of the room url, percent-encoded wherever a character could add a parameter or change one (& = # ?
 * %, space, quotes, controls, non-ASCII). A value made only of the characters TRTC documents comes out as it went
 * in, so the url is byte for byte trtc-wx's; anything else can no longer inject `&usersig=...`.
 */
export function roomUrlValue(value: string | number): string {
  let out = '';
  for (const ch of String(value)) {
    if (QUERY_VALUE_SAFE.test(ch)) out += ch;
    else if (ch === "'") out += '%27';
    // A lone surrogate has no UTF-8 form (encodeURIComponent throws): it goes as U+FFFD.
    else out += ch.length === 1 && /[\uD800-\uDFFF]/.test(ch) ? '%EF%BF%BD' : encodeURIComponent(ch);
  }
  return out;
}

/**
 * The url that makes <live-pusher> enter a TRTC room. Same parameter names, order and defaults as trtc-wx,
 * so Tencent's backend sees exactly what it sees from trtc-wx; every value goes through roomUrlValue (checkEnterParams
 * refuses malformed ids and url options before this, so encoding is the second line, not the first).
 */
export function buildRoomUrl(params: RoomParams, component = 1): string {
  const v = roomUrlValue;
  const room = params.strRoomID !== null ? `&strroomid=${v(params.strRoomID)}` : `&roomid=${v(params.roomID ?? '')}`;
  // TRTC's url knows 'videocall', 'audiocall' and 'live'; the seed's 'rtc' is its videocall.
  const appscene = params.scene === 'rtc' ? 'videocall' : params.scene;
  return (
    `room://cloud.tencent.com/rtc?sdkappid=${v(params.sdkAppID)}${room}` +
    `&userid=${v(params.userID)}&usersig=${v(params.userSig)}&appscene=${v(appscene)}` +
    `&encsmall=${v(params.encsmall)}&cloudenv=${v(params.cloudenv)}&enableBlackStream=${v(params.enableBlackStream)}` +
    `&streamid=${v(params.streamID)}&userdefinerecordid=${v(params.userDefineRecordId)}` +
    `&privatemapkey=${v(params.privateMapKey)}&pureaudiomode=${v(params.pureAudioMode)}` +
    `&recvmode=${v(params.recvMode)}&enableinfiniteanchor=${v(params.enableinfiniteanchor)}&component=${v(component)}`
  );
}

/** 1019's message says why: "reason[0]" is our own exit; 1 removed by the server; 2 room dismissed; 3 same userID elsewhere. */
export function kickReasonOf(message: string): KickReason | 'self' {
  const match = /reason\[(\d+)\]/.exec(message);
  const reason = match ? Number(match[1]) : -1;
  if (reason === 0) return 'self';
  // 3, or a message without a reason: the server replaced this session (the same userID entered again).
  return (Object.keys(KICK_REASON_CODES) as KickReason[]).find((name) => KICK_REASON_CODES[name] === reason) ?? 'kick';
}

export type Translation = { events: SignalingEvent[]; dropped: string[] };

interface UserEntry {
  userid?: unknown;
  streamtype?: unknown;
  hasvideo?: unknown;
  hasaudio?: unknown;
  playurl?: unknown;
}

function parseUserList(message: string): { entries: UserEntry[] } | { error: string } {
  if (typeof message !== 'string' || message.length === 0) return { error: 'empty message' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return { error: 'message is not JSON' };
  }
  const list = (parsed as { userlist?: unknown } | null)?.userlist;
  if (!Array.isArray(list)) return { error: 'message has no userlist array' };
  return { entries: list as UserEntry[] };
}

function flag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  return null;
}

function userIdOf(entry: UserEntry): string | null {
  return typeof entry?.userid === 'string' && entry.userid.length > 0 ? entry.userid : null;
}

function streamTypeOf(value: unknown): StreamType | null {
  if (value === undefined || value === null || value === '') return 'main';
  return value === 'main' || value === 'aux' ? value : null;
}

/**
 * Turn one <live-pusher> status into what it means for the room. Codes that are not room signaling give
 * nothing (media codes are the pusher machine's business). Entries that cannot be read are reported in
 * `dropped` and skipped; their siblings in the same message still count.
 */
export function translatePusherStatus(code: number, message: string): Translation {
  const events: SignalingEvent[] = [];
  const dropped: string[] = [];
  switch (code) {
    case RoomStatus.ENTERED:
      events.push({ type: 'ENTER_SUCCEEDED' });
      break;
    case RoomStatus.LEFT: {
      const reason = kickReasonOf(typeof message === 'string' ? message : '');
      events.push(reason === 'self' ? { type: 'EXIT_CONFIRMED' } : { type: 'KICKED', reason });
      break;
    }
    case RoomStatus.NEED_REENTER:
      events.push({ type: 'REENTER_REQUIRED' });
      break;
    case RoomStatus.PUSH_BEGIN:
      // Connected again after 1021 / 5000, 1018 or not; the room ignores it while it is not reconnecting.
      events.push({ type: 'CONNECTION_RESTORED' });
      break;
    case RoomStatus.APP_HUNG_UP:
      events.push({ type: 'APP_SUSPENDED' });
      break;
    case RoomStatus.FLOAT_WINDOW_CLOSED:
      events.push({ type: 'FLOAT_WINDOW_CLOSED' });
      break;
    case RoomStatus.USER_LIST:
    case RoomStatus.USERS_JOINED:
    case RoomStatus.USERS_LEFT:
    case RoomStatus.VIDEO_STATE:
    case RoomStatus.AUDIO_STATE: {
      const parsed = parseUserList(message);
      if ('error' in parsed) {
        dropped.push(`${code}: ${parsed.error}`);
        break;
      }
      translateUserList(code, parsed.entries, events, dropped);
      break;
    }
    default:
      if (code === RoomStatus.USER_SIG_INVALID || (code <= -3300 && code > -3400)) {
        events.push({ type: 'ENTER_FAILED', code, message: String(message ?? '') });
      } else if (code <= -3000) {
        events.push({ type: 'SIGNALING_ERROR', code, message: String(message ?? '') });
      }
  }
  return { events, dropped };
}

function translateUserList(code: number, entries: UserEntry[], events: SignalingEvent[], dropped: string[]): void {
  if (code === RoomStatus.USER_LIST || code === RoomStatus.USERS_JOINED || code === RoomStatus.USERS_LEFT) {
    const userIDs: string[] = [];
    for (const entry of entries) {
      const userID = userIdOf(entry);
      if (userID === null) dropped.push(`${code}: entry without userid`);
      else userIDs.push(userID);
    }
    if (code === RoomStatus.USER_LIST) events.push({ type: 'REMOTE_USER_LIST', userIDs });
    else if (userIDs.length > 0) {
      events.push({ type: code === RoomStatus.USERS_JOINED ? 'REMOTE_USERS_JOINED' : 'REMOTE_USERS_LEFT', userIDs });
    }
    return;
  }
  const isVideo = code === RoomStatus.VIDEO_STATE;
  for (const entry of entries) {
    const userID = userIdOf(entry);
    // 1034 is about the main stream's audio whatever it says; only 1033 names a stream type.
    const streamType = isVideo ? streamTypeOf(entry?.streamtype) : 'main';
    const on = flag(isVideo ? entry?.hasvideo : entry?.hasaudio);
    if (userID === null || streamType === null || on === null) {
      dropped.push(`${code}: entry needs userid, ${isVideo ? 'streamtype main|aux and hasvideo' : 'hasaudio'}`);
      continue;
    }
    const url = typeof entry.playurl === 'string' && entry.playurl.length > 0 ? entry.playurl : undefined;
    events.push({
      type: 'REMOTE_STREAM_UPDATED',
      userID,
      streamType,
      ...(isVideo ? { video: on } : { audio: on }),
      ...(url !== undefined ? { url } : {}),
    });
  }
}

export interface TrtcRoomInput extends SignalingInput {
  /** Forces the url's `component`; without it, read where trtc-wx reads it, when the url is built. */
  component?: number;
}

/**
 * The driver actor. Entering needs no request of its own: the url goes to the pusher, and the pusher's
 * 1018 says we are in. Leaving is stopping the pusher, which the room does, so LEAVE is confirmed at once.
 */
export const trtcRoomSignaling = fromCallback<SignalingCommand, TrtcRoomInput, SignalingEvent>(({ input, sendBack, receive }) => {
  sendBack({ type: 'LOCAL_URL_READY', url: buildRoomUrl(input.params, input.component ?? componentOf(currentTuiScene())) });
  receive((command) => {
    switch (command.type) {
      case 'PUSHER_STATUS': {
        const { events, dropped } = translatePusherStatus(command.code, command.message);
        for (const reason of dropped) logger.warn(`dropped malformed <live-pusher> status (code ${ErrorCode.MALFORMED_NOTIFICATION})`, reason);
        for (const event of events) sendBack(event);
        break;
      }
      case 'LEAVE':
        sendBack({ type: 'EXIT_CONFIRMED' });
        break;
      case 'PUBLISH':
        // The room url already publishes: what goes up is governed by enableCamera / enableMic.
        sendBack({ type: 'LOCAL_STREAM_PUBLISHED' });
        break;
      case 'SET_VISIBILITY':
        sendBack({
          type: 'SIGNALING_ERROR',
          code: ErrorCode.NOT_SUPPORTED_BY_DRIVER,
          message: 'setUserVisibility needs the websocket driver; with Tencent Cloud use scene live and role audience',
        });
        break;
      default:
        // NET_STATS goes to the event reporter instead (the facade's collector), Tencent's cloud has no place for it.
        // UNPUBLISH, SUBSCRIBE, UNSUBSCRIBE, MUTE_LOCAL, PLAYER_STATUS: with trtc-room these are carried by the
        // pusher and player attributes themselves (enableMic, muteVideo, src), which the room already set.
        break;
    }
  });
}) satisfies SignalingLogic;
