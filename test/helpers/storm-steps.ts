// Generated storm steps shared by both storms: facade calls a page makes (valid and invalid), component events its
// tags deliver, and the app going to the background. Each driver's storm adds its own notifications.

import fc from 'fast-check';
import type { TRTC } from '../../src/trtc';
import type { HeadlessWx } from '../../src/testing/wx';

export const REMOTE_USERS = ['bob', 'carol', 'dave', 'eve_2'] as const;
export const PLAYER_IDS = ['bob_main', 'bob_aux', 'carol_main', 'dave_main', 'eve_2_main', 'ghost_main', 'not-an-id', ''] as const;

export const BASE_PARAMS = { sdkAppID: 1400000001, userID: 'alice', userSig: 'sig-alice', roomID: 4321 };

/** enterRoom variants: `valid` says whether checkEnterParams accepts them (the reference needs to know). */
export const ENTER_VARIANTS: ReadonlyArray<{ name: string; valid: boolean; params: unknown }> = [
  { name: 'valid', valid: true, params: BASE_PARAMS },
  { name: 'valid strRoomID, numeric strings', valid: true, params: { ...BASE_PARAMS, sdkAppID: '1400000001', roomID: undefined, strRoomID: 'room-A_1' } },
  { name: 'valid, no auto publish, auto subscribe', valid: true, params: { ...BASE_PARAMS, autoPublish: false, autoSubscribe: true, enableMic: true } },
  { name: 'roomID 0', valid: false, params: { ...BASE_PARAMS, roomID: 0 } },
  { name: 'roomID too big', valid: false, params: { ...BASE_PARAMS, roomID: 4294967295 } },
  { name: 'userID with space', valid: false, params: { ...BASE_PARAMS, userID: 'a b' } },
  { name: 'empty userSig', valid: false, params: { ...BASE_PARAMS, userSig: '  ' } },
  { name: 'sdkAppID not a number', valid: false, params: { ...BASE_PARAMS, sdkAppID: 'abc' } },
  { name: 'bad strRoomID', valid: false, params: { ...BASE_PARAMS, strRoomID: 'has space&x' } },
  { name: 'not an object', valid: false, params: null },
  { name: 'bad scene', valid: false, params: { ...BASE_PARAMS, scene: 'party' } },
  { name: 'autoPublish not boolean', valid: false, params: { ...BASE_PARAMS, autoPublish: 'yes' } },
  { name: 'pusher attribute of the wrong type', valid: false, params: { ...BASE_PARAMS, enableMic: 'on' } },
];

export type FacadeStep =
  | { kind: 'createPusher'; attributes: Record<string, unknown> }
  | { kind: 'enterRoom'; variant: number }
  | { kind: 'exitRoom' }
  | { kind: 'pusherCall'; method: 'start' | 'stop' | 'pause' | 'resume' | 'startPreview' | 'playBGM' | 'stopBGM' | 'switchCamera' }
  | { kind: 'setPusherAttributes'; config: Record<string, unknown> }
  | { kind: 'setPlayerAttributes'; id: string; config: Record<string, unknown> }
  | { kind: 'muteLocal'; audio?: boolean; video?: boolean }
  | { kind: 'muteRemote'; userID: string; audio?: boolean; video?: boolean; streamType?: 'main' | 'aux' }
  | { kind: 'visibility'; visible: boolean }
  | { kind: 'publish' }
  | { kind: 'unpublish' }
  | { kind: 'subscribe'; userID: string }
  | { kind: 'unsubscribe'; userID: string }
  | { kind: 'switchStreamType'; id: string }
  | { kind: 'playerCall'; id: string; method: 'play' | 'stop' | 'snapshot' | 'requestFullScreen' }
  | { kind: 'playerStatus'; id: string; code: number }
  | { kind: 'playerNet'; id: string }
  | { kind: 'playerVolume'; id: string }
  | { kind: 'fullscreen'; id: string }
  | { kind: 'pusherNet' }
  | { kind: 'pusherError'; code: number }
  | { kind: 'pusherVolume' }
  | { kind: 'bgm'; which: 'start' | 'progress' | 'complete' }
  | { kind: 'app'; show: boolean };

