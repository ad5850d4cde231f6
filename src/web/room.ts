// The web entry's facade: a browser in a wxrtc room. The same room statechart a mini-program runs
// (machines/room.machine.ts) with the same websocket signaling driver on the browser's WebSocket; what
// WeChat's <live-pusher>/<live-player> do there, the stage does here (getUserMedia + MediaRecorder up,
// mpegts.js down). Events and their data are the mini-program SDK's (view/), so a handler written for one
// works for the other. Like the TRTC facade it keeps no state of its own: calls are events for the room.

import { createActor, type AnyActorLogic, type InspectionEvent, type Observer } from 'xstate';
import { ErrorCode, WxrtcError } from '../core/errors';
import { logger } from '../core/log';
import type { PusherAttributes, StreamType } from '../core/attributes';
import type { RetryPolicy } from '../core/retry';
import { createWebSocketSignaling } from '../services/signaling/websocket';
import type { SignalingCommand } from '../services/signaling/types';
import { NetStatsCollector } from '../services/stats';
import { playerMachine } from '../machines/player.machine';
import { pusherMachine } from '../machines/pusher.machine';
import { roomMachine, type RoomActorRef, type RoomEvent } from '../machines/room.machine';
import type { RoomEmitted } from '../machines/room-events';
import { EventDelivery } from '../view/delivery';
import { Emitter } from '../view/emitter';
import { copyOf, eventDataOf } from '../view/event-data';
import { EVENT, type EventHandler } from '../view/events';
import { connectBrowserSocket } from './socket';
import { WebStage } from './stage';
import type { DeviceKind } from './types';

/** What `createWebRoom` takes: who enters which room on which server, and where the videos go. */
export interface WebRoomOptions {
  /** The dev server's signaling url, `ws://host:port/v1/signaling` (what `npm start` prints). */
  serverUrl: string;
  sdkAppId: number;
  userId: string;
  userSig: string;
  /** The room: a number, or `strRoomId`. */
  roomId?: number;
  strRoomId?: string;
  /** A container for the tiles: the local preview first, then one tile (a <video>) per remote stream. */
  video?: HTMLElement | null;
  /** Open the microphone / camera enabled (default true); muteLocal changes it later. */
  audio?: boolean;
  camera?: boolean;
  /** Devices to open (deviceIds from getDevices()); the browser's default otherwise. */
  devices?: Partial<Record<DeviceKind, string>>;
  /** Play every remote stream as it is announced (default true, as trtc-wx 1.1.6+). */
  autoSubscribe?: boolean;
  retry?: RetryPolicy;
  reconnectTimeoutMs?: number;
  exitTimeoutMs?: number;
  /** An XState inspection observer (`createInspector(...).inspect` from 'wxrtc/inspect'). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Replaces the signaling driver (tests); the websocket driver on `serverUrl` otherwise. */
  signaling?: AnyActorLogic;
}

/** The push and play urls a web participant accepts: the server's websocket media bridge. */
export const WEB_URL_SCHEMES: readonly string[] = ['ws', 'wss'];

