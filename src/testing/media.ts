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

/** Options of {@link SimulatedMedia}. */
export interface SimulatedMediaOptions {
  /**
   * Report netstatus this often while a stream runs (a healthy 640x360 call's figures, varying a little), as
   * a phone's components do about every second; 0 (default) reports none.
   */
  netStatusIntervalMs?: number;
}

/** No media at all: the codes of a push or pull that works, on the next turn. */
export class SimulatedMedia implements MediaEngine {
  private readonly timers = new Set<ReturnType<typeof setInterval>>();

  constructor(private readonly options: SimulatedMediaOptions = {}) {}

  /** Reports 1001, 1002 (and 1003, 1007, 1008 with video) as a pushing <live-pusher> would. */
  push(request: PushRequest): MediaHandle {
    let live = true;
    const stopNetStatus = this.netStatus(request);
    setTimeout(() => {
      if (!live) return;
      request.report(1001, 'connected to the push server');
      request.report(1002, 'push begin');
      if (request.video) request.report(1003, 'camera opened');
      request.report(1007, 'first frame captured');
      if (request.video) request.report(1008, 'encoder started');
    }, 0);
    return {
      stop: () => {
        live = false;
        stopNetStatus();
      },
    };
  }

  /** Reports 2001 .. 2004 as a playing <live-player> would. */
  pull(request: PullRequest): MediaHandle {
    let live = true;
    const stopNetStatus = this.netStatus(request);
    setTimeout(() => {
      if (!live) return;
      request.report(2001, 'connected to the server');
      request.report(2002, 'pull begin');
      if (request.video) request.report(2003, 'first video frame');
      request.report(2004, 'play begin');
    }, 0);
    return {
      stop: () => {
        live = false;
        stopNetStatus();
      },
    };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
  }

  private netStatus(request: PushRequest | PullRequest): () => void {
    const every = this.options.netStatusIntervalMs ?? 0;
    if (every <= 0) return () => undefined;
    let tick = 0;
    const timer = setInterval(() => {
      tick += 1;
      const wobble = (tick % 5) - 2;
      request.netStatus({
        videoBitrate: request.video ? 600 + wobble * 40 : 0,
        audioBitrate: request.audio ? 48 : 0,
        videoFPS: request.video ? 15 + (wobble > 0 ? -1 : 0) : 0,
        videoWidth: request.video ? 640 : 0,
        videoHeight: request.video ? 360 : 0,
        netSpeed: (request.video ? 600 : 0) + (request.audio ? 48 : 0),
        netJitter: Math.abs(wobble),
        videoCache: 0,
        audioCache: 0,
      });
    }, every);
    timer.unref?.();
    this.timers.add(timer);
    return () => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
  }
}
