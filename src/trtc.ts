// The trtc-wx compatible facade. It owns no state: calls become events for the room actor, the room's
// emitted events become EVENT handlers, and what the page binds (pusher, playerList) is read from the
// actors' snapshots. A page written for trtc-wx works unchanged; the statechart is `trtc.actor`.

import { createActor, type AnyActorLogic } from 'xstate';
import { Emitter } from './emitter';
import { EVENT, type EventHandler } from './events';
import { eventDataOf, playerListOf, reportOf } from './event-data';
import { PlayerInstance, PusherInstance } from './instances';
import { logger } from './log';
import { ErrorCode } from './errors';
import type { PlayerAttributes, PusherAttributes, StreamType } from './machines/attributes';
import type { EnterRoomParams } from './machines/enter-params';
import { roomMachine, type RoomActorRef, type RoomInput } from './machines/room.machine';
import type { RetryPolicy } from './machines/retry';
import { componentOf } from './services/signaling/trtc-room';
import { Reporter, type ReporterOptions } from './services/reporter';
import { roomKeyOf } from './machines/enter-params';
import type { PageHost } from './wx/host';

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
  signaling?: AnyActorLogic;
  retry?: RetryPolicy;
  reconnectTimeoutMs?: number;
  exitTimeoutMs?: number;
  /** Client event reporting: off unless an endpoint is given. */
  report?: ReporterOptions;
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

export class TRTC {
  static readonly EVENT = EVENT;
  readonly EVENT = EVENT;
  /** The room statechart behind this facade: subscribe to it, or hand it to an inspector. */
  readonly actor: RoomActorRef;
  private readonly emitter = new Emitter();
  private pusherHandle: PusherInstance | null = null;
  private readonly playerHandles = new Map<string, PlayerInstance>();
  private readonly reporter: Reporter | null;

