// 'wxrtc/web': a browser in a wxrtc room, on the same room statechart as the mini-program SDK.

/**
 * A browser participant in the dev server's rooms: camera and microphone up (getUserMedia + MediaRecorder over
 * the server's websocket media bridge), remote streams down (WebSocket-FLV with mpegts.js into <video>), the
 * mini-program SDK's events, and the same room statechart (`getActor()`).
 * @module wxrtc/web
 */

export { createWebRoom, WebRoom, WEB_URL_SCHEMES, type WebRoomOptions } from './room';
export { EVENT, type EventCode, type EventHandler, type TRTCEvent } from '../view/events';
export { ErrorCode, WxrtcError, type ErrorEventData } from '../core/errors';
export { RECORDER_MIME_TYPES, recorderMimeType } from './publisher';
export type { PlayerStats } from './player';
export type { DeviceKind } from './types';
