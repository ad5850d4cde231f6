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
import { PusherStatus, RoomStatus } from '../../core/status-codes';
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

/**
 * Codes after which <live-pusher> enters the room again: 1021 (the network changed, enter again) and -1307 (the push
 * was cut, retried). A userSig given by updateUserSig goes into the url then, so the re-entry carries it.
 */
const REENTERING_CODES: ReadonlySet<number> = new Set([RoomStatus.NEED_REENTER, PusherStatus.DISCONNECTED]);

export interface TrtcRoomInput extends SignalingInput {
  /** Forces the url's `component`; without it, read where trtc-wx reads it, when the url is built. */
  component?: number;
}

/**
 * The driver actor. Entering needs no request of its own: the url goes to the pusher, and the pusher's
 * 1018 says we are in. Leaving is stopping the pusher, which the room does, so LEAVE is confirmed at once.
 */
export const trtcRoomSignaling = fromCallback<SignalingCommand, TrtcRoomInput, SignalingEvent>(({ input, sendBack, receive }) => {
  const component = input.component ?? componentOf(currentTuiScene());
  // The userSig the page gave last, and the one the pusher's url carries. Tencent checks a sig when the pusher
  // enters, not during the call, so a new one waits for the next entering (see refreshUrlBefore).
  let userSig = input.params.userSig;
  let urlUserSig = userSig;
  sendBack({ type: 'LOCAL_URL_READY', url: buildRoomUrl(input.params, component) });
  receive((command) => {
    switch (command.type) {
      case 'PUSHER_STATUS': {
        const renewing = urlUserSig !== userSig && REENTERING_CODES.has(command.code);
        if (renewing) {
          // The pusher is about to enter again: with the new sig in its url (UPDATE_URL for the page to bind).
          urlUserSig = userSig;
          sendBack({ type: 'LOCAL_URL_CHANGED', url: buildRoomUrl({ ...input.params, userSig }, component) });
        }
        const { events, dropped } = translatePusherStatus(command.code, command.message);
        for (const reason of dropped) logger.warn(`dropped malformed <live-pusher> status (code ${ErrorCode.MALFORMED_NOTIFICATION})`, reason);
        for (const event of events) {
          // The new url is the re-entry: <live-pusher> enters again once the page binds it. Restarting its context
          // now would enter first with the url still bound, whose sig may have expired (-100018).
          if (renewing && event.type === 'REENTER_REQUIRED') sendBack({ type: 'CONNECTION_LOST', reason: 'entering again with the renewed userSig' });
          else sendBack(event);
        }
        break;
      }
      case 'LEAVE':
        sendBack({ type: 'EXIT_CONFIRMED' });
        break;
      case 'PUBLISH':
        // The room url already publishes: what goes up is governed by enableCamera / enableMic.
        sendBack({ type: 'LOCAL_STREAM_PUBLISHED' });
        break;
      case 'SET_VISIBILITY': {
        const message = 'setUserVisibility needs the websocket driver; with Tencent Cloud use scene live and role audience';
        // A page call is refused (and its visibility put back); anything else is an ERROR as before.
        if (command.callId !== undefined) sendBack({ type: 'CALL_REFUSED', callId: command.callId, code: ErrorCode.NOT_SUPPORTED_BY_DRIVER, message });
        else sendBack({ type: 'SIGNALING_ERROR', code: ErrorCode.NOT_SUPPORTED_BY_DRIVER, message });
        break;
      }
      case 'UNPUBLISH':
        // The room url publishes for as long as the pusher runs: there is nothing to take down without stopping it.
        if (command.callId !== undefined) {
          sendBack({
            type: 'CALL_REFUSED',
            callId: command.callId,
            code: ErrorCode.NOT_SUPPORTED_BY_DRIVER,
            message: 'unpublish needs the websocket driver; with Tencent Cloud the pusher publishes while it runs: stop() it, or muteLocal',
          });
        }
        break;
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
      case 'MUTE_LOCAL':
        // With trtc-room these are carried by the pusher and player attributes themselves (enableMic, muteVideo,
        // src), which the room has already set: there is no request Tencent could refuse, so a page call is
        // confirmed at once. What fails later shows on the tags (-1307, -2301: STREAM_FAILED, ERROR).
        if (command.callId !== undefined) sendBack({ type: 'CALL_CONFIRMED', callId: command.callId });
        break;
      case 'UPDATE_USER_SIG':
        // Nothing here can verify it (only Tencent's backend holds the secret): it is taken as given.
        userSig = command.userSig;
        sendBack({ type: 'USER_SIG_UPDATED', userSig });
        command.reply?.(null);
        break;
      default:
        // PLAYER_STATUS: the players' codes are the player machines' business.
        // NET_STATS goes to the event reporter instead (the facade's collector): Tencent's cloud has no place for it.
        break;
    }
  });
}) satisfies SignalingLogic;
