// 'wxrtc/testing': the headless mini-program runtime, for testing pages in CI where WeChat DevTools cannot
// run <live-pusher>/<live-player>: a `wx` for Node, a Page host, emulated components, media engines.

/**
 * The headless mini-program runtime for Node: run pages (yours, trtc-wx's) with emulated <live-pusher> and
 * <live-player> against the dev server, in CI.
 * @module wxrtc/testing
 */

export { HeadlessWx, HeadlessSocketTask, installWx, type ContextCall, type HeadlessWxOptions } from './wx';
export { createPage, type PageInstance, type SetDataRecord, type ComponentTarget } from './page';
export { loadPageDefinition, type PageDefinition } from './page-definition';
export { applySetData, parseDataPath } from './set-data';
export { HeadlessRuntime, MountedPage, type HeadlessRuntimeOptions, type Bindings } from './runtime';
export { EmulatedLivePusher, EmulatedLivePlayer } from './components';
export { TRTC_WX_PUSHER_BINDING, TRTC_WX_PLAYER_BINDING, trtcWxHandlers, type PusherBinding, type PlayerListBinding } from './bindings';
export { SimulatedMedia, type SimulatedMediaOptions, type MediaEngine, type MediaHandle, type PushRequest, type PullRequest } from './media';
export { RtmpMedia, ffmpegAvailable } from './rtmp-media';
export { RoomClient, RoomRequestError } from './room-client';
export { TrtcRoomEmulation, parseRoomUrl, type RoomUrlParams } from './trtc-room-emulation';