const playerId = fc.constantFrom(...PLAYER_IDS);
const userId = fc.constantFrom(...REMOTE_USERS, 'ghost', '');
const optBool = fc.option(fc.boolean(), { nil: undefined });

export const facadeStep: fc.Arbitrary<FacadeStep> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<Record<string, unknown>>({}, { enableMic: true, enableCamera: true }, { autopush: true }, { beautyLevel: 99 }, { enableMic: 1 }).map((attributes) => ({ kind: 'createPusher' as const, attributes })) },
  // Valid enters three times as often as each invalid one, so storms spend most of their steps in a room.
  {
    weight: 6,
    arbitrary: fc
      .oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1, 2) }, { weight: 1, arbitrary: fc.nat({ max: ENTER_VARIANTS.length - 1 }) })
      .map((variant) => ({ kind: 'enterRoom' as const, variant })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'exitRoom' as const }) },
  { weight: 3, arbitrary: fc.constantFrom('start', 'stop', 'pause', 'resume', 'startPreview', 'playBGM', 'stopBGM', 'switchCamera').map((method) => ({ kind: 'pusherCall' as const, method })) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom<Record<string, unknown>>({ enableMic: false }, { enableCamera: true }, { beautyLevel: 5 }, { beautyLevel: 50 }, { frontCamera: 'side' }, { mode: 'RTC', minBitrate: 200 }, { newerAttribute: 1 })
      .map((config) => ({ kind: 'setPusherAttributes' as const, config })),
  },
  {
    weight: 5,
    arbitrary: fc
      .record({ id: playerId, config: fc.constantFrom<Record<string, unknown>>({ muteVideo: false }, { muteAudio: false }, { muteVideo: true, muteAudio: true }, { muteAudio: 'no' }, { id: 'x' }, { objectFit: 'contain' }) })
      .map((r) => ({ kind: 'setPlayerAttributes' as const, ...r })),
  },
  { weight: 1, arbitrary: fc.record({ audio: optBool, video: optBool }).map((r) => ({ kind: 'muteLocal' as const, ...r })) },
  { weight: 2, arbitrary: fc.record({ userID: userId, audio: optBool, video: optBool }).map((r) => ({ kind: 'muteRemote' as const, ...r })) },
  { weight: 1, arbitrary: fc.boolean().map((visible) => ({ kind: 'visibility' as const, visible })) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'publish' as const }, { kind: 'unpublish' as const }) },
  { weight: 2, arbitrary: userId.map((userID) => ({ kind: 'subscribe' as const, userID })) },
  { weight: 1, arbitrary: userId.map((userID) => ({ kind: 'unsubscribe' as const, userID })) },
  { weight: 1, arbitrary: playerId.map((id) => ({ kind: 'switchStreamType' as const, id })) },
  { weight: 1, arbitrary: fc.record({ id: playerId, method: fc.constantFrom('play', 'stop', 'snapshot', 'requestFullScreen') }).map((r) => ({ kind: 'playerCall' as const, ...r })) },
  { weight: 3, arbitrary: fc.record({ id: playerId, code: fc.constantFrom(2001, 2002, 2003, 2004, 2006, 2007, 2026, -2301, -2302, 2105, 6002, 3001) }).map((r) => ({ kind: 'playerStatus' as const, ...r })) },
  { weight: 1, arbitrary: playerId.map((id) => ({ kind: 'playerNet' as const, id })) },
  { weight: 1, arbitrary: playerId.map((id) => ({ kind: 'playerVolume' as const, id })) },
  { weight: 1, arbitrary: playerId.map((id) => ({ kind: 'fullscreen' as const, id })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'pusherNet' as const }) },
  { weight: 1, arbitrary: fc.constantFrom(-1301, -1302, -1307, 10003, 10004).map((code) => ({ kind: 'pusherError' as const, code })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'pusherVolume' as const }) },
  { weight: 1, arbitrary: fc.constantFrom('start', 'progress', 'complete').map((which) => ({ kind: 'bgm' as const, which })) },
  { weight: 1, arbitrary: fc.boolean().map((show) => ({ kind: 'app' as const, show })) },
);

const element = (id: string) => ({ id, dataset: id ? { streamid: id } : {} });

