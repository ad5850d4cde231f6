// The seam between signaling and a media server. Signaling hands out urls (media-urls.ts); a media plane
// tells signaling when a push really started or stopped and when every url went stale (a restart). The
// default plane has no media server at all: a publish counts as started at once.
//
// The RTMP plane (media/rtmp-plane.ts, node-media-server sessions) implements MediaPlane: on publish/play it
// checks the app against urls.appPath and calls urls.verify(kind, streamName, query, { generation }); once
// media flows on a verified publish it calls listener.onStreamStarted(streamName), on the push ending
// onStreamStopped(streamName); restart() stops the server, bumps the generation, starts it again and calls
// onGenerationChanged. startDevServer({ media: 'rtmp' }) or ({ mediaPlane: rtmpMediaPlane() }) runs it.

import type { Logger } from './log';
import type { MediaAccess } from './media/authorize';
import type { MediaUrls } from './media-urls';

export interface MediaPlaneListener {
  /** A verified push began on this stream: signaling announces it (stream-added) if it was waiting. */
  onStreamStarted(streamName: string): void | Promise<void>;
  /** The push on this stream ended: signaling takes the stream down for subscribers until it starts again. */
  onStreamStopped(streamName: string): void | Promise<void>;
  /** Urls of older generations are dead: signaling mints new ones and sends url-updated to their holders. */
  onGenerationChanged(generation: number): void | Promise<void>;
}

export interface MediaPlane {
  readonly name: string;
  /**
   * true when a media server confirms pushes (onStreamStarted), so a publish waits for it before others
   * hear stream-added; false when nothing would ever confirm, so a publish counts as started at once.
   */
  readonly confirmsStreams: boolean;
  /**
   * true when a verified push on a stream already being pushed takes over from the old push without the stream
   * stopping (its players stay attached): the web bridge then keeps a superseded push running until the new
   * one is there. Absent or false (nginx-rtmp refuses a second publisher): the old push ends first.
   */
  readonly takesOverPushes?: boolean;
  /** Part of every signed url; bumped by restart(). Starts at 1. */
  readonly generation: number;
  /** `httpUrl`: where this server answers (a plane whose media server calls back, nginx, needs it). */
  start(listener: MediaPlaneListener, info?: { httpUrl: string }): Promise<void>;
  /**
   * An HTTP callback from the media server (POST /v1/media/<plane>/<event>), for planes that have them; the
   * body is bounded and may be anything (the endpoint is reachable by anyone who reaches the server).
   */
  callback?(event: string, query: URLSearchParams, body: string): Promise<{ status: number; body: unknown }>;
  /** Restart the media side; resolves with the new generation once the listener has been told. */
  restart(): Promise<number>;
  close(): Promise<void>;
}

export interface MediaPlaneContext {
  urls: MediaUrls;
  log: Logger;
  /** The check of every push and play, and the news of sessions that ended (their media is cut). */
  access: MediaAccess;
  /** The generation and what a media server looked like, shared by every process (Redis) or this one alone. */
  coordination: MediaCoordination;
}

/** Media state every process must agree on. */
export interface MediaCoordination {
  generation(): Promise<number>;
  /** Bump the generation; every process's onGeneration listeners hear it (this one's too). */
  bumpGeneration(): Promise<number>;
  onGeneration(listener: (generation: number) => void): () => void;
  /**
   * Record what `what` (a media server) looks like now; true when some process had recorded something else
   * (it restarted) — exactly one of the processes that see the same change gets true.
   */
  observe(what: string, identity: string): Promise<boolean>;
}

/** One process: nothing to share. */
export class LocalCoordination implements MediaCoordination {
  private gen = 1;
  private readonly seen = new Map<string, string>();
  private readonly listeners = new Set<(generation: number) => void>();

  async generation(): Promise<number> {
    return this.gen;
  }

  async bumpGeneration(): Promise<number> {
    this.gen += 1;
    for (const listener of this.listeners) listener(this.gen);
    return this.gen;
  }

  onGeneration(listener: (generation: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async observe(what: string, identity: string): Promise<boolean> {
    const before = this.seen.get(what);
    this.seen.set(what, identity);
    return before !== undefined && before !== identity;
  }
}

export type MediaPlaneFactory = (context: MediaPlaneContext) => MediaPlane;

/** No media server: urls are minted and signed, but nothing listens on them. */
export class NoMediaPlane implements MediaPlane {
  readonly name = 'none';
  readonly confirmsStreams = false;
  private gen = 1;
  private listener: MediaPlaneListener | null = null;

  get generation(): number {
    return this.gen;
  }

  async start(listener: MediaPlaneListener): Promise<void> {
    this.listener = listener;
  }

  async restart(): Promise<number> {
    this.gen += 1;
    await this.listener?.onGenerationChanged(this.gen);
    return this.gen;
  }

  async close(): Promise<void> {
    this.listener = null;
  }
}

export const noMediaPlane: MediaPlaneFactory = () => new NoMediaPlane();
