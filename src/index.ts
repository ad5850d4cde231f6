// wxrtc's public entry: the trtc-wx compatible facade, the statecharts behind it, and their types.

/**
 * The SDK: the trtc-wx compatible `TRTC` facade (also the default export), the room, pusher and player
 * statecharts behind it, the signaling drivers, events, attributes and error codes.
 * @module wxrtc
 */

export { TRTC, TRTC as default, type TRTCOptions, type TRTCInspectOption, type ComponentEventLike, type CallCallbacks, type CallResult, type CallFailure } from './trtc';
export { EVENT, type EventCode, type EventHandler, type TRTCEvent } from './view/events';
export { ErrorCode, WxrtcError, errorCodeName, type ErrorEventData, type WxrtcErrorCode } from './core/errors';
export { LogLevel } from './core/log';
export { PusherInstance, PlayerInstance } from './instances';
export { userListOf, playerListOf, type RemoteUserEntry } from './view/event-data';
export { bindPage, computePatch, type PageBinding, type PageBindingOptions, type SetDataHost, type JsonValue } from './view/page-binding';

// The statechart API: createActor(roomMachine.provide(...), { input: { page } }).send({ type: 'ENTER_ROOM', params })
export { createActor } from 'xstate';
export { roomMachine, type RoomMachine, type RoomActorRef, type RoomInput, type RoomContext, type RoomEvent, type RoomCommand, type ComponentEvent } from './machines/room.machine';
export { pusherMachine, PusherStatus, type PusherMachine, type PusherEvent, type PusherInput } from './machines/pusher.machine';
export { playerMachine, PlayerStatus, type PlayerMachine, type PlayerEvent, type PlayerInput } from './machines/player.machine';
export type { RoomEmitted, RoomEmittedType, RoomView, RemoteStream, ConnectionState, PlayerRef, ConfirmedCall, CallSettled } from './machines/room-events';
export {
  DEFAULT_PUSHER_ATTRIBUTES,
  DEFAULT_PLAYER_ATTRIBUTES,
  checkPusherAttributes,
  checkPlayerAttributes,
  playerIdOf,
  parsePlayerId,
  type PusherAttributes,
  type PlayerAttributes,
  type StreamType,
} from './core/attributes';
export { checkEnterParams, type EnterDefaults, type EnterRoomParams, type RoomParams, type Scene, type Role } from './core/enter-params';
export { DEFAULT_RETRY_POLICY, FINAL_REFUSAL_CODES, isFinalRefusal, type RetryPolicy } from './core/retry';

// Signaling drivers and services.
export { createWebSocketSignaling, type WebSocketSignalingOptions } from './services/signaling/websocket';
export { Reporter, type ReporterOptions, type ReportedEvent, type ReporterIdentity } from './services/reporter';
export { trtcRoomSignaling, buildRoomUrl, translatePusherStatus, RoomStatus } from './services/signaling/trtc-room';
export type { SignalingCommand, SignalingEvent, SignalingInput, SignalingLogic, KickReason, DriverName } from './services/signaling/types';
