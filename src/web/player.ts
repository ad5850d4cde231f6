// The browser's <live-player>: one per remote stream, playing the play url the server gave (a WebSocket-FLV
// stream, ws://…/v1/media/web/play/…) with mpegts.js into a <video>. It follows the player attributes the
// player chart keeps (src, muteAudio, muteVideo, hasVideo) as the tag follows its WXML, and reports
// <live-player>'s status codes: 2001 connected, 2002 begin, 2003 first video frame, 2004 playing, 2007
// loading, 2006 ended, -2301 disconnected.

import mpegts from 'mpegts.js';
import { PlaySocketLoader } from './socket-loader';
import type { NetStatusReport, StatusReport } from './types';

const NET_STATUS_MS = 2_000;

/** The attributes a player follows: the player chart's `attributes`, as the page would bind them. */
export interface PlayerView {
  src: string;
  muteAudio: boolean;
  muteVideo: boolean;
  hasVideo: boolean;
  hasAudio: boolean;
  autoplay?: boolean;
}

/** Decoded-frame figures of one player, for the page and the tests. */
export interface PlayerStats {
  id: string;
  src: string;
  playing: boolean;
  /** Frames the <video> has decoded since this player was created (across reloads). */
  frames: number;
}

export interface PlayerOptions {
  id: string;
  /** The tile's <video>; the player owns what it plays. */
  video: HTMLVideoElement;
  report: StatusReport;
  netStatus: NetStatusReport;
}

type Mpegts = ReturnType<typeof mpegts.createPlayer>;

export class WebPlayer {
  private player: Mpegts | null = null;
  private playingKey = '';
  private view: PlayerView | null = null;
  private netTimer: ReturnType<typeof setInterval> | null = null;
  /** Frames decoded by earlier loads: a reload resets the element's count. */
  private framesBefore = 0;
  private generation = 0;
  private destroyed = false;

  constructor(private readonly options: PlayerOptions) {
    const { video } = options;
    video.autoplay = true;
    video.playsInline = true;
    video.dataset.playerId = options.id;
  }

  /** Frames decoded so far, and whether media is flowing. */
  stats(): PlayerStats {
    return { id: this.options.id, src: this.view?.src ?? '', playing: this.player !== null, frames: this.framesBefore + this.frameCount() };
  }

  /** The chart's attributes changed: play, stop, reload or (un)mute as <live-player> would. */
  update(view: PlayerView): void {
    this.view = view;
    const { video } = this.options;
    // A muted track stays in the stream: hiding or silencing it is immediate, and unmuting needs no reload.
    video.muted = view.muteAudio || !view.hasAudio;
    video.style.visibility = view.muteVideo || !view.hasVideo ? 'hidden' : 'visible';
    const shouldPlay = view.src !== '' && view.autoplay !== false && (!view.muteAudio || !view.muteVideo);
    const key = shouldPlay ? view.src : '';
    if (key === this.playingKey) return;
    this.unload();
    this.playingKey = key;
    if (shouldPlay) this.load(view.src);
  }

  /** A LivePlayerContext method (play, stop, pause, resume, mute ...) for this player. */
  call(method: string): boolean {
    const { video } = this.options;
    switch (method) {
      case 'stop':
        this.unload();
        this.playingKey = '';
        return true;
      case 'play':
        this.playingKey = '';
        if (this.view) this.update(this.view);
        return true;
      case 'pause':
        video.pause();
        return true;
      case 'resume':
        void video.play().catch(() => undefined);
        return true;
      case 'mute':
        video.muted = true;
        return true;
      case 'requestFullScreen':
        void video.requestFullscreen?.().catch(() => undefined);
        return true;
      case 'exitFullScreen':
        if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
        return true;
      case 'requestPictureInPicture':
        void video.requestPictureInPicture?.().catch(() => undefined);
        return true;
      case 'exitPictureInPicture':
        if (document.pictureInPictureElement) void document.exitPictureInPicture().catch(() => undefined);
        return true;
      default:
        return false;
    }
  }

