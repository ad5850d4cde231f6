// What the page's WXML is to a mini-program: the web entry's <live-pusher> and <live-player>s. It follows the
// pusher and player charts' attributes (as src/testing/components.ts does for the headless runtime) and hands
// their status codes back to the room as the component events a page's handlers forward. One tile per
// stream in the container: a <video> and a label.

import { fromCallback } from 'xstate';
import type { PusherAttributes } from '../core/attributes';
import type { PusherContextCommand, PusherContextEvent } from '../wx/live-pusher';
import type { PageHost, WxCallbacks } from '../wx/host';
import type { ComponentEvent, RoomActorRef } from '../machines/room.machine';
import type { RemoteStream } from '../machines/room-events';
import { WebPublisher } from './publisher';
import { WebPlayer, type PlayerStats } from './player';
import type { DeviceKind } from './types';

/** How long a retried player waits for the re-subscription's new url before playing its old one again. */
const RESTART_SETTLE_MS = 500;

/** Where the stage's component events go: the room, on a later turn (as a tag's bindstatechange). */
export type ComponentSink = (event: ComponentEvent) => void;

interface PlayerEntry {
  player: WebPlayer;
  tile: HTMLElement | null;
  unsubscribe: () => void;
}

function callOk(options: WxCallbacks | undefined, method: string): void {
  const result = { errMsg: `${method}:ok` };
  options?.success?.(result);
  options?.complete?.(result);
}

function callFail(options: WxCallbacks | undefined, method: string): void {
  const result = { errMsg: `${method}:fail not available in a browser` };
  options?.fail?.(result);
  options?.complete?.(result);
}

export class WebStage {
  readonly publisher: WebPublisher;
  private readonly players = new Map<string, PlayerEntry>();
  private readonly localTile: HTMLElement | null;
  private pusherUnsubscribe: (() => void) | null = null;
  private followedPusher: unknown = null;
  private followedUrl = '';

  constructor(
    private readonly container: HTMLElement | null,
    private readonly userId: string,
    devices: Partial<Record<DeviceKind, string>>,
    private readonly sink: ComponentSink,
  ) {
    this.localTile = container ? this.makeTile('local', `${userId} (you)`) : null;
    if (this.localTile) container!.prepend(this.localTile);
    this.publisher = new WebPublisher({
      report: (code, message) => this.sink({ type: 'LIVE_PUSHER_STATUS', code, message }),
      netStatus: (info) => this.sink({ type: 'LIVE_PUSHER_NET_STATUS', info }),
      preview: this.localTile?.querySelector('video') ?? null,
      devices,
    });
  }

  /** The pusher chart's <live-pusher> context in a browser: start and stop reach the publisher. */
  readonly pusherContext = fromCallback<PusherContextCommand, { page?: PageHost } | undefined, PusherContextEvent>(({ receive, sendBack }) => {
    receive((command) => {
      if (command.type === 'MARK_ACTIVE') return;
      if (command.type === 'RELEASE') {
        this.publisher.stop();
        return;
      }
      const options = typeof command.options === 'object' && command.options !== null ? command.options : undefined;
      if (this.callPusher(command.method)) callOk(options, command.method);
      else {
        callFail(options, command.method);
        sendBack({ type: 'CONTEXT_CALL_FAILED', method: command.method, errMsg: `${command.method}:fail not available in a browser` });
      }
    });
    return () => this.publisher.stop();
  });

  /** Follow the room: its pusher's attributes, and one player per stream. */
  follow(room: RoomActorRef): () => void {
    const sync = () => this.sync(room);
    const subscription = room.subscribe(sync);
    sync();
    return () => subscription.unsubscribe();
  }

  /** A push url from the server (UPDATE_URL local): push there unless already doing so. */
  pushTo(url: string): void {
    if (url === '' || (this.publisher.pushing && this.publisher.url === url)) return;
    this.followedUrl = url;
    void this.publisher.start(url);
  }

  /** A player context method from the player chart. */
  callPlayer(id: string, method: string, options?: WxCallbacks): void {
    const entry = this.players.get(id);
    if (entry?.player.call(method)) callOk(options, method);
    else callFail(options, method);
  }

  /**
   * The player chart retries: stop, and play again. A retry also subscribes again, and the new url it brings
   * (SET_SRC, within a round trip) starts the player by itself; playing the old url at once as well opened a
   * second socket (and a server ffmpeg) for nothing. So the old url is played again only if no new one came.
   */
  restartPlayer(id: string): void {
    const player = this.players.get(id)?.player;
    if (!player) return;
    player.call('stop');
    setTimeout(() => {
      if (this.players.get(id)?.player === player && !player.loaded) player.call('play');
    }, RESTART_SETTLE_MS);
  }

