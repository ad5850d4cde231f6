// The trtc-wx compatible facade. It owns no state: calls become events for the room actor, the room's
// emitted events become EVENT handlers, and what the page binds (pusher, playerList) is read from the
// actors' snapshots. A page written for trtc-wx works unchanged; the statechart is `trtc.actor`.

import { createActor, type InspectionEvent, type Observer } from 'xstate';
import { Emitter } from './view/emitter';
import { EVENT, type EventHandler } from './view/events';
import { copyOf, eventDataOf, playerListOf, reportOf } from './view/event-data';
import { PlayerInstance, PusherInstance } from './instances';
import { logger } from './core/log';
import { ErrorCode, WxrtcError } from './core/errors';
import { playerIdOf, type PlayerAttributes, type PusherAttributes, type StreamType } from './core/attributes';
import type { EnterRoomParams } from './core/enter-params';
import { roomMachine, type RoomActorRef, type RoomEvent, type RoomInput } from './machines/room.machine';
import { EventDelivery } from './view/delivery';
import type { RetryPolicy } from './core/retry';
import type { SignalingCommand, SignalingLogic } from './services/signaling/types';
import { Reporter, type ReporterOptions } from './services/reporter';
import { NetStatsCollector } from './services/stats';
import type { NetStatsSample } from './core/net-stats';
import { roomKeyOf } from './core/enter-params';
import { hasFailCallback, type PageHost } from './wx/host';
import type { CallSettled, ConfirmedCall } from './machines/room-events';
import { bindPage, isSetDataHost, type PageBinding, type PageBindingOptions } from './view/page-binding';

/**
 * Options of `new TRTC(page, options)`: trtc-wx's (`env`, `TUIScene`) and wxrtc's (driver, retries, reporting,
 * inspector).
 */
export interface TRTCOptions {
  /** trtc-wx's option: 'test' quiets the logs. */
  env?: 'prod' | 'test';
  /** trtc-wx's TUIKit scene, reported to Tencent in the room url. */
  TUIScene?: string | number;
  /** 0 log, 1 info, 2 warn (default), 3 error, 4 silent. */
  logLevel?: number;
  /**
   * The signaling driver: Tencent Cloud's trtc-room (default) or our own server,
   * `createWebSocketSignaling({ url })` from 'wxrtc'.
   */
  signaling?: SignalingLogic;
  /**
   * How remote streams are pulled. 'auto' (default, as trtc-wx 1.1.6+): every announced stream is played
   * with audio and video, players start `muteAudio: false, muteVideo: false`. 'manual' (the API document's
   * table): players start muted and nothing is pulled until the page unmutes or subscribes. enterRoom's
   * `autoSubscribe` overrides either for one room.
   */
  pull?: 'auto' | 'manual';
  /** How failed streams are retried (attempts, backoff); {@link DEFAULT_RETRY_POLICY} unless given. */
  retry?: RetryPolicy;
  /** How long a lost connection may take to come back before the room is left (RECONNECT_TIMEOUT). */
  reconnectTimeoutMs?: number;
  /** How long exitRoom waits for the server to confirm before leaving anyway. */
  exitTimeoutMs?: number;
  /** Client event reporting: off unless an endpoint is given. */
  report?: ReporterOptions;
  /**
   * Watch the statecharts live: `createInspector({ url })` from 'wxrtc/inspect' (or its `.inspect`, or any
   * XState inspection observer). Off by default; this file only hands it to createActor.
   */
  inspect?: TRTCInspectOption;
}

/** What `inspect` accepts: an XState inspection observer or callback, or an object carrying one. */
export type TRTCInspectOption = Observer<InspectionEvent> | ((event: InspectionEvent) => void) | { inspect: Observer<InspectionEvent> };

function inspectorOf(option: TRTCInspectOption | undefined): Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined {
  if (option && typeof option === 'object' && 'inspect' in option) return option.inspect;
  return option;
}

