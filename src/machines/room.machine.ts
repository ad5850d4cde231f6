// The root statechart: idle -> active(entering -> inRoom -> exiting) -> idle, and kicked. While in a room
// four regions run in parallel: the connection, the local publication, the remote players, and the local
// user's visibility. The pusher is a child spawned by createPusher; each remote stream is a spawned player.
// Every page-visible effect is an emitted event (room-events.ts); every side effect is an actor or action
// from src/services or src/wx, so tests and the headless runtime swap them with provide().

import { assign, emit, enqueueActions, raise, sendTo, setup, stopChild, type ActorRefFrom } from 'xstate';
import { ErrorCode, WxrtcError } from '../core/errors';
import { roomUrlValue, trtcRoomSignaling } from '../services/signaling/trtc-room';
import type { KickReason, SignalingCommand, SignalingEvent, SignalingInput, UserSigReply } from '../services/signaling/types';
import { appLifecycle, type AppLifecycleEvent } from '../wx/app-lifecycle';
import { failCall, hasFailCallback, type PageHost, type WxCallbacks } from '../wx/host';
import { playerContextsKeeper, type PlayerContextMethod } from '../wx/live-player';
import { checkPlayerAttributes, checkPusherAttributes, parsePlayerId, playerIdOf, type StreamType } from '../core/attributes';
import { checkEnterParams, pusherAttributesIn, publicRoomFields, type RoomParams } from '../core/enter-params';
import { BUSINESS_ID_RULE, MAX_USER_SIG_CHARS, isBusinessId, isUserSig } from '../core/protocol';
import { playerMachine, type PlayerEvent, type PlayerReport } from './player.machine';
import { pusherMachine, type PusherEvent, type PusherReport } from './pusher.machine';
import { planRemoteUrl, planStreamUpdate, planUserList, planUsersJoined, planUsersLeft, wantedTracks, type Step } from './remote-streams';
import type { ConfirmedCall, ConnectionState, PlayerRef, RemoteStream, RoomEmitted, RoomView } from './room-events';
import { confirmCall, pendingCall, playerRevert, pusherRevert, withdrawCall, type CallTag, type PendingCall, type UndoEntry } from './calls';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../core/retry';
import { deadlinePolicy } from '../core/reconnect-policy';
import { forgetChildren } from './forget-children';

export type PusherRef = ActorRefFrom<typeof pusherMachine>;

/** What `createActor(roomMachine, { input })` takes; `page` is the one a page must give. */
export interface RoomInput {
  /** The page (or component) that hosts <live-pusher>/<live-player>; contexts are created against it. */
  page?: PageHost;
  retry?: RetryPolicy;
  /** How long the room tries to get its connection back before leaving with RECONNECT_TIMEOUT. */
  reconnectTimeoutMs?: number;
  /** How long exitRoom waits for the server to confirm before leaving anyway. */
  exitTimeoutMs?: number;
  /**
   * Forces the trtc-room url's `component`. Without it the driver reads the scene where trtc-wx does
   * (wx.TUIScene, the 'TUIScene' storage key, getApp().globalData.TUIScene) when it builds the url.
   */
  component?: number;
  /**
   * Pull every remote stream as it is announced (players start with audio and video unmuted), unless the
   * enterRoom params say otherwise. Default false here (the API document's manual mode); the TRTC facade
   * turns it on, as trtc-wx 1.1.6+ pulls by default.
   */
  autoPull?: boolean;
}

/** The room chart's context: params, pusher and player actors, users, streams, connection. */
export interface RoomContext {
  page: PageHost | undefined;
  retry: RetryPolicy;
  reconnectTimeoutMs: number;
  exitTimeoutMs: number;
  component: number | null;
  /** The default of enterRoom's autoSubscribe: see RoomInput.autoPull. */
  autoPull: boolean;
  pusher: PusherRef | null;
  params: RoomParams | null;
  /** enterRoom called while still leaving the previous room: entered once the leave completes. */
  pendingEnter: unknown;
  users: readonly string[];
  streams: readonly RemoteStream[];
  /** Whether the local user is (or will enter as) visible: counts toward the room's 8 visible users. */
  visible: boolean;
  businessId: string | null;
  connection: ConnectionState;
  /** Page calls sent to the driver and not answered yet, oldest first: what a refusal puts back (calls.ts). */
  calls: readonly PendingCall[];
  /** The last callId handed to the driver. */
  callSeq: number;
}

/** Play options for the pusher and player handles: the page's own callbacks, passed to WeChat untouched. */
type CallOptions = { options?: WxCallbacks };

/** wxrtc's own remote-user calls, which reach the players as SET_PLAYER_ATTRIBUTES. */
export type RemoteCall = 'muteRemote' | 'subscribe' | 'unsubscribe';

/** Commands a page (through the facade or directly) sends. */
export type RoomCommand =
  | { type: 'CREATE_PUSHER'; attributes?: unknown }
  | { type: 'ENTER_ROOM'; params: unknown }
  | { type: 'EXIT_ROOM' }
  /** `via`: muteLocal, which answers the page; enableMic / enableCamera changes are confirmed by the driver either way. */
  | ({ type: 'SET_PUSHER_ATTRIBUTES'; attributes: unknown; via?: 'muteLocal' } & CallTag)
  | { type: 'PUSHER'; command: Extract<PusherEvent, { type: 'START' | 'STOP' | 'PAUSE' | 'RESUME' | 'START_PREVIEW' | 'STOP_PREVIEW' | 'SWITCH_CAMERA' | 'PLAY_BGM' | 'PAUSE_BGM' | 'RESUME_BGM' | 'STOP_BGM' | 'CONTEXT_CALL' }> }
  /** `via`: the wxrtc call it stands for (muteRemote ...), whose unknown user is an ERROR rather than a warning. */
  | ({ type: 'SET_PLAYER_ATTRIBUTES'; id: string; attributes: unknown; via?: RemoteCall } & CallTag)
  | ({ type: 'PLAYER'; id: string; method: PlayerContextMethod } & CallOptions)
  | { type: 'SWITCH_STREAM_TYPE'; id: string }
  | ({ type: 'SET_BUSINESS_ID'; businessId: unknown } & CallTag)
  | ({ type: 'SET_VISIBILITY'; visible: boolean } & CallTag)
  /** true = disabled (volc semantics). */
  | ({ type: 'MUTE_LOCAL'; audio?: boolean; video?: boolean } & CallTag)
  | ({ type: 'MUTE_REMOTE'; userID: string; streamType?: StreamType; audio?: boolean; video?: boolean } & CallTag)
  | ({ type: 'PUBLISH' } & CallTag)
  | ({ type: 'UNPUBLISH' } & CallTag)
  /** audio/video: which tracks to receive (default both). */
  | ({ type: 'SUBSCRIBE'; userID: string; streamType?: StreamType; audio?: boolean; video?: boolean } & CallTag)
  | ({ type: 'UNSUBSCRIBE'; userID: string; streamType?: StreamType } & CallTag)
  /** A fresh userSig (updateUserSig); `reply` hears once whether it took effect, or the refusal. */
  | { type: 'UPDATE_USER_SIG'; userSig: unknown; reply?: UserSigReply };

/** Raised by the room itself: a refused unpublish puts the publication back. */
export type RoomInternalEvent = { type: 'UNPUBLISH_UNDONE' };

/** What the page's <live-pusher>/<live-player> tags report, forwarded by the facade's handler methods. */
export type ComponentEvent =
  | { type: 'LIVE_PUSHER_STATUS'; code: number; message: string }
  | { type: 'LIVE_PUSHER_NET_STATUS'; info: Readonly<Record<string, unknown>> }
  | { type: 'LIVE_PUSHER_ERROR'; code: number; message: string }
  | { type: 'LIVE_PUSHER_BGM_START' }
  | { type: 'LIVE_PUSHER_BGM_PROGRESS'; progress: unknown; duration: unknown }
  | { type: 'LIVE_PUSHER_BGM_COMPLETE' }
  | { type: 'LIVE_PUSHER_AUDIO_VOLUME'; volume: number }
  | { type: 'LIVE_PLAYER_STATUS'; id: string | null; code: number; message: string; detail: unknown }
  | { type: 'LIVE_PLAYER_NET_STATUS'; id: string | null; info: Readonly<Record<string, unknown>> }
  | { type: 'LIVE_PLAYER_AUDIO_VOLUME'; id: string | null; volume: number }
  | { type: 'LIVE_PLAYER_FULLSCREEN_CHANGE'; id: string | null; detail: unknown };

