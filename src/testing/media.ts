// How emulated components move media. The simulated engine reports what a healthy phone reports, at once;
// the RTMP engine (rtmp-media.ts) runs real ffmpeg streams against the dev server's media server. Both
// speak in <live-pusher>/<live-player> status codes, so the SDK cannot tell them from a phone.

export type StatusReport = (code: number, message: string) => void;
export type NetStatusReport = (info: Record<string, unknown>) => void;

/** A running push or pull. */
export interface MediaHandle {
  /** Stop the stream; no status code follows. */
  stop(): void;
}

/** What an emulated <live-pusher> asks its media engine to push, and where to report. */
export interface PushRequest {
  url: string;
  video: boolean;
  audio: boolean;
  report: StatusReport;
  netStatus: NetStatusReport;
}

/** What an emulated <live-player> asks its media engine to play, and where to report. */
export interface PullRequest {
  url: string;
  video: boolean;
  audio: boolean;
  report: StatusReport;
  netStatus: NetStatusReport;
}

/**
 * How emulated components move media: {@link SimulatedMedia} (no media, the right status codes) or RtmpMedia
 * (ffmpeg).
 */
export interface MediaEngine {
  /** Start pushing; status codes go to `request.report`. */
  push(request: PushRequest): MediaHandle;
  /** Start playing; status codes go to `request.report`. */
  pull(request: PullRequest): MediaHandle;
  /** Stop everything still running (test teardown). */
  close(): Promise<void>;
}

/** No media at all: the codes of a push or pull that works, on the next turn. */
export class SimulatedMedia implements MediaEngine {
  /** Reports 1001, 1002 (and 1003, 1007, 1008 with video) as a pushing <live-pusher> would. */
  push(request: PushRequest): MediaHandle {
    let live = true;
    setTimeout(() => {
      if (!live) return;
      request.report(1001, 'connected to the push server');
      request.report(1002, 'push begin');
      if (request.video) request.report(1003, 'camera opened');
      request.report(1007, 'first frame captured');
      if (request.video) request.report(1008, 'encoder started');
    }, 0);
    return { stop: () => void (live = false) };
  }

  /** Reports 2001 .. 2004 as a playing <live-player> would. */
  pull(request: PullRequest): MediaHandle {
    let live = true;
    setTimeout(() => {
      if (!live) return;
      request.report(2001, 'connected to the server');
      request.report(2002, 'pull begin');
      if (request.video) request.report(2003, 'first video frame');
      request.report(2004, 'play begin');
    }, 0);
    return { stop: () => void (live = false) };
  }

  async close(): Promise<void> {}
}
