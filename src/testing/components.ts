// Emulated <live-pusher> and <live-player>: they read their attributes from page.data through the page's
// bindings, do what the real tags do when those change or when their context is called, and report back
// by calling the page's bound methods with WeChat-shaped events. Events are delivered on a later turn,
// never inside the SDK call that caused them, as on a phone.

import type { PageInstance } from './page';
import type { PlayerListBinding, PusherBinding } from './bindings';
import type { MediaEngine, MediaHandle } from './media';
import { parseRoomUrl, TrtcRoomEmulation } from './trtc-room-emulation';
import { parseDataPath } from './set-data';

export interface ComponentHost {
  readonly page: PageInstance;
  readonly media: MediaEngine;
  readonly signalingUrl: string | null;
  /** The page's pusher room emulation, for room:// players. */
  roomOf(): TrtcRoomEmulation | null;
}

function readPath(data: Record<string, unknown>, path: string): unknown {
  let node: unknown = data;
  for (const part of parseDataPath(path)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function deliver(host: ComponentHost, method: string | undefined, detail: Record<string, unknown>, target: { id: string; dataset: Record<string, unknown> }): void {
  if (!method) return;
  setTimeout(() => {
    if (typeof (host.page as Record<string, unknown>)[method] === 'function') host.page.trigger(method, detail, target);
  }, 0);
}

type PusherState = 'idle' | 'pushing' | 'paused';

/**
 * An emulated <live-pusher>: follows the page's bound pusher attributes, pushes through the media engine
 * (or enters a room:// room through the dev server) and reports status codes to the page's handlers.
 */
export class EmulatedLivePusher {
  /** Whether it is pushing now. */
  state: PusherState = 'idle';
  /** Every status code this pusher reported, in order (for assertions). */
  readonly reported: number[] = [];
  private room: TrtcRoomEmulation | null = null;
  private media: MediaHandle | null = null;
  private pushedUrl = '';
  private lastMute: string | null = null;

  constructor(
    private readonly host: ComponentHost,
    /** The page's WXML bindings it follows. */
    readonly binding: PusherBinding,
  ) {}

  /** The pusher attributes the page's data holds now. */
  get attributes(): Record<string, unknown> {
    const value = readPath(this.host.page.data, this.binding.dataPath);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  }

  /** The room a room:// url entered, while pushing one. */
  get roomEmulation(): TrtcRoomEmulation | null {
    return this.room;
  }

  /** Report a status code to the page, as bindstatechange would (on a later turn). */
  report(code: number, message: string): void {
    this.reported.push(code);
    deliver(this.host, this.binding.handlers.statechange, { code, message }, { id: 'pusher', dataset: {} });
  }

  /** Report network figures to the page, as bindnetstatus would. */
  netStatus(info: Record<string, unknown>): void {
    deliver(this.host, this.binding.handlers.netstatus, { info }, { id: 'pusher', dataset: {} });
  }

  /** The page changed its data: follow the bound attributes as the real tag would. */
  sync(): void {
    const attributes = this.attributes;
    const url = typeof attributes.url === 'string' ? attributes.url : '';
    if (this.state !== 'idle' && url !== this.pushedUrl) {
      // A new url (UPDATE_URL) or none at all: the tag stops, and pushes again when it has one.
      this.stopPushing();
      if (url !== '') this.start();
      return;
    }
    if (this.state === 'idle' && url !== '' && attributes.autopush === true) {
      this.start();
      return;
    }
    const mute = JSON.stringify({ audio: attributes.enableMic !== true, video: attributes.enableCamera !== true });
    if (this.room && mute !== this.lastMute) {
      this.lastMute = mute;
      this.room.setMute(JSON.parse(mute) as { audio: boolean; video: boolean });
    }
  }

  /** A LivePusherContext method was called for this page. */
  onContextCall(method: string): void {
    switch (method) {
      case 'start':
        if (this.state === 'idle') this.start();
        break;
      case 'stop':
        this.stopPushing();
        break;
      case 'pause':
        if (this.state === 'pushing') this.state = 'paused';
        break;
      case 'resume':
        if (this.state === 'paused') this.state = 'pushing';
        break;
      case 'playBGM':
        deliver(this.host, this.binding.handlers.bgmstart, {}, { id: 'pusher', dataset: {} });
        break;
      default:
        break;
    }
  }

  /** Test control: background music reached its end. */
  finishBgm(): void {
    deliver(this.host, this.binding.handlers.bgmcomplete, {}, { id: 'pusher', dataset: {} });
  }

  private start(): void {
    const attributes = this.attributes;
    const url = typeof attributes.url === 'string' ? attributes.url : '';
    if (url === '') {
      this.report(-1313, 'push url is empty');
      return;
    }
    this.state = 'pushing';
    this.pushedUrl = url;
    const video = attributes.enableCamera === true;
    const audio = attributes.enableMic === true;
    const roomParams = parseRoomUrl(url);
    if (roomParams) {
      if (!this.host.signalingUrl) {
        this.report(-3301, 'enter room failed: the headless runtime has no signaling url');
        return;
      }
      const room = new TrtcRoomEmulation(this.host.signalingUrl, roomParams, (code, message) => this.report(code, message));
      this.room = room;
      this.lastMute = JSON.stringify({ audio: !audio, video: !video });
      void room.enter({ audio: !audio, video: !video }).then(() => {
        if (this.room === room && room.publishUrl) this.startMedia(room.publishUrl, video, audio);
      });
      return;
    }
    this.startMedia(url, video, audio);
  }

  private startMedia(url: string, video: boolean, audio: boolean): void {
    this.media = this.host.media.push({
      url,
      video,
      audio,
      report: (code, message) => this.report(code, message),
      netStatus: (info) => this.netStatus(info),
    });
  }

  private stopPushing(): void {
    this.media?.stop();
    this.media = null;
    // Stopping a room:// pusher is leaving its room.
    if (this.room) void this.room.leave();
    this.room = null;
    this.state = 'idle';
    this.pushedUrl = '';
  }

  /** The page went away. */
  destroy(): void {
    this.stopPushing();
  }
}

/**
 * An emulated <live-player>: one per item of the page's bound player list; plays while its src is set and a
 * track is unmuted, and reports status codes to the page's handlers.
 */
export class EmulatedLivePlayer {
  /** Every status code this player reported, in order. */
  readonly reported: number[] = [];
  private media: MediaHandle | null = null;
  private playingKey = '';
  private destroyed = false;

  constructor(
    private readonly host: ComponentHost,
    private readonly binding: PlayerListBinding,
    /** The player id (`userID_main`), also its <live-player id> and data-streamid. */
    readonly id: string,
    private item: Record<string, unknown>,
  ) {}

  /** The player's item in the page's data. */
  get attributes(): Record<string, unknown> {
    return this.item;
  }

  /** Whether media is flowing now. */
  get playing(): boolean {
    return this.media !== null;
  }

  /** Report a status code to the page, as bindstatechange would (on a later turn). */
  report(code: number, message: string): void {
    this.reported.push(code);
    deliver(this.host, this.binding.handlers.statechange, { code, message }, { id: this.id, dataset: { streamid: this.id } });
  }

  /** Report network figures to the page, as bindnetstatus would. */
  netStatus(info: Record<string, unknown>): void {
    deliver(this.host, this.binding.handlers.netstatus, { info }, { id: this.id, dataset: { streamid: this.id } });
  }

  /** Test control: the user flipped the phone to full screen (or back). */
  fullscreen(fullScreen: boolean): void {
    deliver(this.host, this.binding.handlers.fullscreenchange, { fullScreen, direction: fullScreen ? 90 : 0 }, { id: this.id, dataset: { streamid: this.id } });
  }

  /** Test control: the player's volume meter ticked. */
  volume(volume: number): void {
    deliver(this.host, this.binding.handlers.audiovolumenotify, { volume }, { id: this.id, dataset: { streamid: this.id } });
  }

  /** The page's item changed: play, stop or switch as the real tag would. */
  update(item: Record<string, unknown>): void {
    this.item = item;
    const src = typeof item.src === 'string' ? item.src : '';
    const wantsVideo = item.muteVideo !== true;
    const wantsAudio = item.muteAudio !== true;
    const shouldPlay = src !== '' && item.autoplay !== false && (wantsVideo || wantsAudio);
    const key = shouldPlay ? `${src}|${wantsVideo}|${wantsAudio}` : '';
    if (key === this.playingKey) return;
    this.stopMedia();
    this.playingKey = key;
    if (shouldPlay) void this.play(src, wantsVideo, wantsAudio);
  }

  /** A LivePlayerContext method was called for this player. */
  onContextCall(method: string): void {
    if (method === 'stop' || method === 'pause') {
      this.stopMedia();
      this.playingKey = '';
    } else if (method === 'play' || method === 'resume') {
      this.playingKey = '';
      this.update(this.item);
    }
  }

  private async play(src: string, video: boolean, audio: boolean): Promise<void> {
    let url = src;
    if (src.startsWith('room://')) {
      const query = new URLSearchParams(src.slice(src.indexOf('?') + 1));
      const room = this.host.roomOf();
      const userID = query.get('userid') ?? '';
      const streamType = query.get('streamtype') === 'aux' ? 'aux' : 'main';
      if (!room || !room.hasStream(userID, streamType)) return; // nothing to play until the stream exists
      try {
        url = await room.pullUrl(userID, streamType);
      } catch {
        this.report(-2301, 'play failed: the stream is not available');
        return;
      }
    }
    if (this.destroyed || this.playingKey === '') return;
    this.media = this.host.media.pull({ url, video, audio, report: (code, message) => this.report(code, message), netStatus: (info) => this.netStatus(info) });
  }

  private stopMedia(): void {
    this.media?.stop();
    this.media = null;
  }

  /** The item left the list (or the page went away): stop for good. */
  destroy(): void {
    this.destroyed = true;
    this.stopMedia();
  }
}

/** The player items a page's data holds under its player-list binding. */
export function playerItemsOf(page: PageInstance, binding: PlayerListBinding): Array<{ id: string; item: Record<string, unknown> }> {
  const list = readPath(page.data, binding.listPath);
  if (!Array.isArray(list)) return [];
  return list
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => ({ id: String(item[binding.idField] ?? ''), item }))
    .filter(({ id }) => id !== '');
}
