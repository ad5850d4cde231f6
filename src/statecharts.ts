// 'wxrtc/statecharts': the statechart API for pages that drive the room actor themselves, apart from the
// facade's entry so the root export stays what a trtc-wx page needs.

/**
 * The room, pusher and player statecharts behind the `TRTC` facade, with what a page needs to drive them
 * directly: `createActor(roomMachine, { input: { page } }).start()`, then events such as
 * `{ type: 'ENTER_ROOM', params }`. Also the signaling drivers' logic, the attribute and enter-parameter
 * checks and the retry policy the charts use.
 * @module wxrtc/statecharts
 */

export { createActor } from 'xstate';
export { roomMachine, type RoomMachine, type RoomActorRef, type RoomInput, type RoomContext, type RoomEvent, type RoomCommand, type ComponentEvent } from './machines/room.machine';
export { PusherStatus, PlayerStatus, RoomStatus } from './core/status-codes';
export { pusherMachine, type PusherMachine, type PusherEvent, type PusherInput } from './machines/pusher.machine';
export { playerMachine, type PlayerMachine, type PlayerEvent, type PlayerInput } from './machines/player.machine';
export type { RoomEmitted, RoomEmittedType, RoomView, RemoteStream, ConnectionState, PlayerRef } from './machines/room-events';
export { bindPage, computePatch, type PageBinding, type PageBindingOptions, type SetDataHost, type JsonValue } from './view/page-binding';
export { userListOf, playerListOf, type RemoteUserEntry } from './view/event-data';
export { DEFAULT_PUSHER_ATTRIBUTES, DEFAULT_PLAYER_ATTRIBUTES, checkPusherAttributes, checkPlayerAttributes, playerIdOf, parsePlayerId } from './core/attributes';
export { checkEnterParams, type EnterDefaults, type RoomParams } from './core/enter-params';
export { DEFAULT_RETRY_POLICY, FINAL_REFUSAL_CODES, isFinalRefusal } from './core/retry';
export { trtcRoomSignaling, buildRoomUrl, translatePusherStatus } from './services/signaling/trtc-room';
export type { SignalingCommand, SignalingEvent, SignalingInput, SignalingLogic, KickReason, DriverName } from './services/signaling/types';