/** A <live-pusher>/<live-player> event as WXML delivers it to a page method. */
export interface ComponentEventLike {
  type?: string;
  detail?: Record<string, unknown> & { code?: unknown; message?: unknown; info?: unknown; volume?: unknown };
  currentTarget?: { id?: string; dataset?: Record<string, unknown> };
  target?: { id?: string; dataset?: Record<string, unknown> };
}

function playerIdOfEvent(event: ComponentEventLike | undefined): string | null {
  const candidates = [event?.currentTarget?.dataset?.streamid, event?.target?.dataset?.streamid, event?.currentTarget?.id, event?.target?.id];
  const id = candidates.find((c) => typeof c === 'string' && c.length > 0);
  return typeof id === 'string' ? id : null;
}

/**
 * REMOTE_STATE_UPDATE's data: the seed reads `data.currentTarget.dataset.streamid`, trtc-wx pages read
 * `data.code`; this carries both.
 */
function componentPayload(event: ComponentEventLike): Record<string, unknown> {
  return { ...(event.detail ?? {}), detail: event.detail, currentTarget: event.currentTarget, target: event.target, type: event.type };
}

/**
 * What the page's `success` and `complete` hear when a call took effect: WeChat's `errMsg` (`'muteLocal:ok'`), and
 * the state to bind: `pusher` for muteLocal, `playerList` for muteRemote, subscribe and unsubscribe.
 */
export interface CallResult {
  errMsg: string;
  pusher?: PusherAttributes;
  playerList?: PlayerAttributes[];
}

/**
 * What `fail` and `complete` hear when a call did not take effect: `errCode` from {@link ErrorCode} (or the server's
 * code), and the state after the roll-back to bind again.
 */
export interface CallFailure extends CallResult {
  errCode: number;
}

/**
 * The callbacks every confirmed call accepts (WeChat's convention): `success` once the server confirmed the call (or
 * the driver knows nothing can refuse it), `fail` when it was refused, timed out or could not be made; `complete`
 * after either. Without a `fail`, a failure is an ERROR event carrying `data.call`.
 */
export interface CallCallbacks {
  success?: (result: CallResult) => void;
  fail?: (result: CallFailure) => void;
  complete?: (result: CallResult | CallFailure) => void;
}

function callbacksIn(options: unknown): CallCallbacks | null {
  if (typeof options !== 'object' || options === null) return null;
  const o = options as Record<string, unknown>;
  const picked: CallCallbacks = {
    ...(typeof o.success === 'function' ? { success: o.success as CallCallbacks['success'] } : {}),
    ...(typeof o.fail === 'function' ? { fail: o.fail as CallCallbacks['fail'] } : {}),
    ...(typeof o.complete === 'function' ? { complete: o.complete as CallCallbacks['complete'] } : {}),
  };
  return Object.keys(picked).length > 0 ? picked : null;
}

function guarded<A extends unknown[]>(name: string, body: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      body(...args);
    } catch (error) {
      logger.error(`${name} failed`, error);
    }
  };
}

/**
 * The trtc-wx compatible facade: `new TRTC(page)` in onLoad, then createPusher, enterRoom, the component
 * handlers and `on(EVENT.X, handler)` exactly as trtc-wx's guide writes a page. It keeps no state of its own:
 * calls are events for the room statechart ({@link TRTC.actor}), and what it returns is read from the actors.
 */
export class TRTC {
  /** The event names, as `TRTC.EVENT.LOCAL_JOIN`. */
  static readonly EVENT = EVENT;
  /** The event names, as `this.TRTC.EVENT` in a page. */
  readonly EVENT = EVENT;
  /** The room statechart behind this facade: subscribe to it, or hand it to an inspector. */
  readonly actor: RoomActorRef;
  private readonly emitter = new Emitter();
  private pusherHandle: PusherInstance | null = null;
  private readonly playerHandles = new Map<string, PlayerInstance>();
  private readonly reporter: Reporter | null;
  private readonly delivery: EventDelivery;
  /** Samples each stream's netstatus at most every 2 s, for the server (beside the room chart, not in it). */
  private readonly netStats: NetStatsCollector;
  private binding: PageBinding | null = null;
  /** The callbacks of calls not answered yet, by ticket (CALL_SETTLED names it). */
  private readonly waiting = new Map<number, { call: ConfirmedCall; callbacks: CallCallbacks }>();
  private nextTicket = 1;

