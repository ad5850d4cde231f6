// pusherInstance and playerInstance: what getPusherInstance() / getPlayerInstance(id) return. Each
// method becomes an event for the room (which forwards it to the pusher or player actor); attributes
// are read from the actors' snapshots. Parameters are WeChat's own, passed through untouched.

import { ErrorCode, WxrtcError } from './core/errors';
import type { PlayerAttributes, PusherAttributes } from './core/attributes';
import type { RoomCommand, RoomEvent } from './machines/room.machine';
import type { PusherContextMethod } from './wx/live-pusher';
import type { PlayerContextMethod } from './wx/live-player';
import type { WxCallbacks } from './wx/host';
import { saveImageToAlbum, wxApiError } from './wx/album';

type Options = WxCallbacks | undefined;
type PusherCommand = Extract<RoomCommand, { type: 'PUSHER' }>['command'];

/** snapshot() as trtc-wx does it: take a raw frame, save it to the album, resolve with WeChat's result. */
function snapshotThenSave(call: (options: WxCallbacks) => void): Promise<{ tempImagePath: string }> {
  return new Promise((resolve, reject) => {
    call({
      quality: 'raw',
      success: (result) => {
        const shot = result as { tempImagePath?: string };
        if (!shot?.tempImagePath) {
          reject(new WxrtcError(ErrorCode.INVALID_ARGUMENT, 'snapshot returned no image'));
          return;
        }
        saveImageToAlbum(shot.tempImagePath).then(() => resolve(shot as { tempImagePath: string }), reject);
      },
      fail: (result) => reject(wxApiError(result?.errMsg ?? 'snapshot:fail')),
    });
  });
}

/** Volume params arrive as { volume } or, from some trtc-wx callers, { volume: { volume } }. */
function volumeParams(params: unknown): WxCallbacks {
  const p = (params ?? {}) as { volume?: unknown };
  if (typeof p.volume === 'object' && p.volume !== null && 'volume' in p.volume) return p.volume as WxCallbacks;
  return p as WxCallbacks;
}

/**
 * The local <live-pusher>'s methods, as trtc-wx's `getPusherInstance()` returns them. Each goes through the pusher's
 * statechart, which calls the LivePusherContext when the state allows it.
 */
export class PusherInstance {
  constructor(
    /** Sends to the room the way the facade does (events reach handlers once the room is idle). */
    private readonly toRoom: (event: RoomEvent) => void,
    private readonly readAttributes: () => PusherAttributes,
  ) {}

  /** The attributes to bind to <live-pusher> (a copy). */
  get pusherAttributes(): PusherAttributes {
    return this.readAttributes();
  }

  private send(command: PusherCommand): void {
    this.toRoom({ type: 'PUSHER', command });
  }

  private call(method: PusherContextMethod, options?: Options): void {
    this.send({ type: 'CONTEXT_CALL', method, ...(options ? { options } : {}) });
  }