  /** The stream went away or the room was left: stop for good. */
  destroy(): void {
    this.destroyed = true;
    this.unload();
    this.options.video.removeAttribute('src');
  }

  private frameCount(): number {
    return this.options.video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
  }

  private load(src: string): void {
    if (this.destroyed) return;
    const { video, report } = this.options;
    const generation = ++this.generation;
    const live = () => generation === this.generation && !this.destroyed;
    const player = mpegts.createPlayer(
      { type: 'flv', isLive: true, url: src, hasAudio: this.view?.hasAudio !== false, hasVideo: this.view?.hasVideo !== false },
      {
        enableWorker: false,
        enableStashBuffer: false,
        lazyLoad: false,
        liveBufferLatencyChasing: true,
        liveBufferLatencyMaxLatency: 1.5,
        liveBufferLatencyMinRemain: 0.3,
        // Ours, not mpegts.js's WebSocket loader: it keeps the close code that says why the socket ended.
        customLoader: PlaySocketLoader as unknown as NonNullable<mpegts.Config['customLoader']>,
      },
    );
    this.player = player;
    let begun = false;
    let firstFrame = false;
    let playingReported = false;
    player.on(mpegts.Events.MEDIA_INFO, () => {
      if (!live() || begun) return;
      begun = true;
      report(2001, 'connected to the server');
      report(2002, 'pull begin');
    });
    player.on(mpegts.Events.ERROR, (type: string, detail: string, info?: { msg?: string }) => {
      if (!live()) return;
      this.unload();
      // A play socket's close says why (PlaySocketLoader): "pull url refused: not-subscribed", as a phone's does.
      report(-2301, info?.msg ? info.msg : `play failed: ${type} ${detail}`);
    });
    player.on(mpegts.Events.LOADING_COMPLETE, () => {
      if (live()) report(2006, 'the stream ended');
    });
    const onFrame = () => {
      if (!live()) return;
      if (!firstFrame && this.frameCount() > 0) {
        firstFrame = true;
        report(2003, 'first video frame');
      }
      if (!playingReported) {
        playingReported = true;
        report(2004, 'play begin');
      }
    };
    video.onplaying = onFrame;
    video.onloadeddata = () => {
      if (!live() || firstFrame || !this.view?.hasVideo) return;
      firstFrame = true;
      report(2003, 'first video frame');
    };
    video.onwaiting = () => {
      if (!live() || !playingReported) return;
      playingReported = false;
      report(2007, 'loading');
    };
    player.attachMediaElement(video);
    player.load();
    const started = player.play();
    // Autoplay with sound needs a gesture on some pages: play muted rather than not at all.
    if (started && typeof started.catch === 'function') {
      started.catch(() => {
        if (!live()) return;
        video.muted = true;
        void video.play().catch(() => undefined);
      });
    }
    this.startNetStatus(player, live);
  }

  private unload(): void {
    this.generation += 1;
    if (this.netTimer) clearInterval(this.netTimer);
    this.netTimer = null;
    const player = this.player;
    this.player = null;
    if (!player) return;
    this.framesBefore += this.frameCount();
    try {
      player.pause();
      player.unload();
      player.detachMediaElement();
      player.destroy();
    } catch {
      // mpegts.js may throw on a player whose MediaSource already closed; it is gone either way.
    }
  }

  private startNetStatus(player: Mpegts, live: () => boolean): void {
    let last = { at: Date.now(), frames: this.frameCount() };
    this.netTimer = setInterval(() => {
      if (!live()) return;
      const now = Date.now();
      const frames = this.frameCount();
      const fps = Math.round((frames - last.frames) / Math.max(0.001, (now - last.at) / 1000));
      last = { at: now, frames };
      const statistics = player.statisticsInfo as { speed?: number } | undefined;
      const kbps = Math.round((statistics?.speed ?? 0) * 8);
      const { video } = this.options;
      this.options.netStatus({ videoBitrate: kbps, videoFPS: fps, videoWidth: video.videoWidth, videoHeight: video.videoHeight, netSpeed: kbps });
    }, NET_STATUS_MS);
  }
}
