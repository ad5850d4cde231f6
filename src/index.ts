// wxrtc's public entry: the trtc-wx compatible facade and what a page written for it needs. The statecharts
// behind it have their own entry, 'wxrtc/statecharts' (src/statecharts.ts).

/**
 * The SDK: the trtc-wx compatible `TRTC` facade (also the default export), its events, error codes and
 * handles, the attribute and enterRoom types, and the websocket signaling driver for wxrtc's own server.
 * The statechart API (`createActor(roomMachine)`, `bindPage`) is in 'wxrtc/statecharts'.
 * @module wxrtc
 */

export { TRTC, TRTC as default, type TRTCOptions, type TRTCInspectOption, type ComponentEventLike } from './trtc';
export { EVENT, type EventCode, type EventHandler, type TRTCEvent } from './view/events';
export { ErrorCode, WxrtcError, errorCodeName, type ErrorEventData, type WxrtcErrorCode } from './core/errors';
export { LogLevel } from './core/log';
export { PusherInstance, PlayerInstance } from './instances';
export type { PusherAttributes, PlayerAttributes, StreamType } from './core/attributes';
export type { EnterRoomParams, Scene, Role } from './core/enter-params';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './core/retry';
export { createWebSocketSignaling, type WebSocketSignalingOptions } from './services/signaling/websocket';
export type { ReporterOptions, ReportedEvent, ReporterIdentity } from './services/reporter';