/** Every event the room chart accepts: commands from the page, component events, signaling news, reports. */
export type RoomEvent = RoomCommand | ComponentEvent | SignalingEvent | PusherReport | PlayerReport | AppLifecycleEvent | RoomInternalEvent;

/** <live-player> codes trtc-wx reports as PLAYER_WARNING rather than REMOTE_STATE_UPDATE. */
const PLAYER_WARNING_CODES = new Set([6002, 6003, 6004, 6005]);
/** binderror of <live-pusher>: background music failed to load. */
const PUSHER_ERROR_BGM_LOAD = 10003;

const viewOf = (context: RoomContext): RoomView => ({ users: context.users, streams: context.streams });
const streamById = (context: RoomContext, id: string): RemoteStream | undefined => context.streams.find((s) => s.id === id);
const mainIdOf = (event: { userID: string; streamType?: StreamType }): string => playerIdOf(event.userID, event.streamType ?? 'main');

/** Media errors of <live-pusher> (-1301 camera, -1307 disconnected ...); room errors (<= -3000) come from signaling. */
const isMediaErrorCode = (code: number): boolean => code < 0 && code > -3000;

/** The player-machine event a room event addressed to one player stands for. */
function playerCommandOf(event: RoomEvent): PlayerEvent | null {
  switch (event.type) {
    case 'SWITCH_STREAM_TYPE':
      return { type: 'SWITCH_STREAM_TYPE' };
    case 'PLAYER':
      return { type: 'CONTEXT_CALL', method: event.method, ...(event.options ? { options: event.options } : {}) };
    case 'LIVE_PLAYER_STATUS':
      return { type: 'LIVE_PLAYER_STATUS', code: event.code, message: event.message };
    case 'LIVE_PLAYER_NET_STATUS':
      return { type: 'NET_STATUS', info: event.info };
    case 'LIVE_PLAYER_AUDIO_VOLUME':
      return { type: 'AUDIO_VOLUME', volume: event.volume };
    default:
      return null;
  }
}

/**
 * Infinite-anchor rooms (enableinfiniteanchor=1) do not announce every anchor: a page pulls one by id and
 * trtc-wx creates its player on the spot. Anywhere else an unknown id is a no-op.
 */
function planInfiniteAnchorPull(context: RoomContext, id: string): Step[] {
  if (streamById(context, id) || context.params?.enableinfiniteanchor !== 1) return [];
  const parsed = parsePlayerId(id);
  if (!parsed) return [];
  return [
    ...(context.users.includes(parsed.userID) ? [] : [{ kind: 'addUser' as const, userID: parsed.userID }]),
    {
      kind: 'addStream' as const,
      ...parsed,
      audio: false,
      video: false,
      url: `room://cloud.tencent.com/rtc?userid=${roomUrlValue(parsed.userID)}&streamtype=${parsed.streamType}`,
      unmute: context.params.autoSubscribe,
    },
  ];
}

/** The subscription a player wants once `attributes` are applied (the player itself sees them only later). */
function subscriptionAfter(context: RoomContext, id: string, attributes: unknown): { id: string; wanted?: { audio: boolean; video: boolean } } {
  const stream = streamById(context, id);
  const changes = attributes as Readonly<Record<string, unknown>>;
  if (!stream || !('muteAudio' in changes || 'muteVideo' in changes)) return { id: '' };
  const merged = { ...stream.ref.getSnapshot().context.attributes, ...changes };
  return { id, wanted: { audio: !merged.muteAudio, video: !merged.muteVideo } };
}

function errorEvent(error: WxrtcError): RoomEmitted {
  return { type: 'ERROR', ...error.toEventData() };
}

type CallName = PendingCall['call'];
type CallOutcome = { ok: true } | { ok: false; code: number; message: string; data?: Record<string, unknown> };

/** The answer tag a page command carries (none for the room's own sends). */
function tagOf(event: RoomEvent): CallTag {
  const tagged = event as CallTag;
  return {
    ...(typeof tagged.ticket === 'number' ? { ticket: tagged.ticket } : {}),
    ...(tagged.answered === true ? { answered: true } : {}),
  };
}

/**
 * How one call is answered: CALL_SETTLED for the facade (when the page gave callbacks), and for a refusal the page
 * gave no `fail` for, an ERROR with the code and `data.call`, so that no refusal goes unheard. `quiet` refusals
 * (the room was left first) reach only the callbacks.
 */
function answersOf(tag: CallTag, call: CallName, outcome: CallOutcome, quiet = false): RoomEmitted[] {
  const out: RoomEmitted[] = [];
  if (tag.ticket !== undefined && call !== 'setPusherAttributes') {
    out.push(
      outcome.ok
        ? { type: 'CALL_SETTLED', ticket: tag.ticket, call, ok: true }
        : { type: 'CALL_SETTLED', ticket: tag.ticket, call, ok: false, code: outcome.code, message: outcome.message },
    );
  }
  if (!outcome.ok && !quiet && !tag.answered) out.push(errorEvent(new WxrtcError(outcome.code, outcome.message, { ...outcome.data, call })));
  return out;
}

/** The command that brings the server's subscription in line with what the player wants, and the new `subscribed`. */
function subscriptionCommand(
  stream: RemoteStream,
  wanted: { audio: boolean; video: boolean },
  force: boolean,
): { command: Extract<SignalingCommand, { type: 'SUBSCRIBE' | 'UNSUBSCRIBE' }>; subscribed: RemoteStream['subscribed'] } | null {
  const key = { userID: stream.userID, streamType: stream.streamType };
  if (!wanted.audio && !wanted.video) return stream.subscribed ? { command: { type: 'UNSUBSCRIBE', ...key }, subscribed: null } : null;
  const unchanged = stream.subscribed?.audio === wanted.audio && stream.subscribed?.video === wanted.video;
  if (unchanged && !force) return null;
  return { command: { type: 'SUBSCRIBE', ...key, audio: wanted.audio, video: wanted.video }, subscribed: { ...wanted } };
}

function localKey(context: RoomContext): { userID: string; streamType: 'main' } {
  return { userID: context.params?.userID ?? '', streamType: 'main' };
}

/**
 * Local tracks disabled (true), from the pusher's attributes. `entering` is the ENTER_ROOM being handled:
 * its attributes were sent to the pusher in this same step, which has not processed them yet.
 */
function localMuteOf(context: RoomContext, entering?: RoomEvent): { audio: boolean; video: boolean } {
  const attributes = {
    ...context.pusher?.getSnapshot().context.attributes,
    ...(entering?.type === 'ENTER_ROOM' ? pusherAttributesIn(entering.params as Record<string, unknown>) : {}),
  };
  return { audio: attributes.enableMic !== true, video: attributes.enableCamera !== true };
}

/**
 * The root statechart: idle, active (entering, inRoom, exiting), kicked; inRoom is parallel (connection,
 * publication, players, visibility). `createActor(roomMachine, { input: { page } })`, then
 * `send({ type: 'ENTER_ROOM', params })`; `TRTC` wraps it.
 */