  /** Start pushing (trtc-wx pages call it in enterRoom's setData callback, once <live-pusher> has the url). */
  start(options?: Options): void {
    this.send({ type: 'START', ...(options ? { options } : {}) });
  }
  /** Stop pushing. */
  stop(options?: Options): void {
    this.send({ type: 'STOP', ...(options ? { options } : {}) });
  }
  /** Pause pushing: the stream stays, frames stop. */
  pause(options?: Options): void {
    this.send({ type: 'PAUSE', ...(options ? { options } : {}) });
  }
  /** Resume a paused push. */
  resume(options?: Options): void {
    this.send({ type: 'RESUME', ...(options ? { options } : {}) });
  }
  /** Show the camera preview without pushing. */
  startPreview(options?: Options): void {
    this.send({ type: 'START_PREVIEW', ...(options ? { options } : {}) });
  }
  /** Stop the camera preview. */
  stopPreview(options?: Options): void {
    this.send({ type: 'STOP_PREVIEW', ...(options ? { options } : {}) });
  }
  /**
   * Flips frontCamera and returns the updated attributes, as trtc-wx does. The argument reaches
   * LivePusherContext.switchCamera exactly as given (Tencent's demo pages pass a plain 'back').
   */
  switchCamera(options?: Options | string): PusherAttributes {
    this.send({ type: 'SWITCH_CAMERA', ...(options !== undefined ? { options: options as Options } : {}) });
    return this.pusherAttributes;
  }
  /** Play background music into the push (`{ url }`); BGM_PLAY_* events follow. */
  playBGM(params: Options): void {
    this.send({ type: 'PLAY_BGM', ...(params ? { options: params } : {}) });
  }
  /** Pause the background music. */
  pauseBGM(options?: Options): void {
    this.send({ type: 'PAUSE_BGM', ...(options ? { options } : {}) });
  }
  /** Resume the background music. */
  resumeBGM(options?: Options): void {
    this.send({ type: 'RESUME_BGM', ...(options ? { options } : {}) });
  }
  /** Stop the background music. */
  stopBGM(options?: Options): void {
    this.send({ type: 'STOP_BGM', ...(options ? { options } : {}) });
  }
  /** Background music volume, `{ volume }` in 0..1. */
  setBGMVolume(params: unknown): void {
    this.call('setBGMVolume', volumeParams(params));
  }
  /** Microphone volume, `{ volume }` in 0..1. */
  setMICVolume(params: unknown): void {
    this.call('setMICVolume', volumeParams(params));
  }
  /** A still of the local camera, as a temporary file. */
  snapshot(): Promise<{ tempImagePath: string }> {
    return snapshotThenSave((options) => this.call('snapshot', options));
  }
  /** Switch the flashlight on or off. */
  toggleTorch(options?: Options): void {
    this.call('toggleTorch', options);
  }
  /** Zoom the camera (`{ zoom }`). */
  setZoom(options: Options): void {
    this.call('setZoom', options);
  }
  /** Send an SEI message inside the stream (`{ msg }`). */
  sendMessage(options: Options): void {
    this.call('sendMessage', options);
  }
  /** Start recording the local audio to a file. */
  startDumpAudio(options?: Options): void {
    this.call('startDumpAudio', options);
  }
  /** Stop recording the local audio. */
  stopDumpAudio(options?: Options): void {
    this.call('stopDumpAudio', options);
  }
  /** Same as TRTC#setPusherAttributes. */
  setPusherAttributes(config: Record<string, unknown>): PusherAttributes {
    this.toRoom({ type: 'SET_PUSHER_ATTRIBUTES', attributes: config });
    return this.pusherAttributes;
  }
}

/**
 * One remote <live-player>'s methods, as trtc-wx's `getPlayerInstance(id)` returns them; calls go through the
 * player's statechart.
 */
export class PlayerInstance {
  constructor(
    /** Sends to the room the way the facade does (events reach handlers once the room is idle). */
    private readonly toRoom: (event: RoomEvent) => void,
    /** The player id, `userID_main` or `userID_aux`. */
    readonly id: string,
    private readonly readAttributes: () => PlayerAttributes | null,
  ) {}

  /** The attributes to bind to this <live-player> (a copy); null once the stream has gone. */
  get playerAttributes(): PlayerAttributes | null {
    return this.readAttributes();
  }

  private call(method: PlayerContextMethod, options?: Options): void {
    this.toRoom({ type: 'PLAYER', id: this.id, method, ...(options ? { options } : {}) });
  }

  private callAsync(method: PlayerContextMethod, options: WxCallbacks = {}): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.call(method, {
        ...options,
        success: resolve,
        fail: (result) => reject(wxApiError(result?.errMsg ?? `${method}:fail`)),
      }),
    );
  }

  /** Start playing. */
  play(options?: Options): void {
    this.call('play', options);
  }
  /** Stop playing. */
  stop(options?: Options): void {
    this.call('stop', options);
  }
  /** Pause playing. */
  pause(options?: Options): void {
    this.call('pause', options);
  }
  /** Resume a paused player. */
  resume(options?: Options): void {
    this.call('resume', options);
  }
  /** Mute this player's sound. */
  mute(options?: Options): void {
    this.call('mute', options);
  }
  /** A still of the remote picture, as a temporary file. */
  snapshot(): Promise<{ tempImagePath: string }> {
    return snapshotThenSave((options) => this.call('snapshot', options));
  }
  /** Enter full screen (`{ direction: 0 | 90 | -90 }`); resolves when WeChat has done it. */
  requestFullScreen(params: { direction?: number } = {}): Promise<unknown> {
    return this.callAsync('requestFullScreen', { direction: params.direction ?? 0 });
  }
  /** Leave full screen; resolves when WeChat has done it. */
  requestExitFullScreen(): Promise<unknown> {
    return this.callAsync('exitFullScreen');
  }
  /** Same as TRTC#setPlayerAttributes for this player. */
  setPlayerAttributes(config: Record<string, unknown>): void {
    this.toRoom({ type: 'SET_PLAYER_ATTRIBUTES', id: this.id, attributes: config });
  }
}