/** Run one facade step the way a page does: through the facade's methods and its bound handlers. */
export function runFacadeStep(trtc: TRTC, wx: HeadlessWx, step: FacadeStep): void {
  switch (step.kind) {
    case 'createPusher':
      trtc.createPusher(step.attributes);
      break;
    case 'enterRoom':
      trtc.enterRoom(ENTER_VARIANTS[step.variant]!.params as never);
      break;
    case 'exitRoom':
      trtc.exitRoom();
      break;
    case 'pusherCall': {
      const pusher = trtc.getPusherInstance();
      if (pusher) (pusher[step.method] as () => unknown).call(pusher);
      break;
    }
    case 'setPusherAttributes':
      trtc.setPusherAttributes(step.config);
      break;
    case 'setPlayerAttributes':
      trtc.setPlayerAttributes(step.id, step.config);
      break;
    case 'muteLocal':
      trtc.muteLocal({ ...(step.audio !== undefined ? { audio: step.audio } : {}), ...(step.video !== undefined ? { video: step.video } : {}) });
      break;
    case 'muteRemote':
      trtc.muteRemote(step.userID, { ...(step.audio !== undefined ? { audio: step.audio } : {}), ...(step.video !== undefined ? { video: step.video } : {}) });
      break;
    case 'visibility':
      trtc.setUserVisibility(step.visible);
      break;
    case 'publish':
      trtc.publish();
      break;
    case 'unpublish':
      trtc.unpublish();
      break;
    case 'subscribe':
      trtc.subscribe(step.userID);
      break;
    case 'unsubscribe':
      trtc.unsubscribe(step.userID);
      break;
    case 'switchStreamType':
      trtc.switchStreamType(step.id);
      break;
    case 'playerCall': {
      const player = trtc.getPlayerInstance(step.id);
      // A promise the page would await may reject (a gone player): the page catches it, so do we.
      const result: unknown = player ? (player[step.method] as () => unknown).call(player) : undefined;
      if (result instanceof Promise) void result.catch(() => undefined);
      break;
    }
    case 'playerStatus':
      trtc.playerEventHandler({ type: 'statechange', detail: { code: step.code, message: `player ${step.code}` }, currentTarget: element(step.id), target: element(step.id) });
      break;
    case 'playerNet':
      trtc.playerNetStatus({ type: 'netstatus', detail: { info: { videoBitrate: 400 } }, currentTarget: element(step.id), target: element(step.id) });
      break;
    case 'playerVolume':
      trtc.playerAudioVolumeNotify({ type: 'audiovolumenotify', detail: { volume: 33 }, currentTarget: element(step.id), target: element(step.id) });
      break;
    case 'fullscreen':
      trtc.playerFullscreenChange({ type: 'fullscreenchange', detail: { fullScreen: true, direction: 90 }, currentTarget: element(step.id), target: element(step.id) });
      break;
    case 'pusherNet':
      trtc.pusherNetStatusHandler({ type: 'netstatus', detail: { info: { videoBitrate: 900 } } });
      break;
    case 'pusherError':
      trtc.pusherErrorHandler({ type: 'error', detail: { errCode: step.code, errMsg: `error ${step.code}` } });
      break;
    case 'pusherVolume':
      trtc.pusherAudioVolumeNotify({ type: 'audiovolumenotify', detail: { volume: 12 } });
      break;
    case 'bgm':
      if (step.which === 'start') trtc.pusherBGMStartHandler({});
      else if (step.which === 'progress') trtc.pusherBGMProgressHandler({ detail: { progress: 3, duration: 30 } });
      else trtc.pusherBGMCompleteHandler({});
      break;
    case 'app':
      if (step.show) wx.showApp();
      else wx.hideApp();
      break;
  }
}

/** The seed for a storm: fixed by default so CI is reproducible, STORM_SEED to explore. */
export function stormSeed(offset: number): number {
  const fromEnv = Number(process.env.STORM_SEED);
  return (Number.isSafeInteger(fromEnv) ? fromEnv : 20261101) + offset;
}

/** STORM_SCALE scales the number of runs (1 = the CI budget of >= 100,000 steps over both storms). */
export function stormScale(): number {
  const fromEnv = Number(process.env.STORM_SCALE);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 1;
}
