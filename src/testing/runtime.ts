// The headless mini-program runtime: a `wx` for Node, pages mounted with their <live-pusher>/<live-player>
// bindings, and emulated components that follow page.data and call the page's handlers. Several pages
// (participants) can share one runtime; context calls are routed by the page they were created for.

import { HeadlessWx, type HeadlessWxOptions, type ContextCall } from './wx';
import type { PageInstance } from './page';
import { TRTC_WX_PLAYER_BINDING, TRTC_WX_PUSHER_BINDING, type PlayerListBinding, type PusherBinding } from './bindings';
import { EmulatedLivePlayer, EmulatedLivePusher, playerItemsOf, type ComponentHost } from './components';
import { SimulatedMedia, type MediaEngine } from './media';
import type { TrtcRoomEmulation } from './trtc-room-emulation';

/** Options of {@link HeadlessRuntime}: the headless wx's, plus where room:// pushers enter and how media moves. */
export interface HeadlessRuntimeOptions extends HeadlessWxOptions {
  /** The dev server's ws url: where room:// pushers enter their rooms. */
  signalingUrl?: string;
  /** How components move media; simulated unless given (RtmpMedia runs real streams). */
  media?: MediaEngine;
}

/** A page's WXML bindings for `mount`; trtc-wx's documented ones unless given. */
export interface Bindings {
  pusher?: PusherBinding;
  players?: PlayerListBinding;
}

/** A page with its emulated components: what `runtime.mount(page)` returns. */
export class MountedPage implements ComponentHost {
  /** The page's emulated <live-pusher>. */
  readonly pusher: EmulatedLivePusher;
  /** The page's emulated <live-player>s, by player id. */
  readonly players = new Map<string, EmulatedLivePlayer>();
  private readonly playerBinding: PlayerListBinding;

  constructor(
    /** The page instance. */
    readonly page: PageInstance,
    /** The media engine its components use. */
    readonly media: MediaEngine,
    /** Where its room:// pusher enters rooms (the runtime's signalingUrl). */
    readonly signalingUrl: string | null,
    bindings: Bindings,
  ) {
    this.pusher = new EmulatedLivePusher(this, bindings.pusher ?? TRTC_WX_PUSHER_BINDING);
    this.playerBinding = bindings.players ?? TRTC_WX_PLAYER_BINDING;
  }

  roomOf(): TrtcRoomEmulation | null {
    return this.pusher.roomEmulation;
  }

  /** The emulated <live-player> of a player id, while the page lists it. */
  player(id: string): EmulatedLivePlayer | undefined {
    return this.players.get(id);
  }

  /** Re-render: components follow what page.data now says. */
  sync(): void {
    this.pusher.sync();
    const items = playerItemsOf(this.page, this.playerBinding);
    const present = new Set(items.map((i) => i.id));
    for (const [id, player] of this.players) {
      if (!present.has(id)) {
        player.destroy();
        this.players.delete(id);
      }
    }
    for (const { id, item } of items) {
      let player = this.players.get(id);
      if (!player) {
        player = new EmulatedLivePlayer(this, this.playerBinding, id, item);
        this.players.set(id, player);
      }
      player.update(item);
    }
  }

  /** A context method was called for this page: the component it names reacts. */
  onContextCall(call: ContextCall): void {
    if (call.target === 'pusher') this.pusher.onContextCall(call.method);
    else this.players.get(call.target)?.onContextCall(call.method);
  }

  /** Stop every component (the page went away). */
  unmount(): void {
    this.pusher.destroy();
    for (const player of this.players.values()) player.destroy();
    this.players.clear();
  }
}

/**
 * The headless mini-program runtime: `new HeadlessRuntime(options).install()`, then `mount(createPage(def))` per
 * page; several pages (participants) can share one runtime. `close()` gives everything back.
 */
export class HeadlessRuntime {
  /** The `wx` it installs. */
  readonly wx: HeadlessWx;
  /** The media engine of every mounted page. */
  readonly media: MediaEngine;
  private readonly pages = new Map<object, MountedPage>();
  private previousGlobals: { wx: unknown; getApp: unknown } | null = null;
  private readonly signalingUrl: string | null;

  constructor(options: HeadlessRuntimeOptions = {}) {
    this.wx = new HeadlessWx(options);
    this.media = options.media ?? new SimulatedMedia();
    this.signalingUrl = options.signalingUrl ?? null;
    this.wx.onContextCall((call) => this.route(call));
  }

  /** Make this runtime's wx the global one (the SDK, and trtc-wx.js, call `wx.*`). */
  install(): this {
    const scope = globalThis as Record<string, unknown>;
    this.previousGlobals = { wx: scope.wx, getApp: scope.getApp };
    scope.wx = this.wx;
    scope.getApp = () => ({ globalData: {} });
    return this;
  }

  /** Attach emulated components to a page; every setData re-renders them. */
  mount(page: PageInstance, bindings: Bindings = {}): MountedPage {
    const mounted = new MountedPage(page, this.media, this.signalingUrl, bindings);
    const setData = page.setData.bind(page);
    page.setData = (patch: Record<string, unknown>, callback?: () => void) => {
      setData(patch, callback);
      mounted.sync();
    };
    this.pages.set(page, mounted);
    mounted.sync();
    return mounted;
  }

  /** The mounted page of a page instance. */
  mounted(page: object): MountedPage | undefined {
    return this.pages.get(page);
  }

  /** Unmount every page, close sockets and media, and give the globals back. */
  async close(): Promise<void> {
    for (const mounted of this.pages.values()) mounted.unmount();
    this.pages.clear();
    this.wx.closeAll();
    await this.media.close();
    if (this.previousGlobals) {
      const scope = globalThis as Record<string, unknown>;
      scope.wx = this.previousGlobals.wx;
      scope.getApp = this.previousGlobals.getApp;
      this.previousGlobals = null;
    }
  }

  private route(call: ContextCall): void {
    const target = call.page ? this.pages.get(call.page) : this.pages.size === 1 ? [...this.pages.values()][0] : undefined;
    target?.onContextCall(call);
  }
}
