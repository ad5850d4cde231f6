// The contract between the room machine and a signaling driver. A driver is an actor the room invokes
// while it is in a room: it receives SignalingCommands and sends back SignalingEvents, and nothing else.
// trtc-room (Tencent's cloud, signaling carried by <live-pusher>) and websocket (our own server) both
// speak it, so the same machines serve both.

import type { ActorLogic, ActorSystem } from 'xstate';
import type { RoomParams } from '../../core/enter-params';
import type { StreamType } from '../../core/attributes';
import type { KickReasonWire } from '../../core/protocol';
import type { NetStatsSample } from '../../core/net-stats';

/** Why the server took us out of the room (TRTC's names). */
export type KickReason = KickReasonWire;

/**
 * A page call the room waits on (muteLocal, muteRemote, subscribe, unsubscribe, unpublish, setUserVisibility):
 * the driver answers each command that carries a `callId` exactly once, with CALL_CONFIRMED or CALL_REFUSED.
 * Commands the room sends on its own (autoSubscribe, a retry) carry none and get no answer.
 */
export interface CallTracked {
  callId?: number;
}

/** What the room asks of its driver. Audio/video flags in MUTE_LOCAL mean "disabled" (the volc semantics). */
export type SignalingCommand =
  | { type: 'LEAVE' }
  | { type: 'PUBLISH' }
  | ({ type: 'UNPUBLISH' } & CallTracked)
  | ({ type: 'SUBSCRIBE'; userID: string; streamType: StreamType; audio: boolean; video: boolean } & CallTracked)
  | ({ type: 'UNSUBSCRIBE'; userID: string; streamType: StreamType } & CallTracked)
  | ({ type: 'MUTE_LOCAL'; audio: boolean; video: boolean } & CallTracked)
  | ({ type: 'SET_VISIBILITY'; visible: boolean } & CallTracked)
  /** A status code from the page's <live-pusher> (bindstatechange). */
  | { type: 'PUSHER_STATUS'; code: number; message: string }
  /** A status code from one of the page's <live-player>s. */
  | { type: 'PLAYER_STATUS'; id: string; code: number; message: string }
  /**
   * A fresh userSig from the page (updateUserSig): every later rejoin and re-enter uses it. `reply` hears once
   * whether it took effect (null) or why not; the websocket driver answers after the server verified it.
   */
  | { type: 'UPDATE_USER_SIG'; userSig: string; reply?: UserSigReply | undefined }
  /**
   * One stream's quality sample (volc 2.0.0), at most one per stream per 2 s. Sent by the facade's collector
   * straight to the driver, never through the room chart's microsteps (issue 17); trtc-room ignores it.
   */
  | { type: 'NET_STATS'; sample: NetStatsSample };

/** How a driver answers UPDATE_USER_SIG: null when the userSig took effect, else the refusal. */
export type UserSigReply = (refusal: { code: number; message: string } | null) => void;

/** What a driver tells the room. Every name says what happened. */
export type SignalingEvent =
  /** The push url that enters the room is known now (trtc-room: the room:// url; enterRoom returns it). */
  | { type: 'LOCAL_URL_READY'; url: string }
  /** A publish gave a push url, or it changed (re-publish, media restart): UPDATE_URL for the local stream. */
  | { type: 'LOCAL_URL_CHANGED'; url: string }
  | { type: 'ENTER_SUCCEEDED' }
  | { type: 'ENTER_FAILED'; code: number; message: string }
  | { type: 'EXIT_CONFIRMED' }
  | { type: 'KICKED'; reason: KickReason }
  | { type: 'REMOTE_USERS_JOINED'; userIDs: readonly string[] }
  | { type: 'REMOTE_USERS_LEFT'; userIDs: readonly string[] }
  /** The complete list of remote users (1020, or a server snapshot after resume): reconcile against it. */
  | { type: 'REMOTE_USER_LIST'; userIDs: readonly string[] }
  /**
   * A remote stream's publish state. `published` undefined means "published while audio or video is on"
   * (trtc-room, where 1033/1034 carry only the flags); undefined audio/video means "unchanged".
   */
  | {
      type: 'REMOTE_STREAM_UPDATED';
      userID: string;
      streamType: StreamType;
      published?: boolean;
      audio?: boolean;
      video?: boolean;
      url?: string;
    }
  /** A subscribe gave a pull url, or it changed: UPDATE_URL for that player. */
  | { type: 'REMOTE_URL_CHANGED'; userID: string; streamType: StreamType; url: string }
  | { type: 'REMOTE_STREAM_FAILED'; userID: string; streamType: StreamType; code: number; reason: string }
  | { type: 'LOCAL_STREAM_PUBLISHED' }
  /** The server took the local stream down (the user became invisible, an admin unpublished it). */
  | { type: 'LOCAL_STREAM_UNPUBLISHED' }
  | { type: 'LOCAL_STREAM_FAILED'; code: number; reason: string }
  | { type: 'VISIBILITY_CHANGED'; visible: boolean }
  | { type: 'CONNECTION_LOST'; reason: string }
  | { type: 'CONNECTION_RESTORED' }
  /** The connection cannot come back (joining again was refused): the room is left with this error. */
  | { type: 'CONNECTION_FAILED'; code: number; message: string }
  /** trtc-room 1021: the network type changed and the pusher must enter again to get the best server. */
  | { type: 'REENTER_REQUIRED' }
  /** trtc-room 5000: WeChat hung the mini-program up and stopped pushing. */
  | { type: 'APP_SUSPENDED' }
  /** trtc-room 5001: the user closed the mini-program's floating window. */
  | { type: 'FLOAT_WINDOW_CLOSED' }
  /** The driver took a fresh userSig (the server verified it, for the websocket driver): the room's params hold it now. */
  | { type: 'USER_SIG_UPDATED'; userSig: string }
  /** The userSig in use expires in `expiresInMs` (the websocket driver counts down what the server said). */
  | { type: 'USER_SIG_WILL_EXPIRE'; expiresInMs: number }
  | { type: 'SIGNALING_ERROR'; code: number; message: string }
  | { type: 'SIGNALING_WARNING'; code: number; message: string }
  /** The command with this callId took effect (the server said so, or the driver knows nothing can refuse it). */
  | { type: 'CALL_CONFIRMED'; callId: number }
  /** The command with this callId did not take effect: refused (the server's code), timed out, or lost for good. */
  | { type: 'CALL_REFUSED'; callId: number; code: number; message: string };

/** What the room hands its driver when it invokes it. */
export interface SignalingInput {
  params: RoomParams;
  /** Whether the local user enters visible (counts toward the 8) or silent. */
  visible: boolean;
  /** Business id for server callbacks, set by setBusinessId before entering. */
  businessId: string | null;
  /** Local audio/video disabled before entering (muteLocal), true = disabled. */
  localMute: { audio: boolean; video: boolean };
}

/** The signaling drivers: Tencent Cloud's trtc-room and wxrtc's websocket. */
export type DriverName = 'trtc-room' | 'websocket';

/**
 * What a driver is, for the room and for `new TRTC(page, { signaling })`: an actor logic the room invokes with a
 * SignalingInput, sends SignalingCommands to, and hears SignalingEvents from (sent to its parent). The input is the
 * typed part: a logic that needs more than SignalingInput is refused. The snapshot and the event type stay open
 * because XState's ActorLogic is invariant in both: a callback driver has no snapshot, the websocket session is a
 * statechart whose events include its socket's, and both must fit the one option.
 */
export type SignalingLogic = ActorLogic<any, any, SignalingInput, ActorSystem<any>, any>;