  constructor(page: PageHost, options: TRTCOptions = {}) {
    if (typeof options.logLevel === 'number') logger.setLevel(options.logLevel);
    else if (options.env === 'test') logger.setLevel(4);
    const machine = options.signaling ? roomMachine.provide({ actors: { signaling: options.signaling } }) : roomMachine;
    const input: RoomInput = {
      page,
      component: componentOf(options.TUIScene),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.reconnectTimeoutMs !== undefined ? { reconnectTimeoutMs: options.reconnectTimeoutMs } : {}),
      ...(options.exitTimeoutMs !== undefined ? { exitTimeoutMs: options.exitTimeoutMs } : {}),
    };
    this.actor = createActor(machine, { input }) as RoomActorRef;
    this.reporter = options.report?.endpoint ? new Reporter(options.report) : null;
    this.actor.on('*', (emitted) => {
      if (this.reporter) this.report(emitted);
      if (!this.emitter.has(emitted.type)) return;
      this.emitter.emit(emitted.type, eventDataOf(emitted, () => this.pusherAttributes()));
    });
    this.actor.start();
  }

  // --- events -------------------------------------------------------------------------------------------

  on(code: string, handler: EventHandler, context?: unknown): void {
    this.emitter.on(code, handler, context);
  }

  off(code?: string, handler?: EventHandler): void {
    this.emitter.off(code, handler);
  }

  // --- room -----------------------------------------------------------------------------------------------

  /** Create the local pusher; returns its instance (`.pusherAttributes` to bind to <live-pusher>). */
  createPusher(attributes: Record<string, unknown> = {}): PusherInstance {
    this.actor.send({ type: 'CREATE_PUSHER', attributes });
    return this.pusherInstance();
  }

  /** Enter a room (created if it does not exist); returns pusherAttributes with the url to bind. */
  enterRoom(params: EnterRoomParams): PusherAttributes {
    this.actor.send({ type: 'ENTER_ROOM', params });
    return this.pusherAttributes();
  }

  /** Stop pushing and playing, leave the room; returns the reset state to bind. */
  exitRoom(): { pusher: PusherAttributes; playerList: PlayerAttributes[] } {
    this.actor.send({ type: 'EXIT_ROOM' });
    this.playerHandles.clear();
    return { pusher: this.pusherAttributes(), playerList: this.getPlayerList() };
  }

  getPlayerList(): PlayerAttributes[] {
    return playerListOf(this.actor.getSnapshot().context.streams);
  }

  setPusherAttributes(config: Record<string, unknown>): PusherAttributes {
    this.actor.send({ type: 'SET_PUSHER_ATTRIBUTES', attributes: config });
    return this.pusherAttributes();
  }

  getPusherAttributes(): PusherAttributes {
    return this.pusherAttributes();
  }

  /** Change one player's attributes; returns the whole updated playerList. Unknown ids change nothing. */
  setPlayerAttributes(id: string, config: Record<string, unknown>): PlayerAttributes[] {
    this.warnIfUnknown(id, 'setPlayerAttributes');
    this.actor.send({ type: 'SET_PLAYER_ATTRIBUTES', id, attributes: config });
    return this.getPlayerList();
  }

  getPusherInstance(): PusherInstance | null {
    return this.actor.getSnapshot().context.pusher ? this.pusherInstance() : null;
  }

  /** The instance for one player, or null when no such player is in the room. */
  getPlayerInstance(id: string): PlayerInstance | null {
    if (!this.streamOf(id)) {
      this.warnIfUnknown(id, 'getPlayerInstance');
      return null;
    }
    let handle = this.playerHandles.get(id);
    if (!handle) {
      handle = new PlayerInstance(this.actor, id, () => {
        const stream = this.streamOf(id);
        return stream ? { ...stream.ref.getSnapshot().context.attributes } : null;
      });
      this.playerHandles.set(id, handle);
    }
    return handle;
  }

  /** Toggle a player between the big and the small picture; returns the playerList. */
  switchStreamType(id: string): PlayerAttributes[] {
    this.warnIfUnknown(id, 'switchStreamType');
    this.actor.send({ type: 'SWITCH_STREAM_TYPE', id });
    return this.getPlayerList();
  }

  setLogLevel(level: number): void {
    logger.setLevel(level);
  }

  // --- visibility, business id, mute, explicit publish/subscribe -------------------------------------------

  /** Business id for the server's callbacks; call before enterRoom. */
  setBusinessId(businessId: string): void {
    this.actor.send({ type: 'SET_BUSINESS_ID', businessId });
  }

  /** Visible users count toward the room's 8; invisible (silent) ones, up to 2000, cannot publish. */
  setUserVisibility(visible: boolean): void {
    this.actor.send({ type: 'SET_VISIBILITY', visible: visible !== false });
  }

  /** Disable local audio / video: `true` means disabled. Returns pusherAttributes. */
  muteLocal(options: { audio?: boolean; video?: boolean }): PusherAttributes {
    this.actor.send({ type: 'MUTE_LOCAL', ...pickFlags(options) });
    return this.pusherAttributes();
  }

  /** Stop receiving a remote user's audio / video: `true` means disabled. Returns playerList. */
  muteRemote(userID: string, options: { audio?: boolean; video?: boolean; streamType?: StreamType }): PlayerAttributes[] {
    this.actor.send({ type: 'MUTE_REMOTE', userID, ...pickFlags(options), ...(options?.streamType ? { streamType: options.streamType } : {}) });
    return this.getPlayerList();
  }

  publish(): void {
    this.actor.send({ type: 'PUBLISH' });
  }

  unpublish(): void {
    this.actor.send({ type: 'UNPUBLISH' });
  }

  /** Receive a remote user's stream (both tracks unless told otherwise). Returns playerList. */
  subscribe(userID: string, options: { audio?: boolean; video?: boolean; streamType?: StreamType } = {}): PlayerAttributes[] {
    this.actor.send({ type: 'SUBSCRIBE', userID, ...pickFlags(options), ...(options.streamType ? { streamType: options.streamType } : {}) });
    return this.getPlayerList();
  }

  unsubscribe(userID: string, options: { streamType?: StreamType } = {}): PlayerAttributes[] {
    this.actor.send({ type: 'UNSUBSCRIBE', userID, ...(options.streamType ? { streamType: options.streamType } : {}) });
    return this.getPlayerList();
  }

  /** Stop everything this instance started (call from the page's onUnload). */
  destroy(): void {
    this.emitter.off();
    this.actor.stop();
    void this.reporter?.flush().finally(() => this.reporter?.dispose());
  }

  // --- <live-pusher> / <live-player> event handlers, bound from the page ----------------------------------

  pusherEventHandler = guarded('pusherEventHandler', (event: ComponentEventLike) => {
    const code = Number(event?.detail?.code);
    if (!Number.isFinite(code)) {
      logger.warn(`pusherEventHandler: an event without a numeric detail.code was dropped (code ${ErrorCode.MALFORMED_NOTIFICATION})`);
      return;
    }
    this.actor.send({ type: 'LIVE_PUSHER_STATUS', code, message: String(event.detail?.message ?? '') });
  });

  pusherNetStatusHandler = guarded('pusherNetStatusHandler', (event: ComponentEventLike) => {
    const info = event?.detail?.info;
    if (typeof info !== 'object' || info === null) return;
    this.actor.send({ type: 'LIVE_PUSHER_NET_STATUS', info: info as Record<string, unknown> });
  });

  pusherErrorHandler = guarded('pusherErrorHandler', (event: ComponentEventLike) => {
    const detail = event?.detail ?? {};
    const code = Number(detail.errCode);
    if (!Number.isFinite(code)) {
      logger.warn(`pusherErrorHandler: an event without a numeric detail.errCode was dropped (code ${ErrorCode.MALFORMED_NOTIFICATION})`);
      return;
    }
    this.actor.send({ type: 'LIVE_PUSHER_ERROR', code, message: String(detail.errMsg ?? '') });
  });

  pusherBGMStartHandler = guarded('pusherBGMStartHandler', (_event?: ComponentEventLike) => {
    this.actor.send({ type: 'LIVE_PUSHER_BGM_START' });
  });

  pusherBGMProgressHandler = guarded('pusherBGMProgressHandler', (event: ComponentEventLike) => {
    this.actor.send({ type: 'LIVE_PUSHER_BGM_PROGRESS', progress: event?.detail?.progress, duration: event?.detail?.duration });
  });

  pusherBGMCompleteHandler = guarded('pusherBGMCompleteHandler', (_event?: ComponentEventLike) => {
    this.actor.send({ type: 'LIVE_PUSHER_BGM_COMPLETE' });
  });

  pusherAudioVolumeNotify = guarded('pusherAudioVolumeNotify', (event: ComponentEventLike) => {
    const volume = Number(event?.detail?.volume);
    if (Number.isFinite(volume)) this.actor.send({ type: 'LIVE_PUSHER_AUDIO_VOLUME', volume });
  });

  playerEventHandler = guarded('playerEventHandler', (event: ComponentEventLike) => {
    const code = Number(event?.detail?.code);
    if (!Number.isFinite(code)) return;
    this.actor.send({
      type: 'LIVE_PLAYER_STATUS',
      id: playerIdOfEvent(event),
      code,
      message: String(event.detail?.message ?? ''),
      detail: componentPayload(event),
    });
  });

  playerFullscreenChange = guarded('playerFullscreenChange', (event: ComponentEventLike) => {
    this.actor.send({ type: 'LIVE_PLAYER_FULLSCREEN_CHANGE', id: playerIdOfEvent(event), detail: event?.detail });
  });

  playerNetStatus = guarded('playerNetStatus', (event: ComponentEventLike) => {
    const info = event?.detail?.info;
    if (typeof info !== 'object' || info === null) return;
    this.actor.send({ type: 'LIVE_PLAYER_NET_STATUS', id: playerIdOfEvent(event), info: info as Record<string, unknown> });
  });

  playerAudioVolumeNotify = guarded('playerAudioVolumeNotify', (event: ComponentEventLike) => {
    const volume = Number(event?.detail?.volume);
    if (Number.isFinite(volume)) this.actor.send({ type: 'LIVE_PLAYER_AUDIO_VOLUME', id: playerIdOfEvent(event), volume });
  });

  // --- reading the actors -------------------------------------------------------------------------------

  private report(emitted: Parameters<typeof reportOf>[0]): void {
    const entry = reportOf(emitted, Date.now());
    if (!entry || !this.reporter) return;
    const params = this.actor.getSnapshot().context.params;
    if (emitted.type === 'LOCAL_JOIN' && params) {
      this.reporter.identify({ sdkAppID: params.sdkAppID, userID: params.userID, roomID: roomKeyOf(params) });
    }
    this.reporter.record(entry);
    if (emitted.type === 'LOCAL_LEAVE' || emitted.type === 'KICKED_OUT') void this.reporter.flush();
  }

  /** A copy of the pusher's attributes; `{}` before any pusher exists (as trtc-wx after a reset). */
  private pusherAttributes(): PusherAttributes {
    const pusher = this.actor.getSnapshot().context.pusher;
    return (pusher ? { ...pusher.getSnapshot().context.attributes } : {}) as PusherAttributes;
  }

  private pusherInstance(): PusherInstance {
    this.pusherHandle ??= new PusherInstance(this.actor, () => this.pusherAttributes());
    return this.pusherHandle;
  }

  private streamOf(id: string) {
    return this.actor.getSnapshot().context.streams.find((s) => s.id === id);
  }

  private warnIfUnknown(id: string, method: string): void {
    const snapshot = this.actor.getSnapshot();
    if (this.streamOf(id) || snapshot.context.params?.enableinfiniteanchor === 1) return;
    logger.warn(`${method}: no player '${id}' in the room; nothing changed (code ${ErrorCode.UNKNOWN_PLAYER})`);
  }
}

function pickFlags(options: { audio?: boolean; video?: boolean } | undefined): { audio?: boolean; video?: boolean } {
  return {
    ...(typeof options?.audio === 'boolean' ? { audio: options.audio } : {}),
    ...(typeof options?.video === 'boolean' ? { video: options.video } : {}),
  };
}

export default TRTC;