function check(options: WebRoomOptions): void {
  const fail = (message: string) => {
    throw new WxrtcError(ErrorCode.INVALID_ARGUMENT, `createWebRoom: ${message}`);
  };
  if (typeof options !== 'object' || options === null) fail('options are required');
  if (typeof options.serverUrl !== 'string' || !/^wss?:\/\//.test(options.serverUrl)) fail('serverUrl must be a ws:// or wss:// url');
  if (typeof options.userId !== 'string' || options.userId === '') fail('userId is required');
  if (typeof options.userSig !== 'string' || options.userSig === '') fail('userSig is required');
  if ((options.roomId === undefined) === (options.strRoomId === undefined)) fail('give exactly one of roomId and strRoomId');
}

/**
 * A browser participant: `createWebRoom(options)`, then `await room.enter()`. Events are the mini-program SDK's
 * (`room.on(EVENT.STREAM_ADDED, ({ data }) => ...)`); `getActor()` is the room statechart for the inspector.
 */
export class WebRoom {
  /** The event names, as in the mini-program SDK. */
  static readonly EVENT = EVENT;
  readonly EVENT = EVENT;
  private readonly actor: RoomActorRef;
  private readonly emitter = new Emitter();
  private readonly delivery: EventDelivery;
  private readonly stage: WebStage;
  private readonly unfollow: () => void;
  /** Stream quality for the server, sampled beside the room chart as the TRTC facade does. */
  private readonly netStats: NetStatsCollector;

  constructor(private readonly options: WebRoomOptions) {
    check(options);
    // Component events reach the room on a later turn, as a tag's bindstatechange does.
    this.netStats = new NetStatsCollector({
      self: () => (this.actor.getSnapshot().matches({ active: 'inRoom' }) ? options.userId : null),
      deliver: (sample) => (this.actor.getSnapshot().children.signaling as { send(command: SignalingCommand): void } | undefined)?.send({ type: 'NET_STATS', sample }),
    });
    const stage = new WebStage(options.video ?? null, options.userId, options.devices ?? {}, (event) =>
      setTimeout(() => {
        this.send(event);
        if (event.type === 'LIVE_PUSHER_NET_STATUS') this.netStats.pusher(event.info);
        else if (event.type === 'LIVE_PLAYER_NET_STATUS') this.netStats.player(event.id, event.info);
      }, 0),
    );
    this.stage = stage;
    const machine = roomMachine.provide({
      actors: {
        signaling:
          options.signaling ??
          createWebSocketSignaling({ url: options.serverUrl, connect: connectBrowserSocket, platform: 'web', urlSchemes: WEB_URL_SCHEMES }),
        pusher: pusherMachine.provide({ actors: { livePusherContext: stage.pusherContext } }),
        player: playerMachine.provide({
          actions: {
            callContext: ({ context }, params: { method: string; options?: Record<string, unknown> }) => stage.callPlayer(context.attributes.id, params.method, params.options),
            markContextActive: () => undefined,
            releaseContext: ({ context }) => stage.releasePlayer(context.attributes.id),
            restartContext: ({ context }) => stage.restartPlayer(context.attributes.id),
          },
        }),
      },
    });
    this.actor = createActor(machine, {
      input: {
        page: {},
        autoPull: options.autoSubscribe !== false,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.reconnectTimeoutMs !== undefined ? { reconnectTimeoutMs: options.reconnectTimeoutMs } : {}),
        ...(options.exitTimeoutMs !== undefined ? { exitTimeoutMs: options.exitTimeoutMs } : {}),
      },
      ...(options.inspect ? { inspect: options.inspect } : {}),
    }) as RoomActorRef;
    this.delivery = new EventDelivery(this.actor, (emitted) => this.deliver(emitted));
    this.actor.on('UPDATE_URL', (event) => {
      if (event.local) stage.pushTo(event.url);
    });
    this.actor.start();
    this.unfollow = stage.follow(this.actor);
    this.send({ type: 'CREATE_PUSHER', attributes: { autopush: true, enableMic: options.audio !== false, enableCamera: options.camera !== false } });
  }

  // --- events -----------------------------------------------------------------------------------------------

  /** Listen to an event (`room.on(EVENT.REMOTE_USER_JOIN, handler)`); the handler gets `{ eventCode, data }`. */
  on(code: string, handler: EventHandler, context?: unknown): void {
    this.emitter.on(code, handler, context);
  }

  /** Stop listening: one handler, every handler of an event, or (no arguments) everything. */
  off(code?: string, handler?: EventHandler): void {
    this.emitter.off(code, handler);
  }

  // --- the room ---------------------------------------------------------------------------------------------

  /**
   * Open the camera and microphone, then enter the room. Resolves on LOCAL_JOIN; rejects with the ERROR that
   * stopped it (a bad userSig, the room full ...). A camera that cannot be opened is an ERROR (-1301), not a
   * rejection: the user can still watch and listen.
   */
  async enter(): Promise<void> {
    await this.stage.publisher.capture();
    const { options } = this;
    const joined = this.waitForJoin();
    this.send({
      type: 'ENTER_ROOM',
      params: {
        sdkAppID: options.sdkAppId,
        userID: options.userId,
        userSig: options.userSig,
        ...(options.strRoomId !== undefined ? { strRoomID: options.strRoomId } : { roomID: options.roomId }),
        enableMic: options.audio !== false,
        enableCamera: options.camera !== false,
      },
    });
    return joined;
  }

  /**
   * Leave the room: every player stops, the push ends, and the camera and microphone are closed (the browser's
   * camera light goes off; enter() opens them again). Resolves on LOCAL_LEAVE.
   */
  exit(): Promise<void> {
    const left = new Promise<void>((resolve) => {
      const subscription = this.actor.on('LOCAL_LEAVE', () => {
        subscription.unsubscribe();
        this.stage.publisher.closeDevices();
        resolve();
      });
    });
    this.send({ type: 'EXIT_ROOM' });
    return left;
  }

  /** Publish the local stream again after unpublish(). */
  publish(): void {
    this.send({ type: 'PUBLISH' });
  }

  /** Stop publishing while staying in the room (still watching). */
  unpublish(): void {
    this.send({ type: 'UNPUBLISH' });
    this.stage.publisher.stop();
  }

  /** Disable local audio / video: `true` means disabled (the mini-program SDK's muteLocal). */
  muteLocal(options: { audio?: boolean; video?: boolean }): void {
    this.send({ type: 'MUTE_LOCAL', ...flags(options) });
  }

  /** Stop (true) or start again (false) receiving a remote user's audio / video. */
  muteRemote(userId: string, options: { audio?: boolean; video?: boolean; streamType?: StreamType }): void {
    this.send({ type: 'MUTE_REMOTE', userID: userId, ...flags(options), ...(options.streamType ? { streamType: options.streamType } : {}) });
  }

  /** Visible users count toward the room's 8 visible users; an invisible one cannot publish. */
  setUserVisibility(visible: boolean): void {
    this.send({ type: 'SET_VISIBILITY', visible: visible !== false });
  }

  /** The cameras and microphones this browser offers (labels once the user allowed them). */
  async getDevices(): Promise<Array<{ kind: DeviceKind; deviceId: string; label: string }>> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices
      .filter((d): d is MediaDeviceInfo & { kind: DeviceKind } => d.kind === 'audioinput' || d.kind === 'videoinput')
      .map((d) => ({ kind: d.kind, deviceId: d.deviceId, label: d.label }));
  }

  /** The deviceId in use for each kind. */
  currentDevices(): Partial<Record<DeviceKind, string>> {
    return this.stage.publisher.currentDevices();
  }

  /** Use another camera or microphone; a running push goes on with it (restarted on the same url). */
  switchDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    if (kind !== 'audioinput' && kind !== 'videoinput') return Promise.reject(new WxrtcError(ErrorCode.INVALID_ARGUMENT, `switchDevice: unknown kind ${String(kind)}`));
    return this.stage.publisher.switchDevice(kind, deviceId);
  }

  /** Frames decoded per remote player, bytes pushed: what the call page shows and the tests count. */
  getStats(): ReturnType<WebStage['stats']> {
    return this.stage.stats();
  }

  /** The room statechart: subscribe to it, or hand it to an inspector. */
  getActor(): RoomActorRef {
    return this.actor;
  }

  /** Stop everything, close the devices, remove the tiles. The room is left without waiting for the server. */
  destroy(): void {
    this.emitter.off();
    this.unfollow();
    this.actor.stop();
    this.stage.destroy();
  }

  // --- inside -----------------------------------------------------------------------------------------------

  private send(event: RoomEvent): void {
    this.delivery.send(event);
  }

  private deliver(emitted: RoomEmitted): void {
    // Only callbacks given to a call have a ticket, and this room's calls take none: a refusal is its ERROR.
    if (emitted.type === 'CALL_SETTLED') return;
    if (!this.emitter.has(emitted.type)) {
      if (emitted.type === 'ERROR') logger.warn(`ERROR ${emitted.code} (no ERROR listener): ${emitted.message}`);
      return;
    }
    this.emitter.emit(emitted.type, eventDataOf(emitted, () => this.pusherAttributes()));
  }

  private pusherAttributes(): PusherAttributes {
    const pusher = this.actor.getSnapshot().context.pusher;
    return (pusher ? copyOf(pusher.getSnapshot().context.attributes) : {}) as PusherAttributes;
  }

  private waitForJoin(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        joined.unsubscribe();
        failed.unsubscribe();
        left.unsubscribe();
      };
      const joined = this.actor.on('LOCAL_JOIN', () => {
        done();
        resolve();
      });
      const failed = this.actor.on('ERROR', (error) => {
        // Media errors (a camera that failed) do not stop the entering; signaling refusals do.
        if (error.code < 0 && error.code > -3000) return;
        if (this.actor.getSnapshot().matches({ active: 'inRoom' })) return;
        done();
        reject(new WxrtcError(error.code as never, error.message));
      });
      const left = this.actor.on('LOCAL_LEAVE', () => {
        done();
        reject(new WxrtcError(ErrorCode.WRONG_STATE, 'the room was left before it was entered'));
      });
    });
  }
}

function flags(options: { audio?: boolean; video?: boolean } | undefined): { audio?: boolean; video?: boolean } {
  return {
    ...(typeof options?.audio === 'boolean' ? { audio: options.audio } : {}),
    ...(typeof options?.video === 'boolean' ? { video: options.video } : {}),
  };
}

/** A browser participant for `options`; `await room.enter()` to join. */
export function createWebRoom(options: WebRoomOptions): WebRoom {
  return new WebRoom(options);
}
