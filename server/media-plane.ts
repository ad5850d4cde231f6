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
  /** Part of every signed url; bumped by restart(). Starts at 1. */
  readonly generation: number;
  start(listener: MediaPlaneListener): Promise<void>;
  /** Restart the media side; resolves with the new generation once the listener has been told. */
  restart(): Promise<number>;
  close(): Promise<void>;
}

export interface MediaPlaneContext {
  urls: MediaUrls;
  log: Logger;
  /** The check of every push and play, and the news of sessions that ended (their media is cut). */
  access: MediaAccess;
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
