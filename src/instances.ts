// pusherInstance and playerInstance: what getPusherInstance() / getPlayerInstance(id) return. Each
// method becomes an event for the room (which forwards it to the pusher or player actor); attributes
// are read from the actors' snapshots. Parameters are WeChat's own, passed through untouched.

import { ErrorCode, WxrtcError } from './errors';
import type { PlayerAttributes, PusherAttributes } from './machines/attributes';
import type { RoomActorRef, RoomCommand } from './machines/room.machine';
import type { PusherContextMethod } from './wx/live-pusher';
import type { PlayerContextMethod } from './wx/live-player';
import type { WxCallbacks } from './wx/host';
import { saveImageToAlbum } from './wx/album';

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
      fail: (result) => reject(new Error(result?.errMsg ?? 'snapshot:fail')),
    });
  });
}

/** Volume params arrive as { volume } or, from some trtc-wx callers, { volume: { volume } }. */
function volumeParams(params: unknown): WxCallbacks {
  const p = (params ?? {}) as { volume?: unknown };
  if (typeof p.volume === 'object' && p.volume !== null && 'volume' in p.volume) return p.volume as WxCallbacks;
  return p as WxCallbacks;
}

export class PusherInstance {
  constructor(
    private readonly room: RoomActorRef,
    private readonly readAttributes: () => PusherAttributes,
  ) {}

  /** The attributes to bind to <live-pusher> (a copy). */
  get pusherAttributes(): PusherAttributes {
    return this.readAttributes();
  }

  private send(command: PusherCommand): void {
    this.room.send({ type: 'PUSHER', command });
  }

  private call(method: PusherContextMethod, options?: Options): void {
    this.send({ type: 'CONTEXT_CALL', method, ...(options ? { options } : {}) });
  }

  start(options?: Options): void {
    this.send({ type: 'START', ...(options ? { options } : {}) });
  }
  stop(options?: Options): void {
    this.send({ type: 'STOP', ...(options ? { options } : {}) });
  }
  pause(options?: Options): void {
    this.send({ type: 'PAUSE', ...(options ? { options } : {}) });
  }
  resume(options?: Options): void {
    this.send({ type: 'RESUME', ...(options ? { options } : {}) });
  }
  startPreview(options?: Options): void {
    this.send({ type: 'START_PREVIEW', ...(options ? { options } : {}) });
  }
  stopPreview(options?: Options): void {
    this.send({ type: 'STOP_PREVIEW', ...(options ? { options } : {}) });
  }
  /** Flips frontCamera and returns the updated attributes, as trtc-wx does. */
  switchCamera(options?: Options): PusherAttributes {
    this.send({ type: 'SWITCH_CAMERA', ...(options ? { options } : {}) });
    return this.pusherAttributes;
  }
  playBGM(params: Options): void {
    this.send({ type: 'PLAY_BGM', ...(params ? { options: params } : {}) });
  }
  pauseBGM(options?: Options): void {
    this.send({ type: 'PAUSE_BGM', ...(options ? { options } : {}) });
  }
  resumeBGM(options?: Options): void {
    this.send({ type: 'RESUME_BGM', ...(options ? { options } : {}) });
  }
  stopBGM(options?: Options): void {
    this.send({ type: 'STOP_BGM', ...(options ? { options } : {}) });
  }
  setBGMVolume(params: unknown): void {
    this.call('setBGMVolume', volumeParams(params));
  }
  setMICVolume(params: unknown): void {
    this.call('setMICVolume', volumeParams(params));
  }
  snapshot(): Promise<{ tempImagePath: string }> {
    return snapshotThenSave((options) => this.call('snapshot', options));
  }
  toggleTorch(options?: Options): void {
    this.call('toggleTorch', options);
  }
  setZoom(options: Options): void {
    this.call('setZoom', options);
  }
  sendMessage(options: Options): void {
    this.call('sendMessage', options);
  }
  startDumpAudio(options?: Options): void {
    this.call('startDumpAudio', options);
  }
  stopDumpAudio(options?: Options): void {
    this.call('stopDumpAudio', options);
  }
  /** Same as TRTC#setPusherAttributes. */
  setPusherAttributes(config: Record<string, unknown>): PusherAttributes {
    this.room.send({ type: 'SET_PUSHER_ATTRIBUTES', attributes: config });
    return this.pusherAttributes;
  }
}

export class PlayerInstance {
  constructor(
    private readonly room: RoomActorRef,
    readonly id: string,
    private readonly readAttributes: () => PlayerAttributes | null,
  ) {}

  /** The attributes to bind to this <live-player> (a copy); null once the stream has gone. */
  get playerAttributes(): PlayerAttributes | null {
    return this.readAttributes();
  }

  private call(method: PlayerContextMethod, options?: Options): void {
    this.room.send({ type: 'PLAYER', id: this.id, method, ...(options ? { options } : {}) });
  }

  private callAsync(method: PlayerContextMethod, options: WxCallbacks = {}): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.call(method, {
        ...options,
        success: resolve,
        fail: (result) => reject(new Error(result?.errMsg ?? `${method}:fail`)),
      }),
    );
  }

  play(options?: Options): void {
    this.call('play', options);
  }
  stop(options?: Options): void {
    this.call('stop', options);
  }
  pause(options?: Options): void {
    this.call('pause', options);
  }
  resume(options?: Options): void {
    this.call('resume', options);
  }
  mute(options?: Options): void {
    this.call('mute', options);
  }
  snapshot(): Promise<{ tempImagePath: string }> {
    return snapshotThenSave((options) => this.call('snapshot', options));
  }
  requestFullScreen(params: { direction?: number } = {}): Promise<unknown> {
    return this.callAsync('requestFullScreen', { direction: params.direction ?? 0 });
  }
  requestExitFullScreen(): Promise<unknown> {
    return this.callAsync('exitFullScreen');
  }
  /** Same as TRTC#setPlayerAttributes for this player. */
  setPlayerAttributes(config: Record<string, unknown>): void {
    this.room.send({ type: 'SET_PLAYER_ATTRIBUTES', id: this.id, attributes: config });
  }
}
