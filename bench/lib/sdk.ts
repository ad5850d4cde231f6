// The two SDKs as a mini-program gets them, one CommonJS file each (ours: dist/trtc-wx.js from build.mjs;
// Tencent's: trtc-wx-sdk/trtc-wx.js), and the page code both benchmarks run against them.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const ROOT = process.cwd();
const requireFromRoot = createRequire(join(ROOT, 'package.json'));

export type SdkName = 'ours' | 'trtc-wx';

/** What a page needs from either SDK. */
export interface FacadeLike {
  EVENT: Record<string, string>;
  on(code: string, handler: (event: { eventCode: string; data: any }) => void): void;
  createPusher(attributes: object): { pusherAttributes: Record<string, unknown> };
  enterRoom(params: object): Record<string, unknown>;
  exitRoom(): { pusher: unknown; playerList: unknown[] };
  getPlayerList(): Array<Record<string, unknown>>;
  setPlayerAttributes(id: string, config: object): Array<Record<string, unknown>>;
  setPusherAttributes(config: object): Record<string, unknown>;
  pusherEventHandler(event: object): void;
  pusherNetStatusHandler(event: object): void;
  pusherAudioVolumeNotify(event: object): void;
  playerNetStatus(event: object): void;
  playerAudioVolumeNotify(event: object): void;
  /** Ours only. */
  bindPage?(options?: object): () => void;
  destroy?(): void;
}

export type FacadeClass = new (page: object, options: object) => FacadeLike;

export function loadSdk(name: SdkName): FacadeClass {
  if (name === 'ours') {
    // BENCH_OURS_FILE: measure another build of ours (a what-if: other esbuild target, a trimmed machine ...).
    const file = process.env.BENCH_OURS_FILE ?? join(ROOT, 'dist/trtc-wx.js');
    if (!existsSync(file)) throw new Error('dist/trtc-wx.js is missing: run `node build.mjs`');
    return requireFromRoot(file) as FacadeClass;
  }
  // trtc-wx announces its version on the console when loaded; keep the table readable.
  const info = console.info;
  console.info = () => undefined;
  try {
    return requireFromRoot('trtc-wx-sdk/trtc-wx.js') as FacadeClass;
  } finally {
    console.info = info;
  }
}

export interface PageLike {
  data: Record<string, unknown>;
  setData(patch: Record<string, unknown>): void;
}

/** How the page keeps `pusher` and `playerList`: trtc-wx's documented pattern, or our bindPage. */
export type Sync = 'documented' | 'bindPage';

/**
 * The page logic of trtc-wx's README: unmute each remote track as it is announced, and setData whole values
 * from what every call returns and every event carries. With bindPage the same page makes the same calls but
 * leaves setData to the binding.
 */
export function wirePage(sdk: FacadeLike, page: PageLike, sync: Sync): void {
  const E = sdk.EVENT as Record<string, string>;
  const whole = sync === 'documented';
  if (!whole) sdk.bindPage!();
  const list = (event: { data: any }) => whole && page.setData({ playerList: event.data.playerList });
  const pusher = (event: { data: any }) => whole && page.setData({ pusher: event.data.pusher });
  sdk.on(E.REMOTE_VIDEO_ADD!, (event) => {
    const playerList = sdk.setPlayerAttributes(event.data.player.id, { muteVideo: false });
    if (whole) page.setData({ playerList });
  });
  sdk.on(E.REMOTE_AUDIO_ADD!, (event) => {
    const playerList = sdk.setPlayerAttributes(event.data.player.id, { muteAudio: false });
    if (whole) page.setData({ playerList });
  });
  for (const code of ['REMOTE_USER_JOIN', 'REMOTE_USER_LEAVE', 'REMOTE_VIDEO_REMOVE', 'REMOTE_AUDIO_REMOVE', 'REMOTE_NET_STATE_UPDATE', 'REMOTE_AUDIO_VOLUME_UPDATE']) {
    sdk.on(E[code]!, list);
  }
  sdk.on(E.LOCAL_NET_STATE_UPDATE!, pusher);
  sdk.on(E.LOCAL_AUDIO_VOLUME_UPDATE!, pusher);
}

/** createPusher + enterRoom, with the documented setData of what they return (bindPage: the binding's job). */
export function enter(sdk: FacadeLike, page: PageLike, sync: Sync, params: object): void {
  const created = sdk.createPusher({ enableMic: true, enableCamera: true }).pusherAttributes;
  if (sync === 'documented') page.setData({ pusher: created });
  const entered = sdk.enterRoom(params);
  if (sync === 'documented') page.setData({ pusher: entered });
}

export const ROOM_PARAMS = { sdkAppID: 1400000001, userID: 'me', userSig: 'sig-me', roomID: 1234, enableMic: true, enableCamera: true };

/** One logic-layer turn: the binding's microtask flush runs before the next event is delivered. */
export const tick = (): Promise<void> => Promise.resolve();
/** Everything queued has run (microtasks and immediates): the page's data is final. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