  constructor(page: PageHost, options: TRTCOptions = {}) {
    if (typeof options.logLevel === 'number') logger.setLevel(options.logLevel);
    else if (options.env === 'test') logger.setLevel(4);
    const machine = options.signaling ? roomMachine.provide({ actors: { signaling: options.signaling } }) : roomMachine;
    const input: RoomInput = {
      page,
      autoPull: options.pull !== 'manual',
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.reconnectTimeoutMs !== undefined ? { reconnectTimeoutMs: options.reconnectTimeoutMs } : {}),
      ...(options.exitTimeoutMs !== undefined ? { exitTimeoutMs: options.exitTimeoutMs } : {}),
    };
    const inspect = inspectorOf(options.inspect);
    this.actor = createActor(machine, { input, ...(inspect ? { inspect } : {}) }) as RoomActorRef;
    // A handle lives as long as its player: a page that asks for each new user's handle must not keep every
    // user it ever saw. Heard synchronously (not through delivery) so no page call sees a stale entry.
    this.netStats = new NetStatsCollector({ self: () => this.inRoomAs(), deliver: (sample) => this.reportNetStats(sample) });
    this.actor.on('STREAM_REMOVED', (removed) => {
      const id = playerIdOf(removed.userID, removed.streamType);
      this.playerHandles.delete(id);
      this.netStats.forget(id);
    });
    // Leaving the room any other way (kicked, connection lost, float window closed) stops every player at once.
    this.actor.on('LOCAL_LEAVE', () => {
      this.playerHandles.clear();
      this.netStats.clear();
    });
    this.actor.on('KICKED_OUT', () => {
      this.playerHandles.clear();
      this.netStats.clear();
    });
    this.reporter = options.report?.endpoint ? new Reporter(options.report) : null;
    this.delivery = new EventDelivery(this.actor, (emitted) => {
      if (emitted.type === 'CALL_SETTLED') {
        this.settle(emitted);
        return;
      }
      if (this.reporter) this.report(emitted);
      if (!this.emitter.has(emitted.type)) {
        // Pages often register no ERROR listener (trtc-wx's own guide does not): a refused call would be silent.
        if (emitted.type === 'ERROR') logger.warn(`ERROR ${emitted.code} (no ERROR listener): ${emitted.message}`);
        return;
      }
      this.emitter.emit(emitted.type, eventDataOf(emitted, () => this.pusherAttributes()));
    });
    this.actor.start();
  }

  /** Every page call goes to the room through here, so its events reach the handlers once the room is idle. */
  private send(event: RoomEvent): void {
    this.delivery.send(event);
  }

  // --- events -------------------------------------------------------------------------------------------

  /** Listen to an event (`trtc.on(trtc.EVENT.REMOTE_VIDEO_ADD, handler)`); the handler gets `{ eventCode, data }`. */
  on(code: string, handler: EventHandler, context?: unknown): void {
    this.emitter.on(code, handler, context);
  }

  /** Stop listening: one handler, every handler of an event, or (no arguments) everything. */
  off(code?: string, handler?: EventHandler): void {
    this.emitter.off(code, handler);
  }

  // --- room -----------------------------------------------------------------------------------------------

  /** Create the local pusher; returns its instance (`.pusherAttributes` to bind to <live-pusher>). */
  createPusher(attributes: Record<string, unknown> = {}): PusherInstance {
    this.send({ type: 'CREATE_PUSHER', attributes });
    return this.pusherInstance();
  }

  /** Enter a room (created if it does not exist); returns pusherAttributes with the url to bind. */
  enterRoom(params: EnterRoomParams): PusherAttributes {
    this.send({ type: 'ENTER_ROOM', params });
    return this.pusherAttributes();
  }

  /** Stop pushing and playing, leave the room; returns the reset state to bind. */
  exitRoom(): { pusher: PusherAttributes; playerList: PlayerAttributes[] } {
    this.send({ type: 'EXIT_ROOM' });
    this.playerHandles.clear();
    return { pusher: this.pusherAttributes(), playerList: this.getPlayerList() };
  }

  /** The attributes of every remote <live-player>, to bind as the page's `playerList`. */
  getPlayerList(): PlayerAttributes[] {
    return playerListOf(this.actor.getSnapshot().context.streams);
  }

  /**
   * Change pusher attributes (`{ enableMic: false }` ...); returns the whole pusher to bind. Invalid ones are refused
   * with ERROR 7010.
   */
  setPusherAttributes(config: Record<string, unknown>): PusherAttributes {
    this.send({ type: 'SET_PUSHER_ATTRIBUTES', attributes: config });
    return this.pusherAttributes();
  }

  /** The pusher's current attributes (a copy). */
  getPusherAttributes(): PusherAttributes {
    return this.pusherAttributes();
  }

  /**
   * Change one player's attributes; returns the whole updated playerList (as trtc-wx). An unknown id changes nothing
   * and is answered with PLAYER_WARNING `{ code: 7011 }` (UNKNOWN_PLAYER; a warning, not an ERROR: Tencent's
   * trtc-cloud-wx sets a remote view's attributes before its stream arrives).
   */
  setPlayerAttributes(id: string, config: Record<string, unknown>): PlayerAttributes[] {
    this.send({ type: 'SET_PLAYER_ATTRIBUTES', id, attributes: config });
    return this.getPlayerList();
  }

  /** The pusher's methods (start, stop, BGM, preview ...); null before createPusher. */
  getPusherInstance(): PusherInstance | null {
    return this.actor.getSnapshot().context.pusher ? this.pusherInstance() : null;
  }

  /** The instance for one player, or null (with a 7011 warning in the log) when no such player is in the room. */
  getPlayerInstance(id: string): PlayerInstance | null {
    if (!this.streamOf(id)) {
      logger.warn(`getPlayerInstance: no player '${id}' in the room (code ${ErrorCode.UNKNOWN_PLAYER})`);
      return null;
    }
    let handle = this.playerHandles.get(id);
    if (!handle) {
      handle = new PlayerInstance((event) => this.send(event), id, () => {
        const stream = this.streamOf(id);
        return stream ? copyOf(stream.ref.getSnapshot().context.attributes) : null;
      });
      this.playerHandles.set(id, handle);
    }
    return handle;
  }

  /** Toggle a player between the big and the small picture; returns the playerList (an unknown id: PLAYER_WARNING 7011). */
  switchStreamType(id: string): PlayerAttributes[] {
    this.send({ type: 'SWITCH_STREAM_TYPE', id });
    return this.getPlayerList();
  }

  /** 0 log, 1 info, 2 warn, 3 error, 4 silent (see {@link LogLevel}). */
  setLogLevel(level: number): void {
    logger.setLevel(level);
  }

  /**
   * Opt in: the SDK keeps the page's `pusher` and `playerList` data current itself, with path patches and one
   * setData per tick, instead of the page calling setData with whole lists on every event. Returns unbind.
   */
  bindPage(options: PageBindingOptions = {}): () => void {
    const page = this.actor.getSnapshot().context.page;
    if (!isSetDataHost(page)) {
      // A wrong argument is reported, never thrown into the page (nothing is bound; the page keeps its own setData).
      logger.error(`bindPage: the page given to new TRTC(page) has no setData; nothing is bound (code ${ErrorCode.INVALID_ARGUMENT})`);
      return () => undefined;
    }
    this.unbindPage();
    const binding = bindPage(page, this.actor, options);
    this.binding = binding;
    return () => {
      binding.unbind();
      if (this.binding === binding) this.binding = null;
    };
  }

  /** Stop keeping the page's data (what is pending is sent first); the page's setData calls are its own again. */
  unbindPage(): void {
    this.binding?.unbind();
    this.binding = null;
  }

  // --- visibility, business id, mute, explicit publish/subscribe -------------------------------------------
  // Each takes WeChat-style `success` / `fail` / `complete` and says whether it took effect; the return values
  // stay trtc-wx's (what the page binds at once). A refusal or a timeout puts the state back (README: Confirmed calls).

  /** Business id for the server's callbacks; call before enterRoom. `success` once kept, `fail` 7012 / 7020. */
  setBusinessId(businessId: string, callbacks?: CallCallbacks): void {
    this.send({ type: 'SET_BUSINESS_ID', businessId, ...this.ticketFor('setBusinessId', callbacks) });
  }

  /**
   * Visible users count toward the room's 8; invisible (silent) ones, up to 2000, cannot publish. In a room, `success`
   * once the server agreed; `fail` (a limit, 7013 with the trtc-room driver) puts the visibility back.
   */
  setUserVisibility(visible: boolean, callbacks?: CallCallbacks): void {
    this.send({ type: 'SET_VISIBILITY', visible: visible !== false, ...this.ticketFor('setUserVisibility', callbacks) });
  }

  /**
   * Disable local audio / video: `true` means disabled. Returns pusherAttributes at once; `success` when the server
   * told the others, `fail` when it refused or did not answer, and the attributes are put back.
   */
  muteLocal(options: { audio?: boolean; video?: boolean } & CallCallbacks): PusherAttributes {
    this.send({ type: 'MUTE_LOCAL', ...pickFlags(options), ...this.ticketFor('muteLocal', options) });
    return this.pusherAttributes();
  }

  /**
   * Stop receiving a remote user's audio / video: `true` means disabled. Returns playerList at once; `success` /
   * `fail` as muteLocal (a refusal puts the player back). A user who is not in the room is answered with
   * UNKNOWN_PLAYER (7011); so are subscribe and unsubscribe.
   */
  muteRemote(userID: string, options: { audio?: boolean; video?: boolean; streamType?: StreamType } & CallCallbacks): PlayerAttributes[] {
    this.send({
      type: 'MUTE_REMOTE',
      userID,
      ...pickFlags(options),
      ...(options?.streamType ? { streamType: options.streamType } : {}),
      ...this.ticketFor('muteRemote', options),
    });
    return this.getPlayerList();
  }

  /**
   * Publish the local stream again after unpublish (the websocket driver; trtc-room pushers publish on start).
   * `success` once published, `fail` with the server's code (8025 for an invisible user ...).
   */
  publish(callbacks?: CallCallbacks): void {
    this.send({ type: 'PUBLISH', ...this.ticketFor('publish', callbacks) });
  }

  /** Stop publishing the local stream while staying in the room. `success` once the server took it down. */
  unpublish(callbacks?: CallCallbacks): void {
    this.send({ type: 'UNPUBLISH', ...this.ticketFor('unpublish', callbacks) });
  }

  /**
   * Receive a remote user's stream (both tracks unless told otherwise). Returns playerList; `success` once the server
   * gave the stream, `fail` (8023 at the subscription limit ...) puts the player back.
   */
  subscribe(userID: string, options: { audio?: boolean; video?: boolean; streamType?: StreamType } & CallCallbacks = {}): PlayerAttributes[] {
    this.send({
      type: 'SUBSCRIBE',
      userID,
      ...pickFlags(options),
      ...(options.streamType ? { streamType: options.streamType } : {}),
      ...this.ticketFor('subscribe', options),
    });
    return this.getPlayerList();
  }

  /** Stop receiving a remote user's stream; returns playerList. `success` / `fail` as subscribe. */
  unsubscribe(userID: string, options: { streamType?: StreamType } & CallCallbacks = {}): PlayerAttributes[] {
    this.send({ type: 'UNSUBSCRIBE', userID, ...(options.streamType ? { streamType: options.streamType } : {}), ...this.ticketFor('unsubscribe', options) });
    return this.getPlayerList();
  }

  // --- token renewal --------------------------------------------------------------------------------------

  /**
   * Hand the SDK a fresh userSig, typically on USER_SIG_WILL_EXPIRE: every later resume, rejoin (after a server
   * restart) and re-enter uses it. Resolves once it took effect (the websocket driver: the server verified it, for the
   * same sdkAppID and userID, expiring no earlier than the one in use); rejects with a WxrtcError otherwise (WRONG_STATE
   * outside a room, INVALID_USER_SIG, or the server's 8010-8013). The trtc-room driver cannot verify a sig: it takes
   * it as given and puts it in the room url the next time the pusher enters (1021, or a push retried after -1307).
   * Named as Volcengine's updateToken, with Tencent's word for the token; Tencent's own SDKs have no such call (they
   * ask to enter or log in again with a new userSig once it expired).
   */
  updateUserSig(userSig: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.send({
        type: 'UPDATE_USER_SIG',
        userSig,
        reply: (refusal) => {
          if (refusal) {
            reject(new WxrtcError(refusal.code, refusal.message));
            return;
          }
          // Reports are signed with the userSig: from now on with the one that is still valid.
          this.identifyReporter();
          resolve();
        },
      });
    });
  }

  /** Stop everything this instance started (call from the page's onUnload). */
  destroy(): void {
    this.emitter.off();
    // Calls still waiting are answered: the page goes, and their answers with it.
    for (const [ticket, { call }] of [...this.waiting]) {
      this.settle({ type: 'CALL_SETTLED', ticket, call, ok: false, code: ErrorCode.WRONG_STATE, message: 'the TRTC instance was destroyed' });
    }
    // Stopping the room ends the binding too; nothing more goes to a page that is unloading.
    this.binding = null;
    this.actor.stop();
    void this.reporter?.close();
  }

  // --- <live-pusher> / <live-player> event handlers, bound from the page ----------------------------------

  /**
   * For `<live-pusher bindstatechange>`: the status codes (1018 entered, 1031-1034 remote users ...) that drive the
   * room.
   */
  pusherEventHandler = guarded('pusherEventHandler', (event: ComponentEventLike) => {
    const code = Number(event?.detail?.code);
    if (!Number.isFinite(code)) {
      logger.warn(`pusherEventHandler: an event without a numeric detail.code was dropped (code ${ErrorCode.MALFORMED_NOTIFICATION})`);
      return;
    }
    this.send({ type: 'LIVE_PUSHER_STATUS', code, message: String(event.detail?.message ?? '') });
  });

  /** For `<live-pusher bindnetstatus>`: sets `pusher.netStatus`, emits LOCAL_NET_STATE_UPDATE. */
  pusherNetStatusHandler = guarded('pusherNetStatusHandler', (event: ComponentEventLike) => {
    const info = event?.detail?.info;
    if (typeof info !== 'object' || info === null) return;
    this.send({ type: 'LIVE_PUSHER_NET_STATUS', info: info as Record<string, unknown> });
    this.netStats.pusher(info as Record<string, unknown>);
  });

  /** For `<live-pusher binderror>`: camera or mic failures (10001 ...) become ERROR events. */
  pusherErrorHandler = guarded('pusherErrorHandler', (event: ComponentEventLike) => {
    const detail = event?.detail ?? {};
    const code = Number(detail.errCode);
    if (!Number.isFinite(code)) {
      logger.warn(`pusherErrorHandler: an event without a numeric detail.errCode was dropped (code ${ErrorCode.MALFORMED_NOTIFICATION})`);
      return;
    }
    this.send({ type: 'LIVE_PUSHER_ERROR', code, message: String(detail.errMsg ?? '') });
  });

  /** For `<live-pusher bindbgmstart>`: BGM_PLAY_START. */
  pusherBGMStartHandler = guarded('pusherBGMStartHandler', (_event?: ComponentEventLike) => {
    this.send({ type: 'LIVE_PUSHER_BGM_START' });
  });

  /** For `<live-pusher bindbgmprogress>`: BGM_PLAY_PROGRESS. */
  pusherBGMProgressHandler = guarded('pusherBGMProgressHandler', (event: ComponentEventLike) => {
    this.send({ type: 'LIVE_PUSHER_BGM_PROGRESS', progress: event?.detail?.progress, duration: event?.detail?.duration });
  });

  /** For `<live-pusher bindbgmcomplete>`: BGM_PLAY_COMPLETE. */
  pusherBGMCompleteHandler = guarded('pusherBGMCompleteHandler', (_event?: ComponentEventLike) => {
    this.send({ type: 'LIVE_PUSHER_BGM_COMPLETE' });
  });

  /** For `<live-pusher bindaudiovolumenotify>`: LOCAL_AUDIO_VOLUME_UPDATE. */
  pusherAudioVolumeNotify = guarded('pusherAudioVolumeNotify', (event: ComponentEventLike) => {
    const volume = Number(event?.detail?.volume);
    if (Number.isFinite(volume)) this.send({ type: 'LIVE_PUSHER_AUDIO_VOLUME', volume });
  });

  /** For `<live-player bindstatechange>` (with `data-streamid`): the player's status codes, REMOTE_STATE_UPDATE. */
  playerEventHandler = guarded('playerEventHandler', (event: ComponentEventLike) => {
    const code = Number(event?.detail?.code);
    if (!Number.isFinite(code)) return;
    this.send({
      type: 'LIVE_PLAYER_STATUS',
      id: playerIdOfEvent(event),
      code,
      message: String(event.detail?.message ?? ''),
      detail: componentPayload(event),
    });
  });

  /** For `<live-player bindfullscreenchange>`: VIDEO_FULLSCREEN_UPDATE. */
  playerFullscreenChange = guarded('playerFullscreenChange', (event: ComponentEventLike) => {
    this.send({ type: 'LIVE_PLAYER_FULLSCREEN_CHANGE', id: playerIdOfEvent(event), detail: event?.detail });
  });

  /** For `<live-player bindnetstatus>`: sets the player's `netStatus`, emits REMOTE_NET_STATE_UPDATE. */
  playerNetStatus = guarded('playerNetStatus', (event: ComponentEventLike) => {
    const info = event?.detail?.info;
    if (typeof info !== 'object' || info === null) return;
    const id = playerIdOfEvent(event);
    this.send({ type: 'LIVE_PLAYER_NET_STATUS', id, info: info as Record<string, unknown> });
    this.netStats.player(id, info as Record<string, unknown>);
  });

  /** For `<live-player bindaudiovolumenotify>`: REMOTE_AUDIO_VOLUME_UPDATE. */
  playerAudioVolumeNotify = guarded('playerAudioVolumeNotify', (event: ComponentEventLike) => {
    const volume = Number(event?.detail?.volume);
    if (Number.isFinite(volume)) this.send({ type: 'LIVE_PLAYER_AUDIO_VOLUME', id: playerIdOfEvent(event), volume });
  });

  // --- call answers ----------------------------------------------------------------------------------------

  /** A ticket for a call with callbacks; `answered` when it has a `fail` (a refusal then is not an ERROR too). */
  private ticketFor(call: ConfirmedCall, options: unknown): { ticket?: number; answered?: boolean } {
    const callbacks = callbacksIn(options);
    if (!callbacks) return {};
    const ticket = this.nextTicket++;
    this.waiting.set(ticket, { call, callbacks });
    return { ticket, ...(hasFailCallback(callbacks as never) ? { answered: true } : {}) };
  }

  /**
   * The room's answer to one call, to its callbacks, always after the call has returned (never in the middle of
   * it, whether the answer came at once or from the server), with the state as it is then (rolled back on a failure).
   */
  private settle(settled: CallSettled): void {
    const entry = this.waiting.get(settled.ticket);
    if (!entry) return;
    this.waiting.delete(settled.ticket);
    void Promise.resolve().then(() => {
      const call = settled.call;
      const state = call === 'muteLocal' ? { pusher: this.pusherAttributes() } : call === 'muteRemote' || call === 'subscribe' || call === 'unsubscribe' ? { playerList: this.getPlayerList() } : {};
      const { success, fail, complete } = entry.callbacks;
      try {
        if (settled.ok) {
          const result: CallResult = { errMsg: `${call}:ok`, ...state };
          success?.(result);
          complete?.(result);
        } else {
          const result: CallFailure = { errMsg: `${call}:fail ${settled.message}`, errCode: settled.code, ...state };
          fail?.(result);
          complete?.(result);
        }
      } catch (error) {
        // The page's own callback threw: logged, and the room goes on.
        logger.error(`${call} callback failed`, error);
      }
    });
  }

  // --- reading the actors -------------------------------------------------------------------------------

  private report(emitted: Parameters<typeof reportOf>[0]): void {
    const entry = reportOf(emitted, Date.now());
    if (!entry || !this.reporter) return;
    if (emitted.type === 'LOCAL_JOIN') this.identifyReporter();
    this.reporter.record(entry);
    if (emitted.type === 'LOCAL_LEAVE' || emitted.type === 'KICKED_OUT') void this.reporter.flush();
  }

  /** Who the reports are about, signed with the room's current userSig. */
  private identifyReporter(): void {
    const params = this.actor.getSnapshot().context.params;
    if (this.reporter && params) this.reporter.identify({ sdkAppID: params.sdkAppID, userID: params.userID, roomID: roomKeyOf(params), userSig: params.userSig });
  }

  /** The local userID while the room is entered, else null: quality is sampled only in a room. */
  private inRoomAs(): string | null {
    const snapshot = this.actor.getSnapshot();
    return snapshot.matches({ active: 'inRoom' }) ? (snapshot.context.params?.userID ?? null) : null;
  }

  /**
   * One stream quality sample: straight to the signaling driver (websocket sends it to its server, trtc-room
   * ignores it), not through the room chart's events; and to the event reporter when one is configured.
   */
  private reportNetStats(sample: NetStatsSample): void {
    const driver = this.actor.getSnapshot().children.signaling as { send(command: SignalingCommand): void } | undefined;
    driver?.send({ type: 'NET_STATS', sample });
    this.reporter?.record({ ...sample, type: 'NET_STATS' });
  }

  /** A copy of the pusher's attributes; `{}` before any pusher exists (as trtc-wx after a reset). */
  private pusherAttributes(): PusherAttributes {
    const pusher = this.actor.getSnapshot().context.pusher;
    return (pusher ? copyOf(pusher.getSnapshot().context.attributes) : {}) as PusherAttributes;
  }

  private pusherInstance(): PusherInstance {
    this.pusherHandle ??= new PusherInstance((event) => this.send(event), () => this.pusherAttributes());
    return this.pusherHandle;
  }

  private streamOf(id: string) {
    return this.actor.getSnapshot().context.streams.find((s) => s.id === id);
  }
}

function pickFlags(options: { audio?: boolean; video?: boolean } | undefined): { audio?: boolean; video?: boolean } {
  return {
    ...(typeof options?.audio === 'boolean' ? { audio: options.audio } : {}),
    ...(typeof options?.video === 'boolean' ? { video: options.video } : {}),
  };
}

export default TRTC;
