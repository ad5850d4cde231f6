// How emulated components move media. The simulated engine reports what a healthy phone reports, at once;
// the RTMP engine (rtmp-media.ts) runs real ffmpeg streams against the dev server's media server. Both
// speak in <live-pusher>/<live-player> status codes, so the SDK cannot tell them from a phone.

export type StatusReport = (code: number, message: string) => void;
export type NetStatusReport = (info: Record<string, unknown>) => void;

export interface MediaHandle {
  /** Stop the stream; no status code follows. */
  stop(): void;
}

export interface PushRequest {
  url: string;
  video: boolean;
  audio: boolean;
  report: StatusReport;
  netStatus: NetStatusReport;
}

export interface PullRequest {
  url: string;
  video: boolean;
  audio: boolean;
  report: StatusReport;
  netStatus: NetStatusReport;
}

export interface MediaEngine {
  push(request: PushRequest): MediaHandle;
  pull(request: PullRequest): MediaHandle;
  /** Stop everything still running (test teardown). */
  close(): Promise<void>;
}

/** No media at all: the codes of a push or pull that works, on the next turn. */
export class SimulatedMedia implements MediaEngine {
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