export const roomMachine = setup({
  types: {} as { context: RoomContext; events: RoomEvent; input: RoomInput; emitted: RoomEmitted },
  actors: { pusher: pusherMachine, player: playerMachine, signaling: trtcRoomSignaling, appLifecycle, playerContexts: playerContextsKeeper },
  actions: {
    emitError: emit((_, params: { code: number; message: string }) => errorEvent(new WxrtcError(params.code, params.message))),

    /**
     * A call for a player that is not in the room, answered with UNKNOWN_PLAYER naming the id. wxrtc's own calls
     * (muteRemote, subscribe, unsubscribe: `via`) get an ERROR. trtc-wx's setPlayerAttributes and switchStreamType
     * get a PLAYER_WARNING: trtc-wx is silent there, and Tencent's trtc-cloud-wx sets a remote view's attributes
     * before its stream arrives, which must not surface as an error in its onError.
     */
    emitUnknownPlayer: enqueueActions(({ event, enqueue }, params: { id: string; via?: RemoteCall | undefined }) => {
      const message = `${params.via ?? 'call'}: no player '${params.id}' in the room; nothing changed`;
      if (!params.via) {
        enqueue.emit({ type: 'PLAYER_WARNING', id: params.id, detail: { code: ErrorCode.UNKNOWN_PLAYER, message, id: params.id } });
        return;
      }
      const tag = tagOf(event);
      for (const answer of answersOf(tag, params.via, { ok: false, code: ErrorCode.UNKNOWN_PLAYER, message }, true)) enqueue.emit(answer);
      if (!tag.answered) enqueue.emit(errorEvent(new WxrtcError(ErrorCode.UNKNOWN_PLAYER, message, { id: params.id })));
    }),

    /** A call that is already so, or that nothing can refuse: answered at once. */
    confirmAtOnce: enqueueActions(({ event, enqueue }, params: { call: ConfirmedCall }) => {
      for (const answer of answersOf(tagOf(event), params.call, { ok: true })) enqueue.emit(answer);
    }),

    /** A call the room refuses without asking anyone (wrong state, bad argument): `fail`, or ERROR without one. */
    refuseCall: enqueueActions(({ event, enqueue }, params: { call: ConfirmedCall; code: number; message: string }) => {
      for (const answer of answersOf(tagOf(event), params.call, { ok: false, code: params.code, message: params.message })) enqueue.emit(answer);
    }),

    /**
     * enableMic / enableCamera changed in a room (muteLocal, or setPusherAttributes): the driver tells the server and
     * answers; the values before are kept to put back on a refusal. muteLocal with neither flag is answered at once.
     */
    trackLocalMute: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'SET_PUSHER_ATTRIBUTES') return;
      const changed = event.attributes as Record<string, unknown>;
      const keys = (['enableMic', 'enableCamera'] as const).filter((key) => typeof changed[key] === 'boolean');
      const call: CallName = event.via ?? 'setPusherAttributes';
      if (keys.length === 0) {
        if (event.via) for (const answer of answersOf(tagOf(event), event.via, { ok: true })) enqueue.emit(answer);
        return;
      }
      const before = context.pusher?.getSnapshot().context.attributes as Record<string, unknown> | undefined;
      const callId = context.callSeq + 1;
      const undo: UndoEntry[] = keys.map((key) => ({ field: { kind: 'pusher', key }, value: before?.[key] === true }));
      enqueue.assign({ callSeq: callId, calls: [...context.calls, { callId, call, answered: tagOf(event).answered === true, undo, ...tagOf(event) }] });
      const mute = localMuteOf(context);
      enqueue.sendTo('signaling', {
        type: 'MUTE_LOCAL',
        callId,
        audio: typeof changed.enableMic === 'boolean' ? !changed.enableMic : mute.audio,
        video: typeof changed.enableCamera === 'boolean' ? !changed.enableCamera : mute.video,
      });
    }),

    /**
     * muteRemote, subscribe, unsubscribe on a player in the room: its attributes have been set; the subscription
     * follows, and the driver's answer settles the call. The player's mute flags and subscription before it are kept
     * to put back on a refusal. Nothing to ask (the subscription is already so) answers at once.
     */
    trackRemoteCall: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'SET_PLAYER_ATTRIBUTES' || !event.via) return;
      const stream = streamById(context, event.id);
      const after = subscriptionAfter(context, event.id, event.attributes);
      const plan = stream && after.wanted ? subscriptionCommand(stream, after.wanted, false) : null;
      if (!stream || !plan) {
        for (const answer of answersOf(tagOf(event), event.via, { ok: true })) enqueue.emit(answer);
        return;
      }
      const attributes = stream.ref.getSnapshot().context.attributes;
      const changes = event.attributes as Record<string, unknown>;
      const undo: UndoEntry[] = [
        ...(['muteAudio', 'muteVideo'] as const)
          .filter((key) => key in changes)
          .map((key): UndoEntry => ({ field: { kind: 'player', id: stream.id, key }, value: attributes[key] === true })),
        { field: { kind: 'player', id: stream.id, key: 'subscribed' }, value: stream.subscribed },
      ];
      const callId = context.callSeq + 1;
      enqueue.assign({
        callSeq: callId,
        calls: [
          ...context.calls,
          {
            callId,
            call: event.via,
            answered: tagOf(event).answered === true,
            undo,
            ...tagOf(event),
            ...(plan.command.type === 'SUBSCRIBE' ? { subscribing: { userID: stream.userID, streamType: stream.streamType } } : {}),
          },
        ],
        streams: context.streams.map((s) => (s === stream ? { ...s, subscribed: plan.subscribed } : s)),
      });
      enqueue.sendTo('signaling', { ...plan.command, callId });
    }),

    /** setUserVisibility in a room: shown at once, told to the server; the driver's answer settles it. */
    trackVisibility: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'SET_VISIBILITY') return;
      const callId = context.callSeq + 1;
      const undo: UndoEntry[] = [{ field: { kind: 'visible' }, value: context.visible }];
      enqueue.assign({
        visible: event.visible,
        callSeq: callId,
        calls: [...context.calls, { callId, call: 'setUserVisibility', answered: tagOf(event).answered === true, undo, ...tagOf(event) }],
      });
      enqueue.sendTo('signaling', { type: 'SET_VISIBILITY', visible: event.visible, callId });
    }),

    /** publish(): settled by the publication itself (LOCAL_STREAM_PUBLISHED or LOCAL_STREAM_FAILED), not by a callId. */
    trackPublish: enqueueActions(({ context, event, enqueue }) => {
      const callId = context.callSeq + 1;
      enqueue.assign({ callSeq: callId, calls: [...context.calls, { callId, call: 'publish', answered: tagOf(event).answered === true, undo: [], ...tagOf(event) }] });
    }),

    /** The publication reached its end (published, failed, or unpublished first): every publish() waiting is answered. */
    settlePublishCalls: enqueueActions(({ context, enqueue }, params: CallOutcome) => {
      const waiting = context.calls.filter((c) => c.call === 'publish');
      if (waiting.length === 0) return;
      enqueue.assign({ calls: context.calls.filter((c) => c.call !== 'publish') });
      for (const call of waiting) for (const answer of answersOf(call, 'publish', params)) enqueue.emit(answer);
    }),

    /** unpublish() while publishing or published: the driver's answer settles it; a refusal puts `published` back. */
    trackUnpublish: enqueueActions(({ context, event, enqueue }, params: { published: boolean }) => {
      const callId = context.callSeq + 1;
      const undo: UndoEntry[] = [{ field: { kind: 'published' }, value: params.published }];
      enqueue.assign({ callSeq: callId, calls: [...context.calls, { callId, call: 'unpublish', answered: tagOf(event).answered === true, undo, ...tagOf(event) }] });
      enqueue.sendTo('signaling', { type: 'UNPUBLISH', callId });
    }),

    /** The driver confirmed a call: nothing goes back, the page hears success. An unknown callId changes nothing. */
    settleConfirmedCall: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'CALL_CONFIRMED') return;
      const call = pendingCall(context.calls, event.callId);
      if (!call) return;
      enqueue.assign({ calls: confirmCall(context.calls, event.callId) });
      for (const answer of answersOf(call, call.call, { ok: true })) enqueue.emit(answer);
    }),

    /**
     * The driver refused a call (the server said no, no answer in time, the session was lost): what it changed goes
     * back to the last value nothing pending replaces (calls.ts), on the pusher, the players and the room, so the page,
     * its binding and the inspector show the truth again; the page hears the code. An unknown callId changes nothing.
     */
    rollBackCall: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'CALL_REFUSED') return;
      const call = pendingCall(context.calls, event.callId);
      if (!call) return;
      const { rest, revert } = withdrawCall(context.calls, event.callId);
      enqueue.assign({ calls: rest });
      const pusher = pusherRevert(revert);
      if (context.pusher && Object.keys(pusher).length > 0) enqueue.sendTo(context.pusher, { type: 'SET_ATTRIBUTES', attributes: pusher });
      for (const stream of context.streams) {
        const back = playerRevert(revert, stream.id);
        if (!back) continue;
        if (Object.keys(back.attributes).length > 0) enqueue.sendTo(stream.ref, { type: 'SET_ATTRIBUTES', attributes: back.attributes });
        if ('subscribed' in back) {
          enqueue.assign({ streams: ({ context: now }) => now.streams.map((s) => (s.id === stream.id ? { ...s, subscribed: back.subscribed ?? null } : s)) });
        }
      }
      for (const entry of revert) {
        if (entry.field.kind === 'visible') {
          enqueue.assign({ visible: entry.value === true });
          enqueue.raise({ type: 'VISIBILITY_CHANGED', visible: entry.value === true });
        }
        if (entry.field.kind === 'published' && entry.value === true) enqueue.raise({ type: 'UNPUBLISH_UNDONE' });
      }
      // A refused subscribe is that stream's failure as well, as for the room's own subscribes; the page's wish is
      // withdrawn, so nothing retries it.
      if (call.subscribing) {
        enqueue.emit({ type: 'STREAM_FAILED', ...call.subscribing, code: event.code, reason: event.message, willRetry: false, local: false });
      }
      for (const answer of answersOf(call, call.call, { ok: false, code: event.code, message: event.message })) enqueue.emit(answer);
    }),

    /** The room was left (or the driver stopped) before these calls were answered: their callbacks hear it, nothing more. */
    failPendingCalls: enqueueActions(({ context, enqueue }) => {
      if (context.calls.length === 0) return;
      enqueue.assign({ calls: [] });
      const outcome: CallOutcome = { ok: false, code: ErrorCode.WRONG_STATE, message: 'the room was left before the call was answered' };
      for (const call of context.calls) for (const answer of answersOf(call, call.call, outcome, true)) enqueue.emit(answer);
    }),

    /** A player method for a player that is not there: its `fail` callback with the code, or ERROR without one. */
    refusePlayerCall: enqueueActions(({ enqueue }, params: { id: string; method: string; options?: WxCallbacks }) => {
      const errMsg = `${params.method}:fail player ${params.id} is not in the room`;
      enqueue(() => failCall(params.options, errMsg, ErrorCode.UNKNOWN_PLAYER));
      if (!hasFailCallback(params.options)) enqueue.emit(errorEvent(new WxrtcError(ErrorCode.UNKNOWN_PLAYER, errMsg, { id: params.id })));
    }),

    /** start() with no room to push to: the fail callback, or ERROR WRONG_STATE; nothing is started later either. */
    refuseStart: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'PUSHER') return;
      const options = event.command.options;
      const errMsg = 'start:fail not in a room: call enterRoom first, then start() once the page has the url';
      enqueue(() => failCall(options, errMsg, ErrorCode.WRONG_STATE));
      if (!hasFailCallback(options)) enqueue.emit(errorEvent(new WxrtcError(ErrorCode.WRONG_STATE, errMsg)));
    }),

    /** updateUserSig that cannot act: its reply hears the refusal, or (no reply, the actor used directly) ERROR. */
    refuseUserSig: enqueueActions(({ event, enqueue }, params: { code: number; message: string }) => {
      const reply = event.type === 'UPDATE_USER_SIG' ? event.reply : undefined;
      if (reply) enqueue(() => reply({ code: params.code, message: params.message }));
      else enqueue.emit(errorEvent(new WxrtcError(params.code, params.message)));
    }),

    /** The driver gets the new userSig (and its reply) and answers once it took effect. */
    forwardUserSig: sendTo('signaling', ({ event }) => ({
      type: 'UPDATE_USER_SIG' as const,
      userSig: event.type === 'UPDATE_USER_SIG' ? (event.userSig as string) : '',
      reply: event.type === 'UPDATE_USER_SIG' ? event.reply : undefined,
    })),

    /** The driver took the new userSig: the room's params (what the inspector and the reporter read) say so. */
    keepUserSig: assign({
      params: ({ context, event }) => (event.type === 'USER_SIG_UPDATED' && context.params ? { ...context.params, userSig: event.userSig } : context.params),
    }),

    /** The driver counted down to the warning: the page hears USER_SIG_WILL_EXPIRE and calls updateUserSig. */
    warnUserSigExpiry: emit(({ event }) => ({
      type: 'USER_SIG_WILL_EXPIRE' as const,
      expiresInMs: event.type === 'USER_SIG_WILL_EXPIRE' ? event.expiresInMs : 0,
    })),

    /** trtc-wx emits LOCAL_LEAVE for every exitRoom, in a room or not: an exit with nothing to leave still gets it. */
    answerExit: emit({ type: 'LOCAL_LEAVE' }),

    setConnection: enqueueActions(({ context, enqueue }, params: { state: ConnectionState }) => {
      if (context.connection === params.state) return;
      enqueue.assign({ connection: params.state });
      enqueue.emit({ type: 'CONNECTION_STATE_CHANGED', state: params.state, prevState: context.connection });
    }),

    createPusher: enqueueActions(({ context, enqueue }, params: { attributes: unknown }) => {
      if (context.pusher) enqueue(stopChild(context.pusher));
      const attributes = (params.attributes ?? {}) as Readonly<Record<string, unknown>>;
      enqueue.assign({
        pusher: ({ spawn }) => spawn('pusher', { id: 'pusher', input: { page: context.page, attributes, retry: context.retry } }),
      });
    }),

    ensurePusher: enqueueActions(({ context, enqueue }) => {
      if (context.pusher) return;
      enqueue.assign({ pusher: ({ spawn }) => spawn('pusher', { id: 'pusher', input: { page: context.page, retry: context.retry } }) });
    }),

    toPusher: sendTo(({ context }) => context.pusher!, (_, event: PusherEvent) => event),

    forwardPusherStatus: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'LIVE_PUSHER_STATUS') return;
      if (context.pusher) enqueue.sendTo(context.pusher, { type: 'LIVE_PUSHER_STATUS', code: event.code, message: event.message });
      if (isMediaErrorCode(event.code)) enqueue.emit({ type: 'ERROR', code: event.code, message: event.message });
    }),

    enterRoom: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'ENTER_ROOM') return;
      const checked = checkEnterParams(event.params, { autoSubscribe: context.autoPull });
      if (!checked.ok) return;
      const params = checked.params;
      enqueue.assign({ params, users: [], streams: [], pendingEnter: null });
      enqueue.sendTo(({ context: now }) => now.pusher!, {
        type: 'SET_ATTRIBUTES',
        attributes: { ...pusherAttributesIn(event.params as Record<string, unknown>), ...publicRoomFields(params) },
      });
    }),

    /** Leave as far as this device goes: stop every player and the pusher, forget who was here. */
    leaveLocally: enqueueActions(({ context, enqueue }) => {
      // One copy of the children map for all players; each stopChild below then copies only what is left.
      enqueue(forgetChildren(context.streams.map((stream) => stream.ref)));
      for (const stream of context.streams) {
        enqueue.sendTo(stream.ref, { type: 'RELEASE' });
        enqueue(stopChild(stream.ref));
      }
      enqueue.assign({ users: [], streams: [] });
      if (context.pusher) enqueue.sendTo(context.pusher, { type: 'RESET' });
    }),

    toSignaling: sendTo('signaling', (_, command: SignalingCommand) => command),

    toPlayerById: enqueueActions(({ context, event, enqueue }) => {
      const id = 'id' in event && typeof event.id === 'string' ? event.id : null;
      const stream = id === null ? undefined : streamById(context, id);
      if (!stream) return;
      const command = playerCommandOf(event);
      if (command) enqueue.sendTo(stream.ref, command);
    }),

    sendPlayerAttributes: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'SET_PLAYER_ATTRIBUTES') return;
      const stream = streamById(context, event.id);
      if (stream) enqueue.sendTo(stream.ref, { type: 'SET_ATTRIBUTES', attributes: event.attributes as Readonly<Record<string, unknown>> });
    }),

    emitLocalStreamFailed: emit(({ context, event }) => ({
      type: 'STREAM_FAILED' as const,
      ...localKey(context),
      code: event.type === 'LOCAL_STREAM_FAILED' ? event.code : ErrorCode.PUBLISH_FAILED,
      reason: event.type === 'LOCAL_STREAM_FAILED' ? event.reason : 'publish failed',
      willRetry: false,
      local: true,
    })),

    /**
     * Ask the server for what the local user wants from a stream (its player's mute flags), when that differs
     * from what was last asked. `wanted` overrides the player's flags: a player told to unmute in this same
     * step has not processed it yet (sends to children are delivered at the end of the step).
     */
    syncSubscription: enqueueActions(
      ({ context, enqueue }, params: { id: string; wanted?: { audio: boolean; video: boolean }; force?: boolean }) => {
        const stream = streamById(context, params.id);
        if (!stream) return;
        const plan = subscriptionCommand(stream, params.wanted ?? wantedTracks(stream), params.force === true);
        if (!plan) return;
        enqueue.sendTo('signaling', plan.command);
        enqueue.assign({ streams: ({ context: now }) => now.streams.map((s) => (s.id === params.id ? { ...s, subscribed: plan.subscribed } : s)) });
      },
    ),

    applyRemotePlan: enqueueActions(({ context, enqueue }, params: { steps: readonly Step[] }) => {
      for (const step of params.steps) {
        switch (step.kind) {
          case 'addUser':
            enqueue.assign({ users: ({ context: now }) => [...now.users, step.userID] });
            break;
          case 'removeUser':
            enqueue.assign({ users: ({ context: now }) => now.users.filter((u) => u !== step.userID) });
            break;
          case 'addStream': {
            const id = playerIdOf(step.userID, step.streamType);
            enqueue.assign({
              streams: ({ context: now, spawn }) => [
                ...now.streams,
                {
                  id,
                  userID: step.userID,
                  streamType: step.streamType,
                  audio: step.audio,
                  video: step.video,
                  subscribed: null,
                  ref: spawn('player', {
                    id,
                    input: {
                      page: now.page,
                      userID: step.userID,
                      streamType: step.streamType,
                      src: step.url,
                      hasAudio: step.audio,
                      hasVideo: step.video,
                      retry: now.retry,
                      ...(step.unmute ? { unmuted: true } : {}),
                    },
                  }),
                },
              ],
            });
            break;
          }
          case 'setFlags': {
            enqueue.assign({
              streams: ({ context: now }) => now.streams.map((s) => (s.id === step.id ? { ...s, audio: step.audio, video: step.video } : s)),
            });
            enqueue.sendTo(({ context: now }) => streamById(now, step.id)!.ref, { type: 'PUBLISH_STATE', audio: step.audio, video: step.video });
            break;
          }
          case 'removeStream': {
            const ref = streamById(context, step.id)?.ref;
            if (!ref) break;
            enqueue.sendTo(ref, { type: 'RELEASE', streamGone: true });
            enqueue(stopChild(ref));
            enqueue.assign({ streams: ({ context: now }) => now.streams.filter((s) => s.id !== step.id) });
            break;
          }
          case 'setSrc':
            enqueue.sendTo(({ context: now }) => streamById(now, step.id)!.ref, { type: 'SET_SRC', url: step.url });
            break;
          case 'subscribe': {
            // A stream just announced with autoSubscribe: both tracks are wanted and nothing was asked yet.
            const stream = { userID: step.userID, streamType: step.streamType };
            enqueue.sendTo('signaling', { type: 'SUBSCRIBE', ...stream, audio: true, video: true });
            enqueue.assign({
              streams: ({ context: now }) => now.streams.map((s) => (s.id === step.id ? { ...s, subscribed: { audio: true, video: true } } : s)),
            });
            break;
          }
          case 'emitUser':
            enqueue.emit(({ context: now }) => ({ type: step.type, userID: step.userID, view: viewOf(now) }));
            break;
          case 'emitTrack':
            enqueue.emit(({ context: now }) => ({
              type: step.type,
              userID: step.userID,
              streamType: step.streamType,
              player: step.ref ?? streamById(now, playerIdOf(step.userID, step.streamType))!.ref,
              view: viewOf(now),
            }));
            break;
          case 'emitStreamAdded':
            enqueue.emit({
              type: 'STREAM_ADDED',
              userID: step.userID,
              streamType: step.streamType,
              streamPublishState: { audio: step.audio, video: step.video },
            });
            break;
          case 'emitStream':
            enqueue.emit({ type: step.type, userID: step.userID, streamType: step.streamType });
            break;
          case 'emitUrl':
            enqueue.emit({ type: 'UPDATE_URL', userID: step.userID, streamType: step.streamType, url: step.url, local: false });
            break;
        }
      }
    }),
  },
  guards: {
    validEnter: ({ event }) => event.type === 'ENTER_ROOM' && checkEnterParams(event.params).ok,
    /** As enterRoom takes a userSig: a well-formed string of 1..4096 characters that is not blank. */
    validUserSig: ({ event }) => event.type === 'UPDATE_USER_SIG' && isUserSig(event.userSig) && event.userSig.trim().length > 0,
    hasPusher: ({ context }) => context.pusher !== null,
    hasPendingEnter: ({ context }) => context.pendingEnter !== null,
    isStartCommand: ({ event }) => event.type === 'PUSHER' && event.command.type === 'START',
    playerKnown: ({ context, event }) => 'id' in event && typeof event.id === 'string' && streamById(context, event.id) !== undefined,
    /** A player attribute change for an id that is not here, and that an infinite-anchor room would not pull either. */
    playerUnknown: ({ context, event }) =>
      event.type === 'SET_PLAYER_ATTRIBUTES' && !streamById(context, event.id) && planInfiniteAnchorPull(context, event.id).length === 0,
  },
  delays: {
    reconnectTimeout: ({ context }) => deadlinePolicy(context.reconnectTimeoutMs).deadlineMs,
    exitTimeout: ({ context }) => context.exitTimeoutMs,
  },
}).createMachine({
  id: 'room',
  context: ({ input }) => ({
    page: input.page,
    retry: input.retry ?? DEFAULT_RETRY_POLICY,
    reconnectTimeoutMs: input.reconnectTimeoutMs ?? 30_000,
    exitTimeoutMs: input.exitTimeoutMs ?? 3_000,
    component: input.component ?? null,
    autoPull: input.autoPull ?? false,
    pusher: null,
    params: null,
    pendingEnter: null,
    users: [],
    streams: [],
    visible: true,
    businessId: null,
    connection: 'DISCONNECTED',
    calls: [],
    callSeq: 0,
  }),
  initial: 'idle',
  invoke: { id: 'playerContexts', src: 'playerContexts', input: ({ context }) => ({ page: context.page }) },
  // What holds in every state. States below override an event when they mean something else by it.
  on: {
    // WeChat shows the mini-program again: a pusher it had suspended (5000) pushes again.
    APP_SHOWN: { guard: 'hasPusher', actions: { type: 'toPusher', params: { type: 'APP_SHOWN' } } },
    CREATE_PUSHER: [
      {
        guard: ({ event }) => checkPusherAttributes(event.attributes ?? {}) !== null,
        actions: emit(({ event }) => errorEvent(checkPusherAttributes(event.attributes ?? {})!)),
      },
      { actions: { type: 'createPusher', params: ({ event }) => ({ attributes: event.attributes }) } },
    ],
    SET_PUSHER_ATTRIBUTES: [
      {
        guard: ({ event }) => checkPusherAttributes(event.attributes) !== null,
        actions: emit(({ event }) => errorEvent(checkPusherAttributes(event.attributes)!)),
      },
      {
        actions: [
          'ensurePusher',
          sendTo(({ context }) => context.pusher!, ({ event }) => ({
            type: 'SET_ATTRIBUTES' as const,
            attributes: event.attributes as Readonly<Record<string, unknown>>,
          })),
          // Outside a room muteLocal is only the pusher's attributes (the join carries them): done.
          { type: 'confirmAtOnce', params: ({ event }) => ({ call: event.via ?? 'muteLocal' }) },
        ],
      },
    ],
    MUTE_LOCAL: {
      actions: raise(({ event }) => ({
        type: 'SET_PUSHER_ATTRIBUTES' as const,
        via: 'muteLocal' as const,
        ...tagOf(event),
        attributes: {
          ...(typeof event.audio === 'boolean' ? { enableMic: !event.audio } : {}),
          ...(typeof event.video === 'boolean' ? { enableCamera: !event.video } : {}),
        },
      })),
    },
    PUSHER: { guard: 'hasPusher', actions: sendTo(({ context }) => context.pusher!, ({ event }) => event.command) },
    LIVE_PUSHER_STATUS: { actions: 'forwardPusherStatus' },
    LIVE_PUSHER_NET_STATUS: {
      guard: 'hasPusher',
      actions: [sendTo(({ context }) => context.pusher!, ({ event }) => ({ type: 'NET_STATUS' as const, info: event.info })), emit({ type: 'LOCAL_NET_STATE_UPDATE' })],
    },
    LIVE_PUSHER_AUDIO_VOLUME: {
      guard: 'hasPusher',
      actions: [
        sendTo(({ context }) => context.pusher!, ({ event }) => ({ type: 'AUDIO_VOLUME' as const, volume: event.volume })),
        emit({ type: 'LOCAL_AUDIO_VOLUME_UPDATE' }),
      ],
    },
    LIVE_PUSHER_ERROR: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        enqueue.emit({ type: 'ERROR', code: event.code, message: event.message });
        if (event.code === PUSHER_ERROR_BGM_LOAD && context.pusher) {
          enqueue.sendTo(context.pusher, { type: 'BGM_FAILED', errMsg: event.message });
        }
      }),
    },
    LIVE_PUSHER_BGM_START: {
      actions: [
        enqueueActions(({ context, enqueue }) => {
          if (context.pusher) enqueue.sendTo(context.pusher, { type: 'BGM_STARTED' });
        }),
        emit({ type: 'BGM_PLAY_START' }),
      ],
    },
    LIVE_PUSHER_BGM_PROGRESS: { actions: emit(({ event }) => ({ type: 'BGM_PLAY_PROGRESS' as const, progress: event.progress, duration: event.duration })) },
    LIVE_PUSHER_BGM_COMPLETE: {
      actions: [
        enqueueActions(({ context, enqueue }) => {
          if (context.pusher) enqueue.sendTo(context.pusher, { type: 'BGM_COMPLETED' });
        }),
        emit({ type: 'BGM_PLAY_COMPLETE' }),
      ],
    },
    LIVE_PLAYER_FULLSCREEN_CHANGE: { actions: emit(({ event }) => ({ type: 'VIDEO_FULLSCREEN_UPDATE' as const, id: event.id, detail: event.detail })) },
    PUSHER_BGM_FAILED: { actions: emit(({ event }) => ({ type: 'BGM_PLAY_FAIL' as const, errMsg: event.errMsg })) },
    // A pusher call the state refused; the page's own `fail` callback, when it gave one, has heard it already.
    PUSHER_CALL_REFUSED: {
      guard: ({ event }) => !event.answered,
      actions: emit(({ event }) => ({ type: 'ERROR' as const, code: event.code, message: event.message })),
    },
    PUSHER_FAILED: {
      actions: emit(({ context, event }) => ({
        type: 'STREAM_FAILED' as const,
        ...localKey(context),
        code: event.code,
        reason: event.reason,
        willRetry: event.willRetry,
        local: true,
      })),
    },
    SET_PLAYER_ATTRIBUTES: [
      // Outside a room there are no players; a malformed config is still reported first.
      {
        guard: ({ event }) => checkPlayerAttributes(event.attributes) !== null,
        actions: emit(({ event }) => errorEvent(checkPlayerAttributes(event.attributes)!)),
      },
      { actions: { type: 'emitUnknownPlayer', params: ({ event }) => ({ id: event.id, via: event.via }) } },
    ],
    // Outside a room there is nobody to mute, subscribe or switch: said, never silently dropped.
    MUTE_REMOTE: { actions: { type: 'emitUnknownPlayer', params: ({ event }) => ({ id: mainIdOf(event), via: 'muteRemote' as const }) } },
    SUBSCRIBE: { actions: { type: 'emitUnknownPlayer', params: ({ event }) => ({ id: mainIdOf(event), via: 'subscribe' as const }) } },
    UNSUBSCRIBE: { actions: { type: 'emitUnknownPlayer', params: ({ event }) => ({ id: mainIdOf(event), via: 'unsubscribe' as const }) } },
    SWITCH_STREAM_TYPE: { actions: { type: 'emitUnknownPlayer', params: ({ event }) => ({ id: event.id }) } },
    PLAYER: { actions: { type: 'refusePlayerCall', params: ({ event }) => ({ id: event.id, method: event.method, options: event.options }) } },
    // Before a room: kept for enterRoom, which hands it to the driver; nothing to wait for.
    SET_VISIBILITY: { actions: [assign({ visible: ({ event }) => event.visible }), { type: 'confirmAtOnce', params: { call: 'setUserVisibility' } }] },
    SET_BUSINESS_ID: [
      {
        guard: ({ event }) => !isBusinessId(event.businessId),
        actions: { type: 'refuseCall', params: { call: 'setBusinessId', code: ErrorCode.INVALID_ARGUMENT, message: `businessId must be ${BUSINESS_ID_RULE}` } },
      },
      { actions: [assign({ businessId: ({ event }) => event.businessId as string }), { type: 'confirmAtOnce', params: { call: 'setBusinessId' } }] },
    ],
    // Outside a room (or still entering) there is no publication to start or stop: said, never dropped.
    PUBLISH: { actions: { type: 'refuseCall', params: { call: 'publish', code: ErrorCode.WRONG_STATE, message: 'publish: not in a room (wait for LOCAL_JOIN)' } } },
    UNPUBLISH: { actions: { type: 'refuseCall', params: { call: 'unpublish', code: ErrorCode.WRONG_STATE, message: 'unpublish: not in a room (wait for LOCAL_JOIN)' } } },
    ENTER_ROOM: {
      actions: { type: 'emitError', params: { code: ErrorCode.WRONG_STATE, message: 'already in a room: call exitRoom first' } },
    },
    // Outside a room there is no sig to replace: the next enterRoom takes it in its params.
    UPDATE_USER_SIG: {
      actions: { type: 'refuseUserSig', params: { code: ErrorCode.WRONG_STATE, message: 'updateUserSig: not in a room (give the userSig to enterRoom)' } },
    },
  },
  states: {
    idle: {
      entry: [{ type: 'setConnection', params: { state: 'DISCONNECTED' } }, 'failPendingCalls'],
      always: {
        guard: 'hasPendingEnter',
        actions: [raise(({ context }) => ({ type: 'ENTER_ROOM' as const, params: context.pendingEnter })), assign({ pendingEnter: null })],
      },
      on: {
        ENTER_ROOM: [
          { guard: 'validEnter', target: 'active', actions: ['ensurePusher', 'enterRoom'] },
          { actions: emit(({ event }) => errorEvent((checkEnterParams(event.params) as { error: WxrtcError }).error)) },
        ],
        // start() before enterRoom has no url to push to: answered at once rather than kept for a later room.
        PUSHER: [
          { guard: 'isStartCommand', actions: 'refuseStart' },
          { guard: 'hasPusher', actions: sendTo(({ context }) => context.pusher!, ({ event }) => event.command) },
        ],
        // Not in a room (never entered, or the enter failed): nothing to leave, but trtc-wx answers every
        // exitRoom with LOCAL_LEAVE, and pages stop their timers or navigate back on it.
        EXIT_ROOM: {
          actions: [enqueueActions(({ context, enqueue }) => context.pusher && enqueue.sendTo(context.pusher, { type: 'RESET' })), 'answerExit'],
        },
      },
    },
    active: {
      entry: { type: 'setConnection', params: { state: 'CONNECTING' } },
      invoke: [
        {
          id: 'signaling',
          src: 'signaling',
          input: ({ context, event }): SignalingInput & { component?: number } => ({
            params: context.params!,
            visible: context.visible,
            businessId: context.businessId,
            localMute: localMuteOf(context, event),
            ...(context.component !== null ? { component: context.component } : {}),
          }),
        },
        { id: 'appLifecycle', src: 'appLifecycle' },
      ],
      on: {
        CREATE_PUSHER: { actions: { type: 'emitError', params: { code: ErrorCode.WRONG_STATE, message: 'createPusher while in a room: exitRoom first' } } },
        SET_BUSINESS_ID: { actions: { type: 'refuseCall', params: { call: 'setBusinessId', code: ErrorCode.WRONG_STATE, message: 'setBusinessId must be called before enterRoom' } } },
        // Entering or in the room: shown at once, confirmed or refused by the driver (a refusal puts it back).
        SET_VISIBILITY: { actions: 'trackVisibility' },
        CALL_CONFIRMED: { actions: 'settleConfirmedCall' },
        CALL_REFUSED: { actions: 'rollBackCall' },
        LIVE_PUSHER_STATUS: {
          actions: ['forwardPusherStatus', sendTo('signaling', ({ event }) => ({ type: 'PUSHER_STATUS' as const, code: event.code, message: event.message }))],
        },
        LOCAL_URL_READY: { guard: 'hasPusher', actions: sendTo(({ context }) => context.pusher!, ({ event }) => ({ type: 'SET_URL' as const, url: event.url })) },
        LOCAL_URL_CHANGED: {
          guard: 'hasPusher',
          actions: [
            sendTo(({ context }) => context.pusher!, ({ event }) => ({ type: 'SET_URL' as const, url: event.url })),
            emit(({ context, event }) => ({ type: 'UPDATE_URL' as const, ...localKey(context), url: event.url, local: true })),
          ],
        },
        KICKED: { target: 'kicked', actions: ['leaveLocally', emit(({ event }) => ({ type: 'KICKED_OUT' as const, reason: event.reason }))] },
        SIGNALING_ERROR: { actions: emit(({ event }) => ({ type: 'ERROR' as const, code: event.code, message: event.message })) },
        UPDATE_USER_SIG: [
          { guard: 'validUserSig', actions: 'forwardUserSig' },
          { actions: { type: 'refuseUserSig', params: { code: ErrorCode.INVALID_USER_SIG, message: `updateUserSig: the userSig must be a non-blank string of 1..${MAX_USER_SIG_CHARS} characters` } } },
        ],
        USER_SIG_UPDATED: { actions: 'keepUserSig' },
        USER_SIG_WILL_EXPIRE: { actions: 'warnUserSigExpiry' },
        SIGNALING_WARNING: { actions: emit(({ event }) => ({ type: 'PLAYER_WARNING' as const, id: null, detail: { code: event.code, message: event.message } })) },
        SET_PUSHER_ATTRIBUTES: [
          {
            guard: ({ event }) => checkPusherAttributes(event.attributes) !== null,
            actions: emit(({ event }) => errorEvent(checkPusherAttributes(event.attributes)!)),
          },
          {
            actions: [
              sendTo(({ context }) => context.pusher!, ({ event }) => ({
                type: 'SET_ATTRIBUTES' as const,
                attributes: event.attributes as Readonly<Record<string, unknown>>,
              })),
              // enableMic / enableCamera are the local publish state: the server tells the others (MUTE_AUDIO ...).
              'trackLocalMute',
            ],
          },
        ],
      },
      initial: 'entering',
      states: {
        entering: {
          on: {
            ENTER_SUCCEEDED: { target: 'inRoom', actions: emit({ type: 'LOCAL_JOIN' }) },
            ENTER_FAILED: {
              target: '#room.idle',
              actions: ['leaveLocally', emit(({ event }) => ({ type: 'ERROR' as const, code: event.code, message: event.message }))],
            },
            EXIT_ROOM: { target: 'exiting', actions: 'leaveLocally' },
            // 1021 can come before 1018 too: the pusher must enter again either way.
            REENTER_REQUIRED: { actions: { type: 'toPusher', params: { type: 'RESTART' } } },
          },
        },
        inRoom: {
          type: 'parallel',
          on: {
            EXIT_ROOM: { target: 'exiting', actions: 'leaveLocally' },
            // The user closed the floating window the call lived in: the call is over.
            FLOAT_WINDOW_CLOSED: { target: 'exiting', actions: 'leaveLocally' },
            CONNECTION_FAILED: {
              target: 'exiting',
              actions: ['leaveLocally', emit(({ event }) => ({ type: 'ERROR' as const, code: event.code, message: event.message }))],
            },
            ENTER_FAILED: { actions: emit(({ event }) => ({ type: 'ERROR' as const, code: event.code, message: event.message })) },
            PUSHER_RETRY: { actions: { type: 'toSignaling', params: { type: 'PUBLISH' } } },
          },
          states: {
            connection: {
              initial: 'connected',
              states: {
                connected: {
                  entry: { type: 'setConnection', params: { state: 'CONNECTED' } },
                  on: {
                    CONNECTION_LOST: 'reconnecting',
                    REENTER_REQUIRED: { target: 'reconnecting', actions: { type: 'toPusher', params: { type: 'RESTART' } } },
                    APP_SUSPENDED: 'reconnecting.suspended',
                  },
                },
                reconnecting: {
                  entry: { type: 'setConnection', params: { state: 'RECONNECTING' } },
                  initial: 'network',
                  on: {
                    // The websocket driver: the socket resumed. The trtc-room driver: 1002, the restarted push is up
                    // (after 1021 or 5000 a phone may push again without a new 1018).
                    CONNECTION_RESTORED: 'connected',
                    ENTER_SUCCEEDED: 'connected',
                    REENTER_REQUIRED: { actions: { type: 'toPusher', params: { type: 'RESTART' } } },
                  },
                  states: {
                    /** The network or server went away: bounded by the reconnect deadline. */
                    network: {
                      on: { APP_SUSPENDED: 'suspended' },
                      after: {
                        reconnectTimeout: {
                          target: '#room.active.exiting',
                          actions: [
                            'leaveLocally',
                            { type: 'emitError', params: { code: ErrorCode.RECONNECT_TIMEOUT, message: 'the connection did not come back in time; the room was left' } },
                          ],
                        },
                      },
                    },
                    /** WeChat hung the mini-program up (5000); waits, without a deadline, for the app to show again. */
                    suspended: {
                      on: { APP_SHOWN: { target: 'network', actions: { type: 'toPusher', params: { type: 'APP_SHOWN' } } } },
                    },
                  },
                },
              },
            },
            publication: {
              initial: 'deciding',
              states: {
                deciding: {
                  always: [
                    { guard: ({ context }) => context.params!.autoPublish && context.visible, target: 'publishing' },
                    { target: 'unpublished' },
                  ],
                },
                unpublished: {
                  on: {
                    PUBLISH: [
                      { guard: ({ context }) => context.visible, target: 'publishing', actions: 'trackPublish' },
                      {
                        actions: {
                          type: 'refuseCall',
                          params: { call: 'publish', code: ErrorCode.PUBLISH_NOT_ALLOWED, message: 'an invisible user cannot publish: setUserVisibility(true) first' },
                        },
                      },
                    ],
                    // Already so.
                    UNPUBLISH: { actions: { type: 'confirmAtOnce', params: { call: 'unpublish' } } },
                    // The server refused an unpublish of a published stream: it is still published.
                    UNPUBLISH_UNDONE: 'published',
                  },
                },
                publishing: {
                  entry: { type: 'toSignaling', params: { type: 'PUBLISH' } },
                  on: {
                    // Answered with the publish under way.
                    PUBLISH: { actions: 'trackPublish' },
                    LOCAL_STREAM_PUBLISHED: { target: 'published', actions: { type: 'settlePublishCalls', params: { ok: true } } },
                    LOCAL_STREAM_FAILED: {
                      target: 'unpublished',
                      actions: ['emitLocalStreamFailed', { type: 'settlePublishCalls', params: ({ event }) => ({ ok: false, code: event.code, message: event.reason }) }],
                    },
                    UNPUBLISH: {
                      target: 'unpublished',
                      actions: [
                        { type: 'settlePublishCalls', params: { ok: false, code: ErrorCode.WRONG_STATE, message: 'publish: unpublish() was called before the stream was published' } },
                        { type: 'trackUnpublish', params: { published: false } },
                      ],
                    },
                  },
                },
                published: {
                  on: {
                    // Already so.
                    PUBLISH: { actions: { type: 'confirmAtOnce', params: { call: 'publish' } } },
                    UNPUBLISH: { target: 'unpublished', actions: { type: 'trackUnpublish', params: { published: true } } },
                    LOCAL_STREAM_UNPUBLISHED: 'unpublished',
                    LOCAL_STREAM_FAILED: { target: 'unpublished', actions: 'emitLocalStreamFailed' },
                  },
                },
              },
            },
            players: {
              initial: 'tracking',
              states: {
                tracking: {
                  on: {
                    REMOTE_USERS_JOINED: { actions: { type: 'applyRemotePlan', params: ({ context, event }) => ({ steps: planUsersJoined(context, event.userIDs) }) } },
                    REMOTE_USERS_LEFT: { actions: { type: 'applyRemotePlan', params: ({ context, event }) => ({ steps: planUsersLeft(context, event.userIDs) }) } },
                    REMOTE_USER_LIST: { actions: { type: 'applyRemotePlan', params: ({ context, event }) => ({ steps: planUserList(context, event.userIDs) }) } },
                    REMOTE_STREAM_UPDATED: {
                      actions: {
                        type: 'applyRemotePlan',
                        params: ({ context, event }) => ({ steps: planStreamUpdate(context, event, context.params!.autoSubscribe) }),
                      },
                    },
                    REMOTE_URL_CHANGED: { actions: { type: 'applyRemotePlan', params: ({ context, event }) => ({ steps: planRemoteUrl(context, event) }) } },
                    REMOTE_STREAM_FAILED: {
                      actions: enqueueActions(({ context, event, enqueue }) => {
                        const stream = streamById(context, playerIdOf(event.userID, event.streamType));
                        if (!stream) return;
                        enqueue.assign({ streams: context.streams.map((s) => (s === stream ? { ...s, subscribed: null } : s)) });
                        enqueue.sendTo(stream.ref, { type: 'SUBSCRIBE_FAILED', code: event.code, reason: event.reason });
                      }),
                    },
                    PLAYER_FAILED: {
                      actions: enqueueActions(({ context, event, enqueue }) => {
                        const stream = streamById(context, event.id);
                        if (!stream) return;
                        enqueue.emit({
                          type: 'STREAM_FAILED',
                          userID: stream.userID,
                          streamType: stream.streamType,
                          code: event.code,
                          reason: event.reason,
                          willRetry: event.willRetry,
                          local: false,
                        });
                      }),
                    },
                    PLAYER_RETRY: { actions: { type: 'syncSubscription', params: ({ event }) => ({ id: event.id, force: true }) } },
                    SET_PLAYER_ATTRIBUTES: [
                      {
                        guard: ({ event }) => checkPlayerAttributes(event.attributes) !== null,
                        actions: emit(({ event }) => errorEvent(checkPlayerAttributes(event.attributes)!)),
                      },
                      // muteRemote, subscribe and unsubscribe come here too: an unknown user is answered, not ignored.
                      { guard: 'playerUnknown', actions: { type: 'emitUnknownPlayer', params: ({ event }) => ({ id: event.id, via: event.via }) } },
                      {
                        actions: [
                          { type: 'applyRemotePlan', params: ({ context, event }) => ({ steps: planInfiniteAnchorPull(context, event.id) }) },
                          'sendPlayerAttributes',
                          // setPlayerAttributes (trtc-wx's) follows the player; muteRemote / subscribe / unsubscribe are answered.
                          { type: 'syncSubscription', params: ({ context, event }) => (event.via ? { id: '' } : subscriptionAfter(context, event.id, event.attributes)) },
                          'trackRemoteCall',
                        ],
                      },
                    ],
                    MUTE_REMOTE: {
                      actions: raise(({ event }) => ({
                        type: 'SET_PLAYER_ATTRIBUTES' as const,
                        id: mainIdOf(event),
                        via: 'muteRemote' as const,
                        ...tagOf(event),
                        attributes: {
                          ...(typeof event.audio === 'boolean' ? { muteAudio: event.audio } : {}),
                          ...(typeof event.video === 'boolean' ? { muteVideo: event.video } : {}),
                        },
                      })),
                    },
                    SUBSCRIBE: {
                      actions: raise(({ event }) => ({
                        type: 'SET_PLAYER_ATTRIBUTES' as const,
                        id: mainIdOf(event),
                        via: 'subscribe' as const,
                        ...tagOf(event),
                        attributes: { muteAudio: event.audio === false, muteVideo: event.video === false },
                      })),
                    },
                    UNSUBSCRIBE: {
                      actions: raise(({ event }) => ({
                        type: 'SET_PLAYER_ATTRIBUTES' as const,
                        id: mainIdOf(event),
                        via: 'unsubscribe' as const,
                        ...tagOf(event),
                        attributes: { muteAudio: true, muteVideo: true },
                      })),
                    },
                    SWITCH_STREAM_TYPE: [
                      { guard: 'playerKnown', actions: 'toPlayerById' },
                      { actions: { type: 'emitUnknownPlayer', params: ({ event }) => ({ id: event.id }) } },
                    ],
                    PLAYER: [
                      {
                        guard: ({ context, event }) => !streamById(context, event.id),
                        actions: { type: 'refusePlayerCall', params: ({ event }) => ({ id: event.id, method: event.method, options: event.options }) },
                      },
                      { actions: 'toPlayerById' },
                    ],
                    LIVE_PLAYER_STATUS: {
                      guard: 'playerKnown',
                      actions: [
                        'toPlayerById',
                        sendTo('signaling', ({ event }) => ({ type: 'PLAYER_STATUS' as const, id: event.id!, code: event.code, message: event.message })),
                        emit(({ event }) =>
                          PLAYER_WARNING_CODES.has(event.code)
                            ? { type: 'PLAYER_WARNING' as const, id: event.id, detail: event.detail }
                            : { type: 'REMOTE_STATE_UPDATE' as const, id: event.id!, detail: event.detail },
                        ),
                      ],
                    },
                    LIVE_PLAYER_NET_STATUS: {
                      guard: 'playerKnown',
                      actions: ['toPlayerById', emit(({ context, event }) => ({ type: 'REMOTE_NET_STATE_UPDATE' as const, id: event.id!, view: viewOf(context) }))],
                    },
                    LIVE_PLAYER_AUDIO_VOLUME: {
                      guard: 'playerKnown',
                      actions: ['toPlayerById', emit(({ context, event }) => ({ type: 'REMOTE_AUDIO_VOLUME_UPDATE' as const, id: event.id!, view: viewOf(context) }))],
                    },
                  },
                },
              },
            },
            visibility: {
              initial: 'deciding',
              on: {
                // The server's word is final, including a refusal that puts back the previous visibility.
                VISIBILITY_CHANGED: [
                  { guard: ({ event }) => event.visible, target: '.visible', actions: assign({ visible: true }) },
                  { target: '.invisible', actions: assign({ visible: false }) },
                ],
              },
              states: {
                deciding: { always: [{ guard: ({ context }) => context.visible, target: 'visible' }, { target: 'invisible' }] },
                visible: {},
                invisible: {},
              },
            },
          },
        },
        /** Players and pusher are already stopped; waiting for the server to confirm (bounded). */
        exiting: {
          // Calls still waiting are answered now: the room is left, and what a late refusal would put back is gone.
          entry: ['failPendingCalls', { type: 'toSignaling', params: { type: 'LEAVE' } }],
          on: {
            EXIT_CONFIRMED: { target: '#room.idle', actions: emit({ type: 'LOCAL_LEAVE' }) },
            // Answers still in flight when we left (a publish result) must not give the reset pusher a url.
            LOCAL_URL_READY: {},
            LOCAL_URL_CHANGED: {},
            // Leaving already: a kick changes nothing the page must hear about twice.
            KICKED: { target: '#room.idle', actions: emit({ type: 'LOCAL_LEAVE' }) },
            // A second exitRoom while the first is confirmed: answered at once; the first is answered on confirmation.
            EXIT_ROOM: { actions: 'answerExit' },
            SET_VISIBILITY: { actions: { type: 'refuseCall', params: { call: 'setUserVisibility', code: ErrorCode.WRONG_STATE, message: 'setUserVisibility: the room is being left' } } },
            // Leaving: a new sig has nothing left to enter, and a warning about the old one nobody to warn.
            UPDATE_USER_SIG: { actions: { type: 'refuseUserSig', params: { code: ErrorCode.WRONG_STATE, message: 'updateUserSig: the room is being left' } } },
            USER_SIG_WILL_EXPIRE: {},
            ENTER_ROOM: [
              { guard: 'validEnter', actions: assign({ pendingEnter: ({ event }) => event.params }) },
              { actions: emit(({ event }) => errorEvent((checkEnterParams(event.params) as { error: WxrtcError }).error)) },
            ],
            LIVE_PUSHER_STATUS: { actions: 'forwardPusherStatus' },
          },
          after: { exitTimeout: { target: '#room.idle', actions: emit({ type: 'LOCAL_LEAVE' }) } },
        },
      },
    },
    /** Removed by the server (kick, banned, room-disband): everything is stopped; enterRoom starts over. */
    kicked: {
      entry: [{ type: 'setConnection', params: { state: 'DISCONNECTED' } }, 'failPendingCalls'],
      on: {
        ENTER_ROOM: [
          { guard: 'validEnter', target: 'active', actions: ['ensurePusher', 'enterRoom'] },
          { actions: emit(({ event }) => errorEvent((checkEnterParams(event.params) as { error: WxrtcError }).error)) },
        ],
        PUSHER: [
          { guard: 'isStartCommand', actions: 'refuseStart' },
          { guard: 'hasPusher', actions: sendTo(({ context }) => context.pusher!, ({ event }) => event.command) },
        ],
        // KICKED_OUT said the room is over; the page's exitRoom still gets its LOCAL_LEAVE, as from trtc-wx.
        EXIT_ROOM: { actions: 'answerExit' },
      },
    },
  },
});

/** The type of {@link roomMachine}. */
export type RoomMachine = typeof roomMachine;
/** A running room actor (`trtc.actor`). */
export type RoomActorRef = ActorRefFrom<typeof roomMachine>;
