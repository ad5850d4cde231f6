// A headless participant for end-to-end tests: a page written the way trtc-wx's docs write one (handlers
// bound from WXML, setData of what the SDK returns and what events carry), mounted in a HeadlessRuntime so
// emulated <live-pusher>/<live-player> follow its data, driving a real TRTC facade (ours or Tencent's).

import { createPage, type PageInstance } from '../../src/testing/page';
import { trtcWxHandlers } from '../../src/testing/bindings';
import type { HeadlessRuntime, MountedPage } from '../../src/testing/runtime';
import { TRTC, type TRTCOptions } from '../../src/trtc';

export interface RecordedEvent {
  code: string;
  data: any;
  at: number;
}

/** The subset of the trtc-wx API a page uses; both our TRTC and trtc-wx.js have it. */
export interface FacadeLike {
  EVENT: Record<string, string>;
  on(code: string, handler: (event: { eventCode: string; data: any }) => void, context?: unknown): void;
  createPusher(attributes: object): unknown;
  enterRoom(params: object): Record<string, unknown>;
  exitRoom(): { pusher: unknown; playerList: unknown[] };
  getPlayerList(): Array<Record<string, any>>;
  setPlayerAttributes(id: string, config: object): Array<Record<string, any>>;
  setPusherAttributes(config: object): Record<string, unknown>;
  getPusherInstance(): { start(options?: object): void; pusherAttributes: Record<string, unknown> } | null;
}

export interface ParticipantOptions {
  userID: string;
  /** Our facade options (signaling driver etc.); ignored when `facade` builds a foreign SDK. */
  trtc?: TRTCOptions;
  /** Build the SDK for this page (default: our TRTC with `trtc` options). */
  facade?: (page: PageInstance) => FacadeLike;
  /** Unmute every remote track as it is announced, as trtc-wx's docs do. Default true. */
  autoUnmute?: boolean;
}

export class Participant {
  readonly page: PageInstance;
  readonly sdk: FacadeLike;
  readonly mounted: MountedPage;
  readonly events: RecordedEvent[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(runtime: HeadlessRuntime, readonly options: ParticipantOptions) {
    let sdk: FacadeLike | null = null;
    this.page = createPage({ data: { pusher: {}, playerList: [] }, ...trtcWxHandlers(() => sdk as unknown as Record<string, unknown>) });
    sdk = options.facade ? options.facade(this.page) : (new TRTC(this.page, options.trtc ?? {}) as unknown as FacadeLike);
    this.sdk = sdk;
    this.mounted = runtime.mount(this.page);
    const autoUnmute = options.autoUnmute ?? true;
    for (const code of Object.values(sdk.EVENT)) {
      sdk.on(code, (event) => {
        this.events.push({ code: event.eventCode, data: event.data, at: Date.now() });
        this.onEvent(event.eventCode, event.data, autoUnmute);
        for (const wake of [...this.waiters]) wake();
      });
    }
  }

  get userID(): string {
    return this.options.userID;
  }

  /** Our facade, when this participant runs it. */
  get trtc(): TRTC {
    return this.sdk as unknown as TRTC;
  }

  /** createPusher + enterRoom + setData + start(), exactly as trtc-wx's guide does it. */
  enter(params: Record<string, unknown>, pusher: Record<string, unknown> = { enableMic: true, enableCamera: true }): Record<string, unknown> {
    this.sdk.createPusher({});
    const attributes = this.sdk.enterRoom({ userID: this.userID, ...pusher, ...params });
    this.page.setData({ pusher: attributes }, () => this.sdk.getPusherInstance()?.start());
    return attributes;
  }

  exit(): void {
    const result = this.sdk.exitRoom();
    this.page.setData({ pusher: result.pusher, playerList: result.playerList });
  }

  codes(): string[] {
    return this.events.map((e) => e.code);
  }

  of(code: string): RecordedEvent[] {
    return this.events.filter((e) => e.code === code);
  }

  /** Resolve with the first event (already seen or coming) that matches; reject after `timeoutMs`. */
  waitFor(code: string, match: (data: any) => boolean = () => true, timeoutMs = 5000): Promise<RecordedEvent> {
    const find = () => this.events.find((e) => e.code === code && match(e.data));
    return this.waitUntil(find, `${this.userID}: no ${code} within ${timeoutMs} ms; saw ${this.codes().join(',')}`, timeoutMs);
  }

  /** Resolve once `probe` returns something truthy, re-checked after every event and every 20 ms. */
  waitUntil<T>(probe: () => T | undefined | null | false, message: string, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = probe();
        if (!value) return false;
        cleanup();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(message));
      }, timeoutMs);
      const poll = setInterval(check, 20);
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.waiters.delete(wake);
      };
      const wake = () => void check();
      this.waiters.add(wake);
      check();
    });
  }

  private onEvent(code: string, data: any, autoUnmute: boolean): void {
    const E = this.sdk.EVENT;
    if (autoUnmute && (code === E.REMOTE_VIDEO_ADD || code === E.REMOTE_AUDIO_ADD)) {
      const config = code === E.REMOTE_VIDEO_ADD ? { muteVideo: false } : { muteAudio: false };
      this.page.setData({ playerList: this.sdk.setPlayerAttributes(data.player.id, config) });
      return;
    }
    if (code === E.UPDATE_URL) {
      if (data.local) this.page.setData({ pusher: this.sdk.getPusherInstance()?.pusherAttributes ?? {} });
      else this.page.setData({ playerList: this.sdk.getPlayerList() });
      return;
    }
    if (data && typeof data === 'object' && 'playerList' in data) this.page.setData({ playerList: data.playerList });
    if (data && typeof data === 'object' && 'pusher' in data) this.page.setData({ pusher: data.pusher });
  }
}
