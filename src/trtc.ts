// The trtc-wx compatible facade. It owns no state: calls become events for the room actor, the room's
// emitted events become EVENT handlers, and what the page binds (pusher, playerList) is read from the
// actors' snapshots. A page written for trtc-wx works unchanged; the statechart is `trtc.actor`.

import { createActor, type InspectionEvent, type Observer } from 'xstate';
import { Emitter } from './view/emitter';
import { EVENT, type EventHandler } from './view/events';
import { copyOf, eventDataOf, playerListOf, reportOf } from './view/event-data';
import { PlayerInstance, PusherInstance } from './instances';
import { logger } from './core/log';
import { ErrorCode } from './core/errors';
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
import type { PageHost } from './wx/host';
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

  /** Business id for the server's callbacks; call before enterRoom. */
  setBusinessId(businessId: string): void {
    this.send({ type: 'SET_BUSINESS_ID', businessId });
  }

  /** Visible users count toward the room's 8; invisible (silent) ones, up to 2000, cannot publish. */
  setUserVisibility(visible: boolean): void {
    this.send({ type: 'SET_VISIBILITY', visible: visible !== false });
  }

  /** Disable local audio / video: `true` means disabled. Returns pusherAttributes. */
  muteLocal(options: { audio?: boolean; video?: boolean }): PusherAttributes {
    this.send({ type: 'MUTE_LOCAL', ...pickFlags(options) });
    return this.pusherAttributes();
  }

  /**
   * Stop receiving a remote user's audio / video: `true` means disabled. Returns playerList. A user who is not in the
   * room is answered with ERROR UNKNOWN_PLAYER (7011); so are subscribe and unsubscribe.
   */
  muteRemote(userID: string, options: { audio?: boolean; video?: boolean; streamType?: StreamType }): PlayerAttributes[] {
    this.send({ type: 'MUTE_REMOTE', userID, ...pickFlags(options), ...(options?.streamType ? { streamType: options.streamType } : {}) });
    return this.getPlayerList();
  }

  /** Publish the local stream again after unpublish (the websocket driver; trtc-room pushers publish on start). */
  publish(): void {
    this.send({ type: 'PUBLISH' });
  }

  /** Stop publishing the local stream while staying in the room. */
  unpublish(): void {
    this.send({ type: 'UNPUBLISH' });
  }

  /** Receive a remote user's stream (both tracks unless told otherwise). Returns playerList. */
  subscribe(userID: string, options: { audio?: boolean; video?: boolean; streamType?: StreamType } = {}): PlayerAttributes[] {
    this.send({ type: 'SUBSCRIBE', userID, ...pickFlags(options), ...(options.streamType ? { streamType: options.streamType } : {}) });
    return this.getPlayerList();
  }

  /** Stop receiving a remote user's stream; returns playerList. */
  unsubscribe(userID: string, options: { streamType?: StreamType } = {}): PlayerAttributes[] {
    this.send({ type: 'UNSUBSCRIBE', userID, ...(options.streamType ? { streamType: options.streamType } : {}) });
    return this.getPlayerList();
  }

  /** Stop everything this instance started (call from the page's onUnload). */
  destroy(): void {
    this.emitter.off();
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

  // --- reading the actors -------------------------------------------------------------------------------

  private report(emitted: Parameters<typeof reportOf>[0]): void {
    const entry = reportOf(emitted, Date.now());
    if (!entry || !this.reporter) return;
    const params = this.actor.getSnapshot().context.params;
    if (emitted.type === 'LOCAL_JOIN' && params) {
      this.reporter.identify({ sdkAppID: params.sdkAppID, userID: params.userID, roomID: roomKeyOf(params), userSig: params.userSig });
    }
    this.reporter.record(entry);
    if (emitted.type === 'LOCAL_LEAVE' || emitted.type === 'KICKED_OUT') void this.reporter.flush();
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