  /** The player chart lets go of its player (the stream went, the room was left). */
  releasePlayer(id: string): void {
    this.removePlayer(id);
  }

  stats(): { players: PlayerStats[]; publisher: ReturnType<WebPublisher['stats']> & { pushing: boolean } } {
    return {
      players: [...this.players.values()].map((entry) => entry.player.stats()),
      publisher: { ...this.publisher.stats(), pushing: this.publisher.pushing },
    };
  }

  /** Everything stops and the tiles go. */
  destroy(): void {
    this.pusherUnsubscribe?.();
    for (const id of [...this.players.keys()]) this.removePlayer(id);
    this.publisher.destroy();
    this.localTile?.remove();
  }

  private callPusher(method: string): boolean {
    switch (method) {
      case 'start':
        this.followedUrl = '';
        this.syncPusherNow();
        return true;
      case 'stop':
        this.publisher.stop();
        return true;
      case 'switchCamera':
        void this.nextCamera();
        return true;
      case 'startPreview':
        void this.publisher.capture();
        return true;
      default:
        return false;
    }
  }

  private pusherAttributes: (() => PusherAttributes | null) | null = null;

  private sync(room: RoomActorRef): void {
    const context = room.getSnapshot().context;
    if (context.pusher !== this.followedPusher) {
      this.pusherUnsubscribe?.();
      this.followedPusher = context.pusher;
      const pusher = context.pusher;
      this.pusherAttributes = pusher ? () => pusher.getSnapshot().context.attributes : null;
      const subscription = pusher?.subscribe(() => this.syncPusherNow());
      this.pusherUnsubscribe = subscription ? () => subscription.unsubscribe() : null;
      this.syncPusherNow();
    }
    const present = new Set(context.streams.map((s) => s.id));
    for (const id of [...this.players.keys()]) if (!present.has(id)) this.removePlayer(id);
    for (const stream of context.streams) if (!this.players.has(stream.id)) this.addPlayer(stream);
  }

  /** As <live-pusher> follows its attributes: push to a new url (autopush), stop without one, (un)mute. */
  private syncPusherNow(): void {
    const attributes = this.pusherAttributes?.();
    if (!attributes) return;
    const url = attributes.url ?? '';
    this.publisher.setMute({ audio: attributes.enableMic !== true, video: attributes.enableCamera !== true });
    if (url === '') {
      this.followedUrl = '';
      if (this.publisher.pushing) this.publisher.stop();
      return;
    }
    // A url is followed once: after a failure the chart decides (retry: stop + start), not the stage.
    if (url === this.followedUrl || attributes.autopush !== true) return;
    this.followedUrl = url;
    void this.publisher.start(url);
  }

  private addPlayer(stream: RemoteStream): void {
    const tile = this.container ? this.makeTile(stream.id, stream.streamType === 'aux' ? `${stream.userID} (screen)` : stream.userID) : null;
    if (tile) this.container!.append(tile);
    const video = tile?.querySelector('video') ?? document.createElement('video');
    const id = stream.id;
    const target = { id, dataset: { streamid: id } };
    const player = new WebPlayer({
      id,
      video,
      report: (code, message) => this.sink({ type: 'LIVE_PLAYER_STATUS', id, code, message, detail: { code, message, currentTarget: target, target } }),
      netStatus: (info) => this.sink({ type: 'LIVE_PLAYER_NET_STATUS', id, info }),
    });
    const follow = () => {
      const a = stream.ref.getSnapshot().context.attributes;
      player.update({ src: a.src, muteAudio: a.muteAudio, muteVideo: a.muteVideo, hasAudio: a.hasAudio, hasVideo: a.hasVideo, autoplay: a.autoplay });
      tile?.classList.toggle('wxrtc-video-off', !a.hasVideo || a.muteVideo);
    };
    const subscription = stream.ref.subscribe(follow);
    this.players.set(id, { player, tile, unsubscribe: () => subscription.unsubscribe() });
    follow();
  }

  private removePlayer(id: string): void {
    const entry = this.players.get(id);
    if (!entry) return;
    this.players.delete(id);
    entry.unsubscribe();
    entry.player.destroy();
    entry.tile?.remove();
  }

  private makeTile(id: string, label: string): HTMLElement {
    const tile = document.createElement('div');
    tile.className = 'wxrtc-tile';
    tile.dataset.streamId = id;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    const caption = document.createElement('span');
    caption.className = 'wxrtc-tile-label';
    caption.textContent = label;
    tile.append(video, caption);
    return tile;
  }

  private async nextCamera(): Promise<void> {
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    if (cameras.length < 2) return;
    const current = this.publisher.currentDevices().videoinput;
    const next = cameras[(cameras.findIndex((c) => c.deviceId === current) + 1) % cameras.length]!;
    await this.publisher.switchDevice('videoinput', next.deviceId);
  }
}
